using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FastBackprop.Cli.Tests.Support;
using FastBackprop.IO;

namespace FastBackprop.Cli.Tests;

/// <summary>`fastbackprop export` and `fastbackprop import`: the safetensors round trip of the digits model gives the
/// same predictions bit for bit, a PyTorch-style state dict imports with the options, and every mistake is one line.</summary>
public sealed class ExportImportTests
{
    private readonly string folder = CliRunner.TempFolder();

    private string Exported()
    {
        string path = Path.Combine(folder, "digits.safetensors");
        CliResult result = CliRunner.Run("export", "--model", TrainedModel.Path, "--format", "safetensors", "--out", path);
        Assert.True(result.ExitCode == 0, result.ToString());
        return path;
    }

    [Fact]
    public void ExportThenImport_DigitsModel_PredictsTheSameBitForBit()
    {
        string imported = Path.Combine(folder, "back.fbp");
        CliResult result = CliRunner.Run("import", "--in", Exported(), "--out", imported);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("network from its own description", result.Output, StringComparison.Ordinal);

        Model original = ModelFile.Load(TrainedModel.Path), back = ModelFile.Load(imported);
        Assert.Equal(original.Network.Definition, back.Network.Definition);
        Assert.True(original.Network.Parameters.SequenceEqual(back.Network.Parameters), "parameters differ");
        Assert.Equal(original.Scaling!.Kind, back.Scaling!.Kind);
        Assert.True(original.Scaling.Offset.SequenceEqual(back.Scaling.Offset) && original.Scaling.Scale.SequenceEqual(back.Scaling.Scale), "input scaling differs");
        Assert.Equal(original.Metadata.OrderBy(e => e.Key), back.Metadata.OrderBy(e => e.Key));

        // fastbackprop predict, all outputs, on raw digits: the same text from both models.
        Data.Dataset digits = Data.EmbeddedData.Digits(scaleToUnit: false);
        string rows = string.Join('\n', Enumerable.Range(0, 40).Select(r => string.Join(',', digits.GetInput(r).ToArray().Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))))) + "\n";
        CliResult a = CliRunner.RunWithInput(rows, "predict", "--model", TrainedModel.Path, "--probabilities");
        CliResult b = CliRunner.RunWithInput(rows, "predict", "--model", imported, "--probabilities");
        Assert.True(a.ExitCode == 0 && b.ExitCode == 0, a + "\n" + b);
        Assert.Equal(a.Output, b.Output);
        var x = new float[64];
        float[] ya = new float[10], yb = new float[10];
        for (int r = 0; r < digits.Count; r++)
        {
            digits.GetInput(r).CopyTo(x);
            original.Predict(x, ya);
            back.Predict(x, yb);
            Assert.True(ya.AsSpan().SequenceEqual(yb), $"row {r}");
        }
    }

    [Fact]
    public void Export_Json_ListsTheSequentialsTensors()
    {
        string path = Path.Combine(folder, "m.safetensors");
        using JsonDocument json = JsonDocument.Parse(CliRunner.Run("export", "--model", TrainedModel.Path, "--format", "safetensors", "--out", path, "--json").Output);
        JsonElement root = json.RootElement;
        Assert.Equal("safetensors", root.GetProperty("format").GetString());
        Assert.Equal(new FileInfo(path).Length, root.GetProperty("bytes").GetInt64());
        // 64-128-10, relu then softmax: Linear 0, ReLU 1, Linear 2, Softmax 3.
        Assert.Equal(["0.weight [128,64]", "0.bias [128]", "2.weight [10,128]", "2.bias [10]"],
            root.GetProperty("tensors").EnumerateArray().Select(t => $"{t.GetProperty("name").GetString()} [{string.Join(',', t.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()))}]"));
    }

    [Fact]
    public void Import_PyTorchStateDict_NeedsAndUsesTheOptions()
    {
        var network = new Network(3, Loss.HalfSquaredError, new Dense(4, TransferFunction.Tanh), new Dense(2, TransferFunction.Identity));
        network.InitializeWeights(5);
        string torch = Path.Combine(folder, "torch.safetensors"), model = Path.Combine(folder, "torch.fbp");
        File.WriteAllBytes(torch, WithoutMetadata(SafetensorsFile.Serialize(new Model(network, scaling: null))));

        UserErrorAssert.OneLine(CliRunner.Run("import", "--in", torch, "--out", model), "__metadata__ has no 'fastbackprop.network'");
        UserErrorAssert.OneLine(CliRunner.Run("import", "--in", torch, "--out", model, "--output-activation", "identity"), "give their transfer function with --activation");
        UserErrorAssert.OneLine(CliRunner.Run("import", "--in", torch, "--out", model, "--activation", "tanh"), "--output-activation");
        UserErrorAssert.OneLine(CliRunner.Run("import", "--in", torch, "--out", model, "--activation", "tanh", "--output-activation", "identity", "--dropout", "0.1"), "no tensor '3.weight'");
        Assert.False(File.Exists(model));

        CliResult result = CliRunner.Run("import", "--in", torch, "--out", model, "--activation", "tanh", "--output-activation", "identity", "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        using (JsonDocument json = JsonDocument.Parse(result.Output))
        {
            Assert.Equal("options", json.RootElement.GetProperty("definedBy").GetString());
            Assert.Equal("3-4-2", json.RootElement.GetProperty("shape").GetString());
        }
        Model loaded = ModelFile.Load(model);
        Assert.Equal(network.Definition, loaded.Network.Definition);
        Assert.True(network.Parameters.SequenceEqual(loaded.Network.Parameters), "parameters differ");
    }

    [Fact]
    public void Export_Onnx_WritesTheLibrarysExportOfTheModel()
    {
        string path = Path.Combine(folder, "m.onnx");
        CliResult result = CliRunner.Run("export", "--model", TrainedModel.Path, "--format", "onnx", "--out", path);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"as ONNX (opset {Onnx.OnnxExport.Opset}", result.Output, StringComparison.Ordinal);
        using var expected = new MemoryStream();
        Onnx.OnnxExport.Write(ModelFile.Load(TrainedModel.Path), expected);
        Assert.Equal(expected.ToArray(), File.ReadAllBytes(path));

        JsonNode json = JsonNode.Parse(CliRunner.Run("export", "--model", TrainedModel.Path, "--format", "onnx", "--out", path, "--json").Output)!;
        Assert.Equal(Onnx.OnnxExport.Opset, (int)json["opset"]!);
        Assert.Equal(new FileInfo(path).Length, (long)json["bytes"]!);
    }

    private sealed class Cube : ElementwiseTransferFunction
    {
        public override string Name => "cube-cli-export";
        public override double Function(double x) => x * x * x;
        public override double Derivative(double x) => 3 * x * x;
    }

    [Fact]
    public void Export_Onnx_OfARegisteredFunction_IsAOneLineErrorNamingTheLayer()
    {
        TransferFunction.Register(new Cube());
        var network = new Network(2, Loss.HalfSquaredError, new Dense(3, TransferFunction.Tanh), new Dense(1, TransferFunction.FromName("cube-cli-export")));
        network.InitializeWeights(seed: 1);
        string model = Path.Combine(folder, "cube.fbp"), onnx = Path.Combine(folder, "cube.onnx");
        ModelFile.Save(model, new Model(network, scaling: null));
        UserErrorAssert.OneLine(CliRunner.Run("export", "--model", model, "--format", "onnx", "--out", onnx), "--format onnx: ");
        UserErrorAssert.OneLine(CliRunner.Run("export", "--model", model, "--format", "onnx", "--out", onnx), "layer 1 (dense(1, cube-cli-export))");
        Assert.False(File.Exists(onnx));
    }

    [Fact]
    public void ExportAndImport_Mistakes_AreOneLineErrors()
    {
        string model = TrainedModel.Path;
        UserErrorAssert.OneLine(CliRunner.Run("export", "--model", model, "--format", "pt", "--out", Path.Combine(folder, "x")), "--format 'pt': expected safetensors or onnx");
        UserErrorAssert.OneLine(CliRunner.Run("export", "--model", Path.Combine(folder, "absent.fbp"), "--format", "safetensors", "--out", Path.Combine(folder, "x")), "no such model file");
        UserErrorAssert.OneLine(CliRunner.Run("export", "--model", model, "--format", "safetensors", "--out", folder), "is a folder");
        UserErrorAssert.OneLine(CliRunner.Run("export", "--model", model, "--format", "safetensors", "--out", model), "--model and --out both name");
        UserErrorAssert.OneLine(CliRunner.Run("export", "--model", model, "--format", "safetensors"), "--out");

        string junk = Path.Combine(folder, "junk.safetensors");
        File.WriteAllBytes(junk, Encoding.ASCII.GetBytes("not a safetensors file at all"));
        UserErrorAssert.OneLine(CliRunner.Run("import", "--in", junk, "--out", Path.Combine(folder, "j.fbp")), "junk.safetensors, byte 0: header length");
        UserErrorAssert.OneLine(CliRunner.Run("import", "--in", Path.Combine(folder, "absent.safetensors"), "--out", Path.Combine(folder, "j.fbp")), "no such safetensors file (--in)");
        UserErrorAssert.OneLine(CliRunner.Run("import", "--in", junk, "--out", Path.Combine(folder, "no", "j.fbp")), "does not exist (--out)");
        UserErrorAssert.OneLine(CliRunner.Run("import", "--in", junk, "--out", junk), "--in and --out both name");
        UserErrorAssert.OneLine(CliRunner.Run("import", "--in", Exported(), "--out", Path.Combine(folder, "j.fbp"), "--activation", "relu", "--output-activation", "zap"), "--output-activation 'zap'");
        Assert.False(File.Exists(Path.Combine(folder, "j.fbp")));
    }

    [Theory]
    [InlineData("export")]
    [InlineData("import")]
    public void Help_ShowsExamples(string command)
    {
        CliResult result = CliRunner.Run(command, "--help");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("fastbackprop " + command, result.Output, StringComparison.Ordinal);
    }

    // The same file without __metadata__, as safetensors.torch.save_file(model.state_dict()) would write it.
    private static byte[] WithoutMetadata(byte[] bytes)
    {
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        JsonObject header = JsonNode.Parse(bytes.AsSpan(8, length))!.AsObject();
        header.Remove("__metadata__");
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        var file = new byte[8 + padded + bytes.Length - 8 - length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)padded);
        json.CopyTo(file, 8);
        file.AsSpan(8 + json.Length, padded - json.Length).Fill((byte)' ');
        bytes.AsSpan(8 + length).CopyTo(file.AsSpan(8 + padded));
        return file;
    }
}
