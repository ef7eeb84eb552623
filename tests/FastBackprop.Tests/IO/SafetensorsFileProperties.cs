using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using FastBackprop.Data;
using FastBackprop.IO;
using FastBackprop.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.IO;

/// <summary>safetensors round trips and fuzzing: every network (dense layers of every built-in function, dropout, every
/// loss the generators give) comes back bit for bit with the same Predict outputs, and every truncated, bit-flipped or
/// random file is a <see cref="Model"/> or a <see cref="DataFormatException"/>, never another exception. A failing case
/// prints as one line: the definition and its two seeds (NetworkCase), plus the cut or flip.</summary>
public sealed class SafetensorsFileProperties
{
    public static Arbitrary<NetworkCase> Cases() =>
        Gen.OneOf(
            NetworkGenerators.Cases(maxDepth: 3, maxWidth: 12),
            NetworkGenerators.CaseWithDropoutArbitrary(maxDepth: 3, maxWidth: 12).Generator,
            NetworkGenerators.MixedCaseArbitrary(maxDepth: 3, maxWidth: 12).Generator).ToArbitrary();

    /// <summary>A model of <paramref name="c"/>'s network with, by the flags, an input scaling, a target scaling and metadata.</summary>
    internal static Model RandomModel(NetworkCase c, bool scaling, bool targets)
    {
        Network network = c.CreateNetwork();
        var random = new SeededRandom(c.DataSeed ^ 0x5AFE7E45UL);
        InputScaling? inputs = null;
        if (scaling)
        {
            var offset = new float[c.Definition.InputWidth];
            var scale = new float[c.Definition.InputWidth];
            for (int i = 0; i < offset.Length; i++) { offset[i] = random.NextSymmetric(3f); scale[i] = 0.1f + random.NextSingle(); }
            inputs = new InputScaling(random.NextInt32(2) == 0 ? InputScalingKind.MinMax : InputScalingKind.Standardization, offset, scale);
        }
        TargetScaling? outputs = null;
        if (targets)
        {
            var mean = new float[c.Definition.OutputWidth];
            var deviation = new float[c.Definition.OutputWidth];
            for (int i = 0; i < mean.Length; i++) { mean[i] = random.NextSymmetric(100f); deviation[i] = 0.01f + random.NextSingle(); }
            outputs = new TargetScaling(mean, deviation);
        }
        var metadata = new Dictionary<string, string> { ["history"] = "epoch,loss\n1,0.5 — ünïcode \"quoted\" <tag> \\ \u0001", ["seed"] = c.WeightSeed.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        return new Model(network, inputs, metadata) { TargetScaling = outputs };
    }

    [Property(Arbitrary = [typeof(SafetensorsFileProperties)], MaxTest = 80)]
    public void Safetensors_RoundTrip_IsBitExact(NetworkCase c, bool scaling, bool targets)
    {
        Model model = RandomModel(c, scaling, targets);
        byte[] bytes = SafetensorsFile.Serialize(model);
        Model loaded = SafetensorsFile.Deserialize(bytes, "round.safetensors");

        Assert.Equal(model.Network.Definition, loaded.Network.Definition);
        Assert.Equal(Bits(model.Network.Parameters), Bits(loaded.Network.Parameters));
        Assert.Equal(model.Scaling is null, loaded.Scaling is null);
        if (model.Scaling is not null) Assert.True(model.Scaling.SameAs(loaded.Scaling), "input scaling differs");
        Assert.Equal(model.TargetScaling is null, loaded.TargetScaling is null);
        if (model.TargetScaling is not null)
        {
            Assert.Equal(Bits(model.TargetScaling.Mean), Bits(loaded.TargetScaling!.Mean));
            Assert.Equal(Bits(model.TargetScaling.StandardDeviation), Bits(loaded.TargetScaling.StandardDeviation));
        }
        Assert.Equal(model.Metadata.OrderBy(e => e.Key, StringComparer.Ordinal), loaded.Metadata.OrderBy(e => e.Key, StringComparer.Ordinal));

        float[] input = c.CreateInput(), expected = new float[c.Definition.OutputWidth], actual = new float[c.Definition.OutputWidth];
        model.Predict(input, expected);
        loaded.Predict(input, actual);
        Assert.Equal(Bits(expected), Bits(actual));
        // Saving what was loaded gives the same bytes: nothing is lost or reordered.
        Assert.Equal(bytes, SafetensorsFile.Serialize(loaded));
        // Given the same network as a definition, the file gives the same model (scalings and metadata included).
        Assert.Equal(bytes, SafetensorsFile.Serialize(SafetensorsFile.Deserialize(bytes, "round.safetensors", c.Definition)));
    }

    [Property(Arbitrary = [typeof(SafetensorsFileProperties)], MaxTest = 60)]
    public void Safetensors_Layout_IsTheSequentialsStateDict(NetworkCase c)
    {
        Model model = RandomModel(c, scaling: false, targets: false);
        byte[] bytes = SafetensorsFile.Serialize(model);
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, (8 + length) % 8);   // padded as the reference writer pads
        using JsonDocument header = JsonDocument.Parse(bytes.AsMemory(8, (int)length));
        NetworkDefinition definition = c.Definition;
        int module = 0, tensors = 0;
        for (int l = 0; l < definition.LayerCount; l++)
        {
            if (definition.Layers[l] is Dense dense)
            {
                LayerLayout layout = definition.GetLayout(l);
                // The weight is [out, in], row k the incoming weights of unit k: GetWeights' own layout.
                Assert.Equal(Bits(model.Network.GetWeights(l)), Bits(Tensor(bytes, header, $"{module}.weight", [layout.Units, layout.Inputs])));
                Assert.Equal(Bits(model.Network.GetBiases(l)), Bits(Tensor(bytes, header, $"{module}.bias", [layout.Units])));
                tensors += 2;
                module += dense.Transfer == TransferFunction.Identity ? 1 : 2;
            }
            else
            {
                module++;
            }
        }
        Assert.Equal(tensors + 1, header.RootElement.EnumerateObject().Count());
        Assert.Equal("pt", header.RootElement.GetProperty("__metadata__").GetProperty("format").GetString());
    }

    [Property(Arbitrary = [typeof(SafetensorsFileProperties)], MaxTest = 150)]
    public void Safetensors_Truncated_IsAlwaysACleanError(NetworkCase c, int cut)
    {
        byte[] bytes = SafetensorsFile.Serialize(RandomModel(c, scaling: (cut & 1) == 0, targets: (cut & 2) == 0));
        int length = (int)((uint)cut % (uint)bytes.Length);
        // The buffer must end where the last tensor ends, so no cut leaves a valid file.
        var e = Assert.Throws<DataFormatException>(() => SafetensorsFile.Deserialize(bytes.AsSpan(0, length), "cut.safetensors"));
        Assert.Contains("cut.safetensors", e.Message);
    }

    [Property(Arbitrary = [typeof(SafetensorsFileProperties)], MaxTest = 300)]
    public void Safetensors_FlippedBits_LoadTheSameNetworkOrAreACleanError(NetworkCase c, int position, byte bit, int second, bool scaling)
    {
        Model model = RandomModel(c, scaling, targets: !scaling);
        byte[] bytes = SafetensorsFile.Serialize(model);
        int[] flipped = [(int)((uint)position % (uint)bytes.Length), (int)((uint)second % (uint)bytes.Length)];
        bytes[flipped[0]] ^= (byte)(1 << (bit % 8));
        if (second % 3 == 0) bytes[flipped[1]] ^= 0xFF;
        else flipped[1] = flipped[0];
        Model? loaded = ModelOrFormatError(bytes, $"flips at {flipped[0]}, {flipped[1]}");
        if (loaded is null) return;
        // safetensors has no checksum: a flip in a parameter's bytes changes that parameter (or makes it non-finite,
        // an error); a flip in the header may change a name or number in a way that still describes a valid network.
        long buffer = 8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (flipped[0] >= buffer && flipped[1] >= buffer)
        {
            Assert.Equal(model.Network.Definition, loaded.Network.Definition);
            int differing = 0;
            for (int i = 0; i < model.Network.Parameters.Length; i++)
            {
                if (BitConverter.SingleToInt32Bits(model.Network.Parameters[i]) != BitConverter.SingleToInt32Bits(loaded.Network.Parameters[i])) differing++;
            }
            Assert.InRange(differing, 0, 2);
        }
    }

    [Property(MaxTest = 300)]
    public void Safetensors_RandomBytes_AreACleanError(byte[] junk, bool plausibleLength, bool brace)
    {
        junk ??= [];
        byte[] bytes = junk;
        if (plausibleLength)
        {
            bytes = new byte[8 + junk.Length];
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)(junk.Length == 0 ? 0 : 1 + junk[0] % junk.Length));
            junk.CopyTo(bytes, 8);
            if (brace && junk.Length > 0) bytes[8] = (byte)'{';
        }
        Assert.Throws<DataFormatException>(() => SafetensorsFile.Deserialize(bytes, "junk.safetensors"));
    }

    [Property(MaxTest = 300)]
    public void Safetensors_RandomHeaders_AreAModelOrACleanError(byte dtype, byte rank, uint d0, uint d1, byte begin, byte end, byte data, byte extra)
    {
        string[] dtypes = ["F32", "F16", "BF16", "F64", "I64", "U8", "F4", "X"];
        long[] dims = [d0 % 5, d1 % 3, d0 == 7 ? long.MaxValue : 2, 1L << 62];
        string shape = string.Join(", ", dims[..(rank % 5)]);
        string[] extras = ["", ", \"__metadata__\": {\"a\": \"b\"}", ", \"__metadata__\": {\"a\": 1}", ", \"0.weight\": {}", ", \"x\": null", ", \"b\": {\"dtype\": \"F32\", \"shape\": [], \"data_offsets\": [0, 4], \"q\": 1}"];
        string json = $"{{\"0.weight\": {{\"dtype\": \"{dtypes[dtype % dtypes.Length]}\", \"shape\": [{shape}], \"data_offsets\": [{begin % 9}, {end % 17}]}}{extras[extra % extras.Length]}}}";
        byte[] bytes = SafetensorsBytes.File(json, new byte[data % 20]);
        var definition = new NetworkDefinition(1, Loss.HalfSquaredError, new Dense(1, TransferFunction.Identity));
        ModelOrFormatError(bytes, json);
        try
        {
            SafetensorsFile.Deserialize(bytes, "header.safetensors", definition);
        }
        catch (DataFormatException)
        {
        }
    }

    // A model, or null for a DataFormatException with a message; any other exception fails the test.
    private static Model? ModelOrFormatError(byte[] bytes, string what)
    {
        try
        {
            return SafetensorsFile.Deserialize(bytes, "fuzz.safetensors");
        }
        catch (DataFormatException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message), what);
            return null;
        }
    }

    private static float[] Tensor(byte[] bytes, JsonDocument header, string name, long[] shape)
    {
        JsonElement entry = header.RootElement.GetProperty(name);
        Assert.Equal("F32", entry.GetProperty("dtype").GetString());
        Assert.Equal(shape, entry.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
        long start = 8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        long begin = entry.GetProperty("data_offsets")[0].GetInt64(), end = entry.GetProperty("data_offsets")[1].GetInt64();
        var values = new float[(end - begin) / 4];
        for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(start + begin + 4 * i), 4));
        return values;
    }

    internal static int[] Bits(ReadOnlySpan<float> values)
    {
        var bits = new int[values.Length];
        for (int i = 0; i < values.Length; i++) bits[i] = BitConverter.SingleToInt32Bits(values[i]);
        return bits;
    }
}

/// <summary>Hand-made safetensors files for the tests: the 8-byte length, the header as given (padded with spaces to
/// 8 bytes, as the reference writer pads) and the buffer.</summary>
internal static class SafetensorsBytes
{
    public static byte[] File(string header, ReadOnlySpan<byte> buffer, bool pad = true)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        int length = pad ? (json.Length + 7) / 8 * 8 : json.Length;
        var bytes = new byte[8 + length + buffer.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)length);
        json.CopyTo(bytes, 8);
        bytes.AsSpan(8 + json.Length, length - json.Length).Fill((byte)' ');
        buffer.CopyTo(bytes.AsSpan(8 + length));
        return bytes;
    }

    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[4 * values.Length];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }
}
