using System.Runtime.InteropServices;
using FastBackprop.Data;
using FastBackprop.IO;
using FastBackprop.Onnx;
using FastBackprop.Onnx.Schema;
using Google.Protobuf;
using Xunit;

namespace FastBackprop.Tests.Onnx;

/// <summary>The exported file's structure, read back with the exporter's own protobuf classes, and its errors.</summary>
public sealed class OnnxExportTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("fastbackprop-onnx-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private sealed class Cube : ElementwiseTransferFunction
    {
        public override string Name => "cube";
        public override double Function(double x) => x * x * x;
        public override double Derivative(double x) => 3 * x * x;
    }

    // A user-defined function that borrows a built-in's name: still not the built-in.
    private sealed class FakeRelu : ElementwiseTransferFunction
    {
        public override string Name => "relu";
        public override double Function(double x) => x > 0 ? 2 * x : 0;
        public override double Derivative(double x) => x > 0 ? 2 : 0;
    }

    // 3 inputs (standardised) -> dropout -> dense(4, tanh) -> dense(2, identity) -> target scaling.
    private static Model ScaledModel()
    {
        var network = new Network(3, Loss.HalfSquaredError, new Dropout(0.2f), new Dense(4, TransferFunction.Tanh), new Dense(2, TransferFunction.Identity));
        network.InitializeWeights(seed: 5);
        for (int i = 0; i < network.Parameters.Length; i++) network.Parameters[i] += i / 64f;
        var scaling = new InputScaling(InputScalingKind.Standardization, [1f, -2f, 3.5f], [0.5f, 2f, 0.25f]);
        var metadata = new Dictionary<string, string> { ["task"] = "regression", ["data"] = "x.csv", ["history"] = "ünïcode" };
        return new Model(network, scaling, metadata) { TargetScaling = new TargetScaling([10f, -3f], [2f, 0.5f]) };
    }

    private static ModelProto ReadBack(Model model) => ModelProto.Parser.ParseFrom(OnnxRuntimeRunner.Export(model));

    [Fact]
    public void Export_FileStructure_IsPinned()
    {
        Model model = ScaledModel();
        ModelProto onnx = ReadBack(model);

        Assert.Equal(8, onnx.IrVersion);
        OperatorSetIdProto opset = Assert.Single(onnx.OpsetImport);
        Assert.Equal("", opset.Domain);
        Assert.Equal(17, opset.Version);
        Assert.Equal(17, OnnxExport.Opset);
        Assert.Equal("FastBackprop", onnx.ProducerName);
        Assert.Equal(typeof(Network).Assembly.GetName().Version!.ToString(3), onnx.ProducerVersion);
        Assert.Contains("3-4-2 (dropout(0.2), tanh, identity; HalfSquaredError)", onnx.DocString);
        Assert.Equal(["data", "history", "task"], onnx.MetadataProps.Select(e => e.Key));
        Assert.Equal("ünïcode", onnx.MetadataProps[1].Value);

        GraphProto graph = onnx.Graph;
        AssertMatrix(Assert.Single(graph.Input), "input", 3);
        AssertMatrix(Assert.Single(graph.Output), "output", 2);
        Assert.Equal(["Sub", "Mul", "Gemm", "Tanh", "Gemm", "Mul", "Add"], graph.Node.Select(n => n.OpType));
        Assert.Equal("input", graph.Node[0].Input[0]);
        Assert.Equal("output", graph.Node[^1].Output[0]);
        for (int i = 1; i < graph.Node.Count; i++) Assert.Equal(graph.Node[i - 1].Output[0], graph.Node[i].Input[0]);
        foreach (NodeProto gemm in graph.Node.Where(n => n.OpType == "Gemm"))
        {
            AttributeProto transB = Assert.Single(gemm.Attribute);
            Assert.Equal(("transB", AttributeProto.Types.AttributeType.Int, 1L), (transB.Name, transB.Type, transB.I));
        }

        Assert.Equal(["input_offset", "input_scale", "layer1_weight", "layer1_bias", "layer2_weight", "layer2_bias", "target_std", "target_mean"],
            graph.Initializer.Select(t => t.Name));
        Assert.Equal(["input_offset", "input_scale"], graph.Node[0].Input.Skip(1).Concat(graph.Node[1].Input.Skip(1)));
        AssertTensor(graph.Initializer[0], model.Scaling!.Offset, 3);
        AssertTensor(graph.Initializer[1], model.Scaling.Scale, 3);
        AssertTensor(graph.Initializer[2], model.Network.GetWeights(1), 4, 3);
        AssertTensor(graph.Initializer[3], model.Network.GetBiases(1), 4);
        AssertTensor(graph.Initializer[4], model.Network.GetWeights(2), 2, 4);
        AssertTensor(graph.Initializer[5], model.Network.GetBiases(2), 2);
        AssertTensor(graph.Initializer[6], model.TargetScaling!.StandardDeviation, 2);
        AssertTensor(graph.Initializer[7], model.TargetScaling.Mean, 2);
        // Every name is a C identifier (the ONNX IR's rule), except the graph's "input" and "output", which are too.
        foreach (string name in graph.Node.SelectMany(n => n.Input.Concat(n.Output).Append(n.Name)))
        {
            Assert.Matches("^[A-Za-z_][A-Za-z0-9_]*$", name);
        }
    }

    private static void AssertMatrix(ValueInfoProto value, string name, int width)
    {
        Assert.Equal(name, value.Name);
        Assert.Equal((int)TensorProto.Types.DataType.Float, value.Type.TensorType.ElemType);
        Assert.Equal(2, value.Type.TensorType.Shape.Dim.Count);
        Assert.Equal("batch", value.Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(width, value.Type.TensorType.Shape.Dim[1].DimValue);
    }

    // Float, the given dims, raw little-endian bytes equal to the model's floats bit for bit.
    private static void AssertTensor(TensorProto tensor, ReadOnlySpan<float> values, params long[] dims)
    {
        Assert.Equal((int)TensorProto.Types.DataType.Float, tensor.DataType);
        Assert.Equal(dims, tensor.Dims);
        Assert.Equal(MemoryMarshal.AsBytes(values).ToArray(), tensor.RawData.ToByteArray());
    }

    public static TheoryData<string, string[]> Mappings => new()
    {
        { "logistic", ["Sigmoid"] },
        { "tanh", ["Tanh"] },
        { "relu", ["Relu"] },
        { "leaky-relu(0.25)", ["LeakyRelu"] },
        { "identity", [] },
        { "elu(1.5)", ["Elu"] },
        { "selu", ["Selu"] },
        { "softplus", ["Softplus", "Greater", "Where"] },
        { "softsign", ["Softsign"] },
        { "elliott", ["Softsign"] },
        { "hard-tanh", ["Clip"] },
        { "silu", ["Sigmoid", "Mul"] },
        { "gaussian", ["Mul", "Neg", "Exp"] },
        { "sin", ["Sin"] },
        { "exp", ["Exp"] },
        { "gelu", ["Mul", "Erf", "Add", "Mul", "Mul"] },
        { "gelu-tanh", ["Mul", "Mul", "Add", "Mul", "Mul", "Tanh", "Add", "Mul", "Mul"] },
        { "softmax", ["Softmax"] },
    };

    [Theory]
    [MemberData(nameof(Mappings))]
    public void Export_TransferFunction_WritesItsOperators(string function, string[] operators)
    {
        var network = new Network(2, Loss.HalfSquaredError, new Dense(3, TransferFunction.FromName(function)));
        ModelProto onnx = ReadBack(new Model(network, scaling: null));
        Assert.Equal(["Gemm", .. operators], onnx.Graph.Node.Select(n => n.OpType));
        NodeProto? withAttributes = onnx.Graph.Node.Skip(1).FirstOrDefault(n => n.Attribute.Count > 0);
        Dictionary<string, float> attributes = withAttributes?.Attribute.ToDictionary(a => a.Name, a => a.Type == AttributeProto.Types.AttributeType.Int ? a.I : a.F) ?? [];
        Dictionary<string, float> expected = function switch
        {
            "leaky-relu(0.25)" => new() { ["alpha"] = 0.25f },
            "elu(1.5)" => new() { ["alpha"] = 1.5f },
            "selu" => new() { ["alpha"] = 1.6732632423543772848f, ["gamma"] = 1.0507009873554804934f },
            "softmax" => new() { ["axis"] = 1 },
            _ => [],
        };
        Assert.Equal(expected, attributes);
    }

    [Fact]
    public void Export_CustomTransferFunction_IsRefusedNamingTheLayer()
    {
        var network = new Network(2, Loss.HalfSquaredError, new Dense(3, TransferFunction.Tanh), new Dropout(0.5f), new Dense(2, new Cube()));
        using var stream = new MemoryStream();
        var e = Assert.Throws<NotSupportedException>(() => OnnxExport.Write(new Model(network, scaling: null), stream));
        Assert.Contains("layer 2 (dense(2, cube))", e.Message);
        Assert.Contains("'cube'", e.Message);
        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public void Export_CustomFunctionWithABuiltInName_IsRefused()
    {
        var network = new Network(2, Loss.HalfSquaredError, new Dense(3, new FakeRelu()), new Dense(1, TransferFunction.Identity));
        var e = Assert.Throws<NotSupportedException>(() => OnnxRuntimeRunner.Export(new Model(network, scaling: null)));
        Assert.Contains("layer 0 (dense(3, relu))", e.Message);
    }

    [Fact]
    public void Save_CustomTransferFunction_LeavesTheOldFileAsItWas()
    {
        string path = Path.Combine(folder, "m.onnx");
        File.WriteAllText(path, "old");
        var network = new Network(2, Loss.HalfSquaredError, new Dense(1, new Cube()));
        Assert.Throws<NotSupportedException>(() => OnnxExport.Save(new Model(network, scaling: null), path));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(folder));
    }

    [Fact]
    public void Export_NonFiniteParameter_IsRefusedNamingTheLayer()
    {
        var network = new Network(2, Loss.HalfSquaredError, new Dense(3, TransferFunction.Tanh), new Dense(1, TransferFunction.Identity));
        network.GetBiases(1)[0] = float.NaN;
        var e = Assert.Throws<ArgumentException>(() => OnnxRuntimeRunner.Export(new Model(network, scaling: null)));
        Assert.Contains("layer 1 (dense(1, identity)) bias [0] is NaN", e.Message);
    }

    [Fact]
    public void Save_WritesTheBytesOfWrite_AndIsDeterministic()
    {
        Model model = ScaledModel();
        string path = Path.Combine(folder, "m.onnx");
        OnnxExport.Save(model, path);
        OnnxExport.Save(model, path);   // over an existing file
        Assert.Equal(OnnxRuntimeRunner.Export(model), File.ReadAllBytes(path));
        Assert.Equal(OnnxRuntimeRunner.Export(model), OnnxRuntimeRunner.Export(model));
        Assert.Single(Directory.GetFiles(folder));   // no temporary file left behind
    }

    [Fact]
    public void Save_IntoAMissingFolder_NamesThePath()
    {
        string path = Path.Combine(folder, "no-such-folder", "m.onnx");
        var e = Assert.ThrowsAny<IOException>(() => OnnxExport.Save(ScaledModel(), path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Export_NullArguments_Throw()
    {
        Assert.Throws<ArgumentNullException>(() => OnnxExport.Write(null!, Stream.Null));
        Assert.Throws<ArgumentNullException>(() => OnnxExport.Write(ScaledModel(), null!));
        Assert.Throws<ArgumentNullException>(() => OnnxExport.Save(null!, "m.onnx"));
        Assert.Throws<ArgumentException>(() => OnnxExport.Save(ScaledModel(), ""));
    }

    [Fact]
    public void Comparison_CatchesABiasOffBy1e4()
    {
        // The ONNX Runtime comparison can fail: the same model with one output bias moved by 1e-4 (a thousand
        // times the rounding differences) is outside the derived bound.
        Model model = ScaledModel();
        ModelProto onnx = ReadBack(model);
        TensorProto bias = onnx.Graph.Initializer.Single(t => t.Name == "layer2_bias");
        float[] moved = MemoryMarshal.Cast<byte, float>(bias.RawData.ToByteArray()).ToArray();
        moved[1] += 1e-4f;
        bias.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(moved.AsSpan()));
        float[] rows = [1f, -2f, 3.5f, 4f, 0f, -1f];
        float[] expected = OnnxRuntimeRunner.Predict(model, rows);
        float[] actual = OnnxRuntimeRunner.Run(onnx.ToByteArray(), rows, 3);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => OnnxRuntimeProperties.AssertWithinBound(model, rows, expected, actual, "moved bias"));
        actual = OnnxRuntimeRunner.Run(OnnxRuntimeRunner.Export(model), rows, 3);
        OnnxRuntimeProperties.AssertWithinBound(model, rows, expected, actual, "unchanged");
    }
}
