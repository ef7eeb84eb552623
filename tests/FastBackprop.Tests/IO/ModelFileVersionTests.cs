using FastBackprop.Data;
using FastBackprop.IO;
using FastBackprop.Tests.Support;
using FsCheck;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.IO;

/// <summary>Model file versions: files of earlier builds still load, Dense-only networks are still written as
/// version 1 byte for byte, and version 2 (per layer: kind name, payload length, payload) round-trips and rejects
/// every malformed record cleanly.</summary>
public sealed class ModelFileVersionTests
{
    // Written by main at 01d9e14 (before layer formats existed):
    // 3-4-3-2 HalfSquaredError (leaky-relu(0.05), tanh, identity), min-max scaling, two metadata entries.
    private const string RegressionV1 =
        "4642504D4F44454C01000001030000000300000004000000106C65616B792D72656C7528302E30352903000000047461" +
        "6E6802000000086964656E746974790000003F000080BF00000040000000400000803E0000C03F27000000B853D6BF14" +
        "3F17BF481A113E478AB73F0CE3E73FC0F0803F85934D3F99747E3F4406C73E371D423E54A4443F58B1D2BDA628A8BEFA" +
        "60853EDE77DD3EB845E53E80ACDE3D9A48CEBE10BE4D3F830E853F0899E23EF8C12B3F8C1B8D3D368E533E8EF382BF30" +
        "CA5EBE4B07BEBEE86E3EBEE0D5B13EB06D59BE0068803B4E5A61BFFCD100BFB1CE153E830E203F80E1183DDE07FDBEC8" +
        "317CBE905981BD0200000007000000686973746F72791100000065706F636820313A206C6F737320302E350400000073" +
        "6565640200000034320D0D8CF0";

    // 2-3-2 CrossEntropy (relu, softmax), no scaling, no metadata.
    private const string SoftmaxV1 =
        "4642504D4F44454C010001000200000002000000030000000472656C750200000007736F66746D61781100000089DF31" +
        "3FA63444BFAF97963F3552D53F5EA6D93F314AA53F0000000000000000000000002F5C76BFFBDB5DBF210858BE034943" +
        "BF319DB93DB50A023F000000000000000000000000168753D6";

    // 2-1 CrossEntropy (logistic), standardisation.
    private const string LogisticV1 =
        "4642504D4F44454C01000102020000000100000001000000086C6F6769737469630000803F000000400000003F000040" +
        "40030000002974683FB7A4973E00000000000000002D908ACC";

    public static Arbitrary<NetworkCase> Cases() => NetworkGenerators.CaseArbitrary(maxDepth: 4, maxWidth: 24);

    /// <summary>Networks with at least one dropout layer.</summary>
    public sealed class WithDropout
    {
        public static Arbitrary<NetworkCase> Cases() => NetworkGenerators.CaseWithDropoutArbitrary(maxDepth: 4, maxWidth: 24);
    }

    [Theory]
    [InlineData(RegressionV1, "3-4-3-2 (leaky-relu(0.05), tanh, identity; HalfSquaredError)", InputScalingKind.MinMax, 2)]
    [InlineData(SoftmaxV1, "2-3-2 (relu, softmax; CrossEntropy)", null, 0)]
    [InlineData(LogisticV1, "2-1 (logistic; CrossEntropy)", InputScalingKind.Standardization, 0)]
    public void ModelFile_WrittenByEarlierBuilds_LoadsAndIsWrittenAgainByteForByte(string hex, string definition, InputScalingKind? scaling, int metadata)
    {
        byte[] bytes = Convert.FromHexString(hex);
        Model model = ModelFile.Deserialize(bytes, "old.fbp");

        Assert.Equal(definition, model.Network.Definition.ToString());
        Assert.Equal(scaling, model.Scaling?.Kind);
        Assert.Equal(metadata, model.Metadata.Count);
        Assert.True(System.Numerics.Tensors.TensorPrimitives.IsFiniteAll(model.Network.Parameters));
        Assert.Equal(bytes, ModelFile.Serialize(model));   // still version 1, every byte as before
    }

    [Fact]
    public void ModelFile_RegressionWrittenByEarlierBuild_KeepsItsValues()
    {
        Model model = ModelFile.Deserialize(Convert.FromHexString(RegressionV1), "old.fbp");
        Assert.Equal([0.5f, -1f, 2f], model.Scaling!.Offset.ToArray());
        Assert.Equal([2f, 0.25f, 1.5f], model.Scaling.Scale.ToArray());
        Assert.Equal("42", model.Metadata["seed"]);
        Assert.Equal("epoch 1: loss 0.5", model.Metadata["history"]);
    }

    [Property(Arbitrary = [typeof(ModelFileVersionTests)], MaxTest = 60)]
    public void ModelFile_Version2_RoundTripsDenseNetworks(NetworkCase c)
    {
        Model model = RandomModel(c);
        byte[] version2 = ModelFile.Serialize(model, version: 2);
        Assert.Equal(2, version2[8]);
        Model loaded = ModelFile.Deserialize(version2, "v2.fbp");

        Assert.Equal(model.Network.Definition, loaded.Network.Definition);
        Assert.True(model.Network.Parameters.SequenceEqual(loaded.Network.Parameters), "parameters differ");
        Assert.Equal(model.Metadata.OrderBy(e => e.Key), loaded.Metadata.OrderBy(e => e.Key));
        byte[] version1 = ModelFile.Serialize(loaded);
        Assert.Equal(1, version1[8]);                              // Dense only: written as version 1 again
        Assert.Equal(ModelFile.Serialize(model), version1);
    }

    [Property(Arbitrary = [typeof(WithDropout)], MaxTest = 60)]
    public void ModelFile_NetworkWithDropout_WritesVersion2AndRoundTrips(NetworkCase c)
    {
        Model model = RandomModel(c);
        byte[] bytes = ModelFile.Serialize(model);
        Assert.Equal(2, bytes[8]);
        Model loaded = ModelFile.Deserialize(bytes, "dropout.fbp");
        Assert.Equal(model.Network.Definition, loaded.Network.Definition);
        Assert.True(model.Network.Parameters.SequenceEqual(loaded.Network.Parameters), "parameters differ");
        Assert.Equal(bytes, ModelFile.Serialize(loaded));
    }

    [Property(Arbitrary = [typeof(WithDropout)], MaxTest = 200)]
    public void ModelFile_NetworkWithDropoutFlippedBitOrTruncated_IsAlwaysACleanError(NetworkCase c, int position, byte bit)
    {
        byte[] bytes = ModelFile.Serialize(RandomModel(c));
        int index = (int)((uint)position % (uint)bytes.Length);
        Assert.Throws<DataFormatException>(() => ModelFile.Deserialize(bytes.AsSpan(0, index), "cut.fbp"));
        bytes[index] ^= (byte)(1 << (bit % 8));
        Assert.Throws<DataFormatException>(() => ModelFile.Deserialize(bytes, "flipped.fbp"));
    }

    [Theory]
    [InlineData(1f, "layer 0 dropout rate 1; expected a probability in [0, 1)")]
    [InlineData(-0.25f, "layer 0 dropout rate -0.25")]
    [InlineData(float.NaN, "layer 0 dropout rate NaN")]
    public void ModelFile_DropoutRateOutOfRangeWithValidChecksum_IsACleanError(float rate, string message)
    {
        // 3 -> dropout(0.5) -> dense(2, identity): the first record is kind length 7, "dropout", payload length 4, the rate.
        var network = new Network(3, Loss.HalfSquaredError, new Dropout(0.5f), new Dense(2, TransferFunction.Identity));
        byte[] bytes = ModelFile.Serialize(new Model(network, scaling: null));
        Assert.Equal("dropout"u8.ToArray(), bytes[21..28]);
        BitConverter.TryWriteBytes(bytes.AsSpan(32), rate);
        Reseal(bytes);
        var e = Assert.Throws<DataFormatException>(() => ModelFile.Deserialize(bytes, "rate.fbp"));
        Assert.Contains(message, e.Message);
        Assert.Equal(32, e.ByteOffset);
    }

    [Property(Arbitrary = [typeof(ModelFileVersionTests)], MaxTest = 200)]
    public void ModelFile_Version2FlippedBit_IsAlwaysACleanError(NetworkCase c, int position, byte bit)
    {
        byte[] bytes = ModelFile.Serialize(RandomModel(c), version: 2);
        bytes[(int)((uint)position % (uint)bytes.Length)] ^= (byte)(1 << (bit % 8));
        var e = Assert.Throws<DataFormatException>(() => ModelFile.Deserialize(bytes, "flipped.fbp"));
        Assert.Contains("flipped.fbp", e.Message);
    }

    [Property(Arbitrary = [typeof(ModelFileVersionTests)], MaxTest = 200)]
    public void ModelFile_Version2Truncated_IsAlwaysACleanError(NetworkCase c, int cut)
    {
        byte[] bytes = ModelFile.Serialize(RandomModel(c), version: 2);
        var e = Assert.Throws<DataFormatException>(() => ModelFile.Deserialize(bytes.AsSpan(0, (int)((uint)cut % (uint)bytes.Length)), "cut.fbp"));
        Assert.Contains("cut.fbp", e.Message);
    }

    // Version 2 of 3-4-2 (tanh, identity): the first layer record starts at byte 20 with
    // kind length 5, "dense", payload length 9, then the payload: width 4, name length 4, "tanh".
    private static byte[] TanhIdentityVersion2()
    {
        var network = new Network(3, Loss.HalfSquaredError, new Dense(4, TransferFunction.Tanh), new Dense(2, TransferFunction.Identity));
        network.InitializeWeights(5);
        byte[] bytes = ModelFile.Serialize(new Model(network, scaling: null), version: 2);
        Assert.Equal("dense"u8.ToArray(), bytes[21..26]);
        Assert.Equal(9, BitConverter.ToInt32(bytes, 26));
        return bytes;
    }

    [Theory]
    [InlineData(21, new byte[] { (byte)'d', (byte)'r', (byte)'o', (byte)'p', (byte)'s' }, 20, "layer 0 is of the unknown kind 'drops'; this build reads dense")]
    [InlineData(20, new byte[] { 0 }, 20, "layer 0 kind name length 0")]
    [InlineData(20, new byte[] { 33 }, 20, "layer 0 kind name length 33; expected 1 to 32")]
    [InlineData(21, new byte[] { 1 }, 21, "layer 0 kind name holds the byte 0x01")]
    [InlineData(26, new byte[] { 10, 0, 0, 0 }, 39, "layer 0 (dense) has 1 unexpected bytes at the end of its payload")]
    [InlineData(26, new byte[] { 8, 0, 0, 0 }, 35, "layer 0's payload ends 3 bytes into a field of 4 bytes")]
    [InlineData(26, new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }, 26, "layer 0 (dense) payload length -1")]
    [InlineData(26, new byte[] { 0, 0, 0, 1 }, 26, "layer 0 (dense) payload length 16777216; only")]
    [InlineData(30, new byte[] { 0, 0, 0, 0 }, 30, "layer 0 width 0; expected at least 1")]
    [InlineData(35, new byte[] { (byte)'t', (byte)'a', (byte)'n', (byte)'q' }, 34, "layer 0: unknown transfer function 'tanq'")]
    [InlineData(8, new byte[] { 3, 0 }, 8, "model file format version 3; this build reads versions 1 to 2")]
    public void ModelFile_Version2BadRecordWithValidChecksum_IsACleanErrorAtItsByte(int offset, byte[] patch, long at, string message)
    {
        byte[] bytes = TanhIdentityVersion2();
        patch.CopyTo(bytes, offset);
        Reseal(bytes);
        var e = Assert.Throws<DataFormatException>(() => ModelFile.Deserialize(bytes, "bad.fbp"));
        Assert.Contains(message, e.Message);
        Assert.Equal(at, e.ByteOffset);
    }

    [Fact]
    public void ModelFile_Version1RecordInAVersion2File_IsRejected()
    {
        // A version 1 body labelled version 2: the width's first byte is read as a kind name length.
        var network = new Network(3, Loss.HalfSquaredError, new Dense(4, TransferFunction.Tanh), new Dense(2, TransferFunction.Identity));
        byte[] bytes = ModelFile.Serialize(new Model(network, scaling: null));
        bytes[8] = 2;
        Reseal(bytes);
        Assert.Throws<DataFormatException>(() => ModelFile.Deserialize(bytes, "mixed.fbp"));
    }

    private static void Reseal(byte[] bytes) =>
        BitConverter.TryWriteBytes(bytes.AsSpan(bytes.Length - 4), Crc32.Compute(bytes.AsSpan(0, bytes.Length - 4)));

    private static Model RandomModel(NetworkCase c)
    {
        var network = new Network(c.Definition);
        network.InitializeWeights(c.WeightSeed);
        var metadata = new Dictionary<string, string> { ["seed"] = c.WeightSeed.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        return new Model(network, scaling: null, metadata);
    }
}
