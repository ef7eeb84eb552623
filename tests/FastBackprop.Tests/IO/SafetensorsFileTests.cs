using System.Buffers.Binary;
using System.Text;
using FastBackprop.Data;
using FastBackprop.IO;
using Xunit;

namespace FastBackprop.Tests.IO;

/// <summary>The safetensors reader's checks, one by one (each names the file, the byte or field and the problem), the
/// reverse import of files PyTorch writes, and saving.</summary>
public sealed class SafetensorsFileTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("fastbackprop-safetensors-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    // nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)): 0.weight [3, 2], 0.bias [3], 2.weight [1, 3], 2.bias [1].
    private static readonly NetworkDefinition TanhDefinition =
        new(2, Loss.HalfSquaredError, new Dense(3, TransferFunction.Tanh), new Dense(1, TransferFunction.Identity));

    private static readonly float[] TanhParameters = [0.5f, -1f, 0.25f, 2f, -0.75f, 1.5f, 0.125f, -0.25f, 0.375f, 1f, -1f, 0.5f, 0.0625f];

    // The state dict of TanhDefinition in dtype F32, in the reference writer's order (by name).
    private static byte[] StateDict(string dtype = "F32", int size = 4, Func<float[], byte[]>? encode = null, string? extra = null)
    {
        encode ??= v => SafetensorsBytes.Floats(v);
        float[] p = TanhParameters;
        float[] b0 = p[6..9], w0 = p[..6], b2 = p[12..], w2 = p[9..12];
        int o1 = 3 * size, o2 = o1 + 6 * size, o3 = o2 + size, o4 = o3 + 3 * size;
        string header = "{\"__metadata__\":{\"format\":\"pt\"}," +
            $"\"0.bias\":{{\"dtype\":\"{dtype}\",\"shape\":[3],\"data_offsets\":[0,{o1}]}}," +
            $"\"0.weight\":{{\"dtype\":\"{dtype}\",\"shape\":[3,2],\"data_offsets\":[{o1},{o2}]}}," +
            $"\"2.bias\":{{\"dtype\":\"{dtype}\",\"shape\":[1],\"data_offsets\":[{o2},{o3}]}}," +
            $"\"2.weight\":{{\"dtype\":\"{dtype}\",\"shape\":[1,3],\"data_offsets\":[{o3},{o4}]}}{extra}}}";
        return SafetensorsBytes.File(header, [.. encode(b0), .. encode(w0), .. encode(b2), .. encode(w2)]);
    }

    private static DataFormatException Refused(byte[] bytes, NetworkDefinition? definition = null) =>
        Assert.Throws<DataFormatException>(() => SafetensorsFile.Deserialize(bytes, "bad.safetensors", definition));

    [Fact]
    public void Safetensors_PyTorchStateDict_LoadsWithADefinition()
    {
        Model model = SafetensorsFile.Deserialize(StateDict(), "torch.safetensors", TanhDefinition);
        Assert.Equal(TanhParameters, model.Network.Parameters.ToArray());
        Assert.Null(model.Scaling);
        Assert.Empty(model.Metadata);
    }

    [Theory]
    [InlineData("F64")]
    [InlineData("F16")]
    [InlineData("BF16")]
    public void Safetensors_OtherFloatTypes_AreConvertedExactlyOrToNearest(string dtype)
    {
        // Every test value is exact in F16 and BF16, so each conversion must give the float32 itself.
        Func<float[], byte[]> encode = dtype switch
        {
            "F64" => v => [.. v.SelectMany(x => BitConverter.GetBytes((double)x))],
            "F16" => v => [.. v.SelectMany(x => BitConverter.GetBytes(BitConverter.HalfToUInt16Bits((Half)x)))],
            _ => v => [.. v.SelectMany(x => BitConverter.GetBytes((ushort)(BitConverter.SingleToUInt32Bits(x) >> 16)))],
        };
        Model model = SafetensorsFile.Deserialize(StateDict(dtype, dtype == "F64" ? 8 : 2, encode), "typed.safetensors", TanhDefinition);
        Assert.Equal(TanhParameters, model.Network.Parameters.ToArray());
    }

    [Fact]
    public void Safetensors_PyTorchStateDict_WithoutDefinition_SaysWhatToGive()
    {
        DataFormatException e = Refused(StateDict());
        Assert.Contains("fastbackprop.network", e.Message);
        Assert.Contains("NetworkDefinition", e.Message);
    }

    [Fact]
    public void Safetensors_ReadLayerWidths_GivesTheLinearChain()
    {
        string path = Path.Combine(folder, "torch.safetensors");
        File.WriteAllBytes(path, StateDict());
        Assert.Equal([2, 3, 1], SafetensorsFile.ReadLayerWidths(path));
    }

    [Fact]
    public void Safetensors_DefinitionThatNumbersOtherwise_NamesTheMissingTensor()
    {
        // A dropout after the tanh moves the second Linear to index 3; the file has it at 2.
        var withDropout = new NetworkDefinition(2, Loss.HalfSquaredError, new Dense(3, TransferFunction.Tanh), new Dropout(0.1f), new Dense(1, TransferFunction.Identity));
        DataFormatException e = Refused(StateDict(), withDropout);
        Assert.Contains("no tensor '3.weight'", e.Message);
        Assert.Contains("0.bias, 0.weight, 2.bias, 2.weight", e.Message);
    }

    [Fact]
    public void Safetensors_WrongShape_NamesTensorAndLayer()
    {
        var wider = new NetworkDefinition(2, Loss.HalfSquaredError, new Dense(4, TransferFunction.Tanh), new Dense(1, TransferFunction.Identity));
        DataFormatException e = Refused(StateDict(), wider);
        Assert.Contains("tensor '0.weight' has shape [3, 2]", e.Message);
        Assert.Contains("needs [4, 2]", e.Message);
    }

    [Fact]
    public void Safetensors_ExtraTensor_IsRefused()
    {
        byte[] bytes = StateDict(extra: ",\"9.weight\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[52,52]}");
        DataFormatException e = Refused(bytes, TanhDefinition);
        Assert.Contains("tensor '9.weight' [0] belongs to no layer", e.Message);
    }

    [Fact]
    public void Safetensors_IntegerDtype_IsRefusedByName()
    {
        DataFormatException e = Refused(StateDict("I32"), TanhDefinition);
        Assert.Contains("dtype I32", e.Message);
        Assert.Contains("F32, F16, BF16 and F64", e.Message);
    }

    [Fact]
    public void Safetensors_NonFiniteParameter_NamesTensorElementAndByte()
    {
        byte[] bytes = StateDict();
        long buffer = 8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan((int)buffer + 4), float.NaN);   // 0.bias[1]
        DataFormatException e = Refused(bytes, TanhDefinition);
        Assert.Equal(buffer + 4, e.ByteOffset);
        Assert.Contains("tensor '0.bias' element 1 is NaN", e.Message);
    }

    [Theory]
    [InlineData(100_000_001UL, "expected 2 to 100000000")]
    [InlineData(1UL, "expected 2 to 100000000")]
    [InlineData(ulong.MaxValue, "expected 2 to 100000000")]
    [InlineData(1000UL, "only 16 bytes follow")]
    public void Safetensors_HeaderLength_IsBounded(ulong length, string message)
    {
        var bytes = new byte[24];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, length);
        bytes[8] = (byte)'{';
        DataFormatException e = Refused(bytes);
        Assert.Equal(0, e.ByteOffset);
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData("[]", 8, "expected '{'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},\"a\":{}}", 61, "'a' appears twice")]
    [InlineData("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 33, "key 'k' appears twice")]
    [InlineData("{\"__metadata__\":{\"k\":1}}", 29, "only string values")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[]}}", 9, "has no data_offsets")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4],\"x\":1}}", 60, "the field 'x'")]
    [InlineData("{\"a\":{\"dtype\":\"Q7\",\"shape\":[],\"data_offsets\":[0,4]}}", 9, "dtype 'Q7'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 37, "whole numbers of at least 0")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 37, "whole numbers of at least 0")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 9, "8 bytes), but data_offsets [0, 4] hold 4 bytes")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,4]}}", 9, "more than a file holds")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[4,0]}}", 9, "not a range within the 4-byte buffer")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4,8]}}", 9, "has 3 numbers")]
    [InlineData("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]}}", 9, "a gap: no tensor holds bytes 0 to 2")]
    [InlineData("{\"a\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,3]},\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]}}", 61, "overlaps")]
    [InlineData("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 8 + 56 + 2, "bytes no tensor describes")]
    [InlineData("{} x", 11, "not valid JSON")]
    [InlineData("{\"a\":", 9, "not valid JSON")]
    public void Safetensors_MalformedHeader_IsRefusedAtTheField(string header, long offset, string message)
    {
        DataFormatException e = Refused(SafetensorsBytes.File(header, new byte[4]));
        Assert.Contains(message, e.Message);
        Assert.Contains("bad.safetensors", e.Message);
        Assert.Equal(offset, e.ByteOffset);
    }

    [Fact]
    public void Safetensors_InvalidUtf8_IsRefusedAtTheByte()
    {
        byte[] bytes = SafetensorsBytes.File("{\"__metadata__\":{\"k\":\"v\"}}", []);
        bytes[8 + 22] = 0xFF;   // the v
        DataFormatException e = Refused(bytes);
        Assert.Equal(30, e.ByteOffset);
        Assert.Contains("UTF-8", e.Message);
    }

    [Fact]
    public void Safetensors_HeaderClaimingHugeTensors_IsRefusedWithoutAllocating()
    {
        // A valid layout whose network description claims a 30000 x 30000 layer: refused from the tensors' shapes
        // (the file's own size), before the 3.6 GB of parameters would be allocated.
        string network = "{\\\"version\\\":1,\\\"input_width\\\":30000,\\\"loss\\\":\\\"hse\\\",\\\"layers\\\":[{\\\"kind\\\":\\\"dense\\\",\\\"width\\\":30000,\\\"transfer\\\":\\\"identity\\\"}]}";
        byte[] bytes = SafetensorsBytes.File("{\"__metadata__\":{\"fastbackprop.network\":\"" + network + "\"},\"0.weight\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[0,4]}}", new byte[4]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        DataFormatException e = Refused(bytes);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "the reader allocated more than 1 MiB for a small file");
        Assert.Contains("tensor '0.weight' has shape [1, 1]; layer 0 (dense(30000, identity))", e.Message);
    }

    [Theory]
    [InlineData("{\\\"version\\\":2}", "version 2")]
    [InlineData("{\\\"version\\\":1,\\\"input_width\\\":2,\\\"loss\\\":\\\"nope\\\",\\\"layers\\\":[]}", "unknown loss 'nope'")]
    [InlineData("{\\\"version\\\":1,\\\"input_width\\\":2,\\\"loss\\\":\\\"hse\\\",\\\"layers\\\":[{\\\"kind\\\":\\\"dense\\\",\\\"width\\\":1,\\\"transfer\\\":\\\"zap\\\"}]}", "unknown transfer function 'zap'")]
    [InlineData("{\\\"version\\\":1,\\\"input_width\\\":2,\\\"loss\\\":\\\"hse\\\",\\\"layers\\\":[{\\\"kind\\\":\\\"conv\\\"}]}", "kind 'conv'")]
    [InlineData("{\\\"version\\\":1,\\\"input_width\\\":2,\\\"loss\\\":\\\"hse\\\",\\\"layers\\\":[],\\\"more\\\":1}", "unexpected field 'more'")]
    [InlineData("{\\\"version\\\":1,\\\"version\\\":1}", "metadata 'fastbackprop.network'")]
    [InlineData("[1]", "expected a JSON object")]
    public void Safetensors_BadNetworkDescription_NamesTheKey(string description, string message)
    {
        byte[] bytes = SafetensorsBytes.File("{\"__metadata__\":{\"fastbackprop.network\":\"" + description + "\"}}", []);
        DataFormatException e = Refused(bytes);
        Assert.Contains("metadata 'fastbackprop.network'", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Safetensors_PythonSource_NamesEveryModuleAtItsIndex()
    {
        var network = new Network(4, Loss.CrossEntropy, new Dense(5, TransferFunction.LeakyRelu(0.2f)), new Dropout(0.25f), new Dense(3, TransferFunction.Gaussian),
            new Dense(2, TransferFunction.GeluTanh), new Dense(3, TransferFunction.Softmax));
        network.InitializeWeights(3);
        Model loaded = SafetensorsFile.Deserialize(SafetensorsFile.Serialize(new Model(network, scaling: null)), "m.safetensors");
        Assert.Equal(network.Definition, loaded.Network.Definition);
        byte[] bytes = SafetensorsFile.Serialize(loaded);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        string source = System.Text.Json.JsonDocument.Parse(header).RootElement.GetProperty("__metadata__").GetProperty("pytorch").GetString()!;
        Assert.Contains("nn.Linear(4, 5),  # 0\n    nn.LeakyReLU(negative_slope=0.2),  # 1\n    nn.Dropout(p=0.25),  # 2\n    nn.Linear(5, 3),  # 3\n" +
            "    Gaussian(),  # 4\n    nn.Linear(3, 2),  # 5\n    nn.GELU(approximate='tanh'),  # 6\n    nn.Linear(2, 3),  # 7\n    nn.Softmax(dim=-1),  # 8\n", source);
        Assert.Contains("class Gaussian(nn.Module)", source);
        Assert.Contains("\"7.weight\":{\"dtype\":\"F32\",\"shape\":[3,2]", header);
    }

    [Fact]
    public void Safetensors_Save_IsAtomicAndRefusesWhatCannotBeStored()
    {
        string path = Path.Combine(folder, "m.safetensors");
        var good = new Network(2, Loss.HalfSquaredError, new Dense(1, TransferFunction.Logistic));
        good.InitializeWeights(7);
        SafetensorsFile.Save(path, new Model(good, scaling: null));
        byte[] before = File.ReadAllBytes(path);
        Assert.Equal(good.Parameters.ToArray(), SafetensorsFile.Load(path).Network.Parameters.ToArray());

        var diverged = new Network(2, Loss.HalfSquaredError, new Dense(1, TransferFunction.Logistic));
        diverged.Parameters[0] = float.NaN;
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => SafetensorsFile.Save(path, new Model(diverged, scaling: null))).Message);
        var custom = new Network(2, Loss.HalfSquaredError, new Dense(1, new Arctangent()));
        Assert.Contains("my-arctan", Assert.Throws<ArgumentException>(() => SafetensorsFile.Save(path, new Model(custom, scaling: null))).Message);

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(folder));
        Assert.Throws<FileNotFoundException>(() => SafetensorsFile.Load(Path.Combine(folder, "absent.safetensors")));
    }

    [Fact]
    public void Safetensors_StreamRoundTrip_MatchesTheFile()
    {
        var network = new Network(3, Loss.HalfSquaredError, new Dense(2, TransferFunction.Elu(0.5f)), new Dense(1, TransferFunction.Identity));
        network.InitializeWeights(11);
        var model = new Model(network, scaling: null);
        using var stream = new MemoryStream();
        SafetensorsFile.Write(stream, model);
        Assert.Equal(SafetensorsFile.Serialize(model), stream.ToArray());
        stream.Position = 0;
        Assert.Equal(network.Parameters.ToArray(), SafetensorsFile.Read(stream, "stream").Network.Parameters.ToArray());
    }

    [Fact]
    public void Safetensors_RegisteredFunction_RoundTripsAndGetsAPythonStub()
    {
        var function = new Arctangent("safetensors-test-arctan");
        TransferFunction.Register(function);
        var network = new Network(2, Loss.HalfSquaredError, new Dense(3, function), new Dense(1, TransferFunction.Identity));
        network.InitializeWeights(4);
        byte[] bytes = SafetensorsFile.Serialize(new Model(network, scaling: null));
        Model loaded = SafetensorsFile.Deserialize(bytes, "custom.safetensors");
        Assert.Same(function, ((Dense)loaded.Network.Definition.Layers[0]).Transfer);
        Assert.Equal(network.Parameters.ToArray(), loaded.Network.Parameters.ToArray());
        string header = Encoding.UTF8.GetString(bytes, 8, (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        // The function takes index 1 (so the output Linear is 2) and a module that says what to write.
        Assert.Contains("Custom('safetensors-test-arctan'),  # 1", header);
        Assert.Contains("raise NotImplementedError", header);
        Assert.Contains("\"2.weight\"", header);
    }

    // A user-defined function that is never registered: it cannot be stored.
    private sealed class Arctangent(string name = "my-arctan") : ElementwiseTransferFunction
    {
        public override string Name => name;
        public override double Function(double x) => Math.Atan(x);
        public override double Derivative(double x) => 1 / (1 + x * x);
    }
}
