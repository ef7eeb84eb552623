using FastBackprop.Data;
using FastBackprop.IO;
using FastBackprop.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.IO;

public sealed class ModelFileTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("fastbackprop-modelfile-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    public static Arbitrary<NetworkCase> Cases() => NetworkGenerators.CaseArbitrary(maxDepth: 4, maxWidth: 24);

    private static Model RandomModel(NetworkCase c, bool withScaling)
    {
        var network = new Network(c.Definition);
        network.InitializeWeights(c.WeightSeed);
        var random = new SeededRandom(c.DataSeed);
        // Biases too, so that every stored float is non-trivial.
        foreach (ref float p in network.Parameters) p += random.NextSymmetric(0.5f);
        InputScaling? scaling = null;
        if (withScaling)
        {
            var offset = new float[c.Definition.InputWidth];
            var scale = new float[c.Definition.InputWidth];
            for (int i = 0; i < offset.Length; i++) { offset[i] = random.NextSymmetric(3f); scale[i] = 0.1f + random.NextSingle(); }
            scaling = new InputScaling(random.NextInt32(2) == 0 ? InputScalingKind.MinMax : InputScalingKind.Standardization, offset, scale);
        }
        var metadata = new Dictionary<string, string> { ["history"] = "epoch 1: loss 0.5 — ünïcode", ["seed"] = c.WeightSeed.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        return new Model(network, scaling, metadata);
    }

    [Property(Arbitrary = [typeof(ModelFileTests)], MaxTest = 60)]
    public void ModelFile_RoundTrip_IsBitExact(NetworkCase c, bool withScaling)
    {
        Model model = RandomModel(c, withScaling);
        string path = Path.Combine(folder, "m.fbp");
        ModelFile.Save(path, model);
        Model loaded = ModelFile.Load(path);

        Assert.Equal(model.Network.Definition.ToString(), loaded.Network.Definition.ToString());
        Assert.Equal(model.Network.Definition.Loss, loaded.Network.Definition.Loss);
        Assert.True(model.Network.Parameters.SequenceEqual(loaded.Network.Parameters), "parameters differ");
        for (int l = 0; l < model.Network.Definition.LayerCount; l++)
        {
            Assert.Equal(((Dense)model.Network.Definition.Layers[l]).Transfer.Name, ((Dense)loaded.Network.Definition.Layers[l]).Transfer.Name);
        }
        Assert.Equal(model.Scaling is null, loaded.Scaling is null);
        if (model.Scaling is not null)
        {
            Assert.Equal(model.Scaling.Kind, loaded.Scaling!.Kind);
            Assert.True(model.Scaling.Offset.SequenceEqual(loaded.Scaling.Offset));
            Assert.True(model.Scaling.Scale.SequenceEqual(loaded.Scaling.Scale));
        }
        Assert.Equal(model.Metadata.OrderBy(e => e.Key), loaded.Metadata.OrderBy(e => e.Key));
        // Saving the loaded model gives the same bytes: nothing is lost or reordered.
        Assert.Equal(ModelFile.Serialize(model), ModelFile.Serialize(loaded));
    }

    [Property(Arbitrary = [typeof(ModelFileTests)], MaxTest = 200)]
    public void ModelFile_FlippedBit_IsAlwaysACleanError(NetworkCase c, int position, byte bit)
    {
        byte[] bytes = ModelFile.Serialize(RandomModel(c, withScaling: (position & 1) == 0));
        int index = (int)((uint)position % (uint)bytes.Length);
        bytes[index] ^= (byte)(1 << (bit % 8));
        // The CRC covers every byte, so any single flipped bit must be reported; a Model coming
        // back would mean a corrupt file was accepted.
        var e = Assert.Throws<DataFormatException>(() => ModelFile.Deserialize(bytes, "flipped.fbp"));
        Assert.Contains("flipped.fbp", e.Message);
    }

    [Property(Arbitrary = [typeof(ModelFileTests)], MaxTest = 200)]
    public void ModelFile_Truncated_IsAlwaysACleanError(NetworkCase c, int cut)
    {
        byte[] bytes = ModelFile.Serialize(RandomModel(c, withScaling: (cut & 1) == 0));
        int length = (int)((uint)cut % (uint)bytes.Length);
        var e = Assert.Throws<DataFormatException>(() => ModelFile.Deserialize(bytes.AsSpan(0, length), "cut.fbp"));
        Assert.Contains("cut.fbp", e.Message);
    }

    [Property(MaxTest = 200)]
    public void ModelFile_RandomBytes_AreACleanError(byte[] junk, bool withMagic)
    {
        byte[] bytes = withMagic ? [.. "FBPMODEL"u8, .. junk] : junk;
        Assert.Throws<DataFormatException>(() => ModelFile.Deserialize(bytes, "junk.fbp"));
    }

    [Fact]
    public void ModelFile_ValidChecksumButAbsurdHeader_IsRejectedWithoutAllocating()
    {
        // A correct CRC over a header that claims a 2^30-wide layer: the parser must refuse it
        // from the file length, not try to allocate 2^60 parameters.
        using var memory = new MemoryStream();
        using (var w = new BinaryWriter(memory, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            w.Write("FBPMODEL"u8);
            w.Write((ushort)1);
            w.Write((byte)0);
            w.Write((byte)0);
            w.Write(1 << 30);   // input width
            w.Write(1);         // layers
            w.Write(1 << 30);   // width
            w.Write((byte)8);
            w.Write("logistic"u8);
            w.Write(0);
        }
        byte[] body = memory.ToArray();
        byte[] bytes = [.. body, .. BitConverter.GetBytes(Crc32.Compute(body))];
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DataFormatException>(() => ModelFile.Deserialize(bytes, "absurd.fbp"));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "the reader allocated more than 1 MiB for a 40-byte file");
        Assert.Contains("more parameters than the file holds", e.Message);
    }

    [Fact]
    public void Crc32_MatchesTheStandardCheckValue() =>
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));

    [Fact]
    public void ModelFile_Save_OverwritesAtomicallyAndLeavesNoTemporaryFiles()
    {
        string path = Path.Combine(folder, "model.fbp");
        var first = new Network(3, Loss.HalfSquaredError, new Dense(2, TransferFunction.Tanh), new Dense(1, TransferFunction.Identity));
        first.InitializeWeights(1);
        ModelFile.Save(path, new Model(first, scaling: null));
        var second = new Network(3, Loss.HalfSquaredError, new Dense(2, TransferFunction.Tanh), new Dense(1, TransferFunction.Identity));
        second.InitializeWeights(2);
        ModelFile.Save(path, new Model(second, scaling: null));

        Assert.True(ModelFile.Load(path).Network.Parameters.SequenceEqual(second.Parameters));
        Assert.Equal(["model.fbp"], Directory.GetFiles(folder).Select(Path.GetFileName));
    }

    [Fact]
    public void ModelFile_FailedSave_KeepsThePreviousModel()
    {
        string path = Path.Combine(folder, "keep.fbp");
        var good = new Network(2, Loss.HalfSquaredError, new Dense(1, TransferFunction.Logistic));
        good.InitializeWeights(7);
        ModelFile.Save(path, new Model(good, scaling: null));
        byte[] before = File.ReadAllBytes(path);

        var diverged = new Network(2, Loss.HalfSquaredError, new Dense(1, TransferFunction.Logistic));
        diverged.Parameters[0] = float.NaN;
        var e = Assert.Throws<ArgumentException>(() => ModelFile.Save(path, new Model(diverged, scaling: null)));
        Assert.Contains("NaN", e.Message);

        var custom = new Network(2, Loss.HalfSquaredError, new Dense(1, new Softsign()));
        e = Assert.Throws<ArgumentException>(() => ModelFile.Save(path, new Model(custom, scaling: null)));
        Assert.Contains("softsign", e.Message);

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(folder));
    }

    [Fact]
    public void ModelFile_Load_MissingFile_ThrowsFileNotFound() =>
        Assert.Throws<FileNotFoundException>(() => ModelFile.Load(Path.Combine(folder, "absent.fbp")));

    [Fact]
    public void ModelFile_Load_WrongMagic_NamesFileAndByte()
    {
        string path = Path.Combine(folder, "notamodel.csv");
        File.WriteAllText(path, "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25\n");
        var e = Assert.Throws<DataFormatException>(() => ModelFile.Load(path));
        Assert.Contains("notamodel.csv", e.Message);
        Assert.Equal(0, e.ByteOffset);
        Assert.Contains("magic", e.Message);
    }

    [Theory]
    [InlineData("elu(1)")]
    [InlineData("elu(0.25)")]
    [InlineData("selu")]
    [InlineData("softplus")]
    [InlineData("gelu")]
    [InlineData("gelu-tanh")]
    [InlineData("silu")]
    [InlineData("softsign")]
    [InlineData("hard-tanh")]
    [InlineData("elliott")]
    [InlineData("gaussian")]
    [InlineData("sin")]
    public void ModelFile_NewTransferFunctions_RoundTrip(string name)
    {
        var network = new Network(3, Loss.HalfSquaredError, new Dense(4, TransferFunction.FromName(name)), new Dense(2, TransferFunction.FromName(name)));
        network.InitializeWeights(21);
        string path = Path.Combine(folder, "new-functions.fbp");
        ModelFile.Save(path, new Model(network, scaling: null));
        Network loaded = ModelFile.Load(path).Network;
        Assert.Equal(network.Definition, loaded.Definition);
        Assert.Equal(name, ((Dense)loaded.Definition.Layers[0]).Transfer.Name);
        Assert.Equal(network.Parameters.ToArray(), loaded.Parameters.ToArray());
        float[] x = [0.5f, -2f, 1.25f], a = new float[2], b = new float[2];
        network.Predict(x, a);
        loaded.Predict(x, b);
        Assert.Equal(a, b);
    }

    [Fact]
    public void TransferFunction_FromName_RoundTripsEveryBuiltIn()
    {
        TransferFunction[] all = [TransferFunction.Logistic, TransferFunction.Tanh, TransferFunction.Relu, TransferFunction.Identity, TransferFunction.Softmax, TransferFunction.LeakyRelu(0.2f), TransferFunction.LeakyRelu(0.0123f),
            TransferFunction.Elu(), TransferFunction.Elu(0.25f), TransferFunction.Selu, TransferFunction.Softplus, TransferFunction.Gelu, TransferFunction.GeluTanh, TransferFunction.Silu,
            TransferFunction.Softsign, TransferFunction.HardTanh, TransferFunction.Elliott, TransferFunction.Gaussian, TransferFunction.Sine];
        foreach (TransferFunction f in all) Assert.Equal(f.Name, TransferFunction.FromName(f.Name).Name);
        Assert.Throws<ArgumentException>("name", () => TransferFunction.FromName("mish"));
        Assert.Throws<ArgumentException>("name", () => TransferFunction.FromName("elu(0)"));
        Assert.Throws<ArgumentException>("name", () => TransferFunction.FromName("elu(x)"));
        Assert.Throws<ArgumentException>("name", () => TransferFunction.FromName("leaky-relu(2)"));
    }

    /// <summary>A user-defined function: x / (1 + |x|).</summary>
    private sealed class Softsign : ElementwiseTransferFunction
    {
        public override string Name => "softsign";
        public override double Function(double x) => x / (1 + Math.Abs(x));
        public override double Derivative(double x) => 1 / ((1 + Math.Abs(x)) * (1 + Math.Abs(x)));
    }
}
