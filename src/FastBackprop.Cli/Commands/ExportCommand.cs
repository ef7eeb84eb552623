using System.CommandLine;
using System.Text.Json.Nodes;
using FastBackprop.IO;
using FastBackprop.Onnx;

namespace FastBackprop.Cli.Commands;

/// <summary>`fastbackprop export`: a model file in a format other tools read: safetensors (PyTorch's nn.Sequential
/// state dict plus FastBackprop's description; see SafetensorsFile) or ONNX.</summary>
internal static class ExportCommand
{
    private const string OutOption = "--out", Safetensors = "safetensors", Onnx = "onnx";

    public static string[] Examples { get; } =
    [
        "fastbackprop export --model model.fbp --format safetensors --out model.safetensors   # PyTorch: load_state_dict",
        "fastbackprop export --model model.fbp --format onnx --out model.onnx",
    ];

    public static Command Build(CliContext context)
    {
        var model = new Option<string>("--model", "-m") { Description = "The model file to export.", Required = true, HelpName = "path" };
        var format = new Option<string>("--format", "-f") { Description = $"{Safetensors} (the parameters as PyTorch's nn.Sequential names them, and the network in __metadata__) or {Onnx}.", Required = true, HelpName = "name" };
        format.Check(value => value is Safetensors or Onnx ? null : $"--format '{value}': expected {Safetensors} or {Onnx}.");
        var output = new Option<string>(OutOption, "-o") { Description = "The file to write (replaced atomically).", Required = true, HelpName = "path" };
        var command = new Command("export", "Write a model as safetensors (for PyTorch) or ONNX.") { model, format, output };
        command.SetAction(parse => Execute(context, parse.GetValue(model)!, parse.GetValue(format)!, parse.GetValue(output)!));
        return command;
    }

    private static int Execute(CliContext context, string modelPath, string format, string outPath)
    {
        OutputFiles.CheckDistinct((modelPath, "--model"), (outPath, OutOption));
        OutputFiles.CheckWritable(outPath, OutOption);
        Model model = ModelFiles.Load(modelPath);
        OutputFiles.Write(outPath, OutOption, format == Onnx ? OnnxBytes(model) : SafetensorsFile.Serialize(model));
        if (format == Onnx) ReportOnnx(context, modelPath, outPath, model.Network.Definition);
        else Report(context, modelPath, format, outPath, model.Network.Definition);
        return ExitCodes.Success;
    }

    // The exporter refuses, naming the layer, what ONNX cannot express (a registered transfer function) and
    // non-finite parameters: both are facts about the user's model, not bugs.
    private static byte[] OnnxBytes(Model model)
    {
        try
        {
            using var bytes = new MemoryStream();
            OnnxExport.Write(model, bytes);
            return bytes.ToArray();
        }
        catch (Exception e) when (e is NotSupportedException or ArgumentException)
        {
            throw new UserException($"--format {Onnx}: {(e is ArgumentException a ? CommandLine.WithoutParameter(a) : e.Message)}", e);
        }
    }

    private static void ReportOnnx(CliContext context, string modelPath, string outPath, NetworkDefinition definition)
    {
        long bytes = new FileInfo(outPath).Length;
        if (context.Json)
        {
            Json.Write(context, new JsonObject
            {
                ["command"] = "export",
                ["model"] = Path.GetFullPath(modelPath),
                ["format"] = Onnx,
                ["out"] = Path.GetFullPath(outPath),
                ["bytes"] = bytes,
                ["opset"] = OnnxExport.Opset,
            });
        }
        else if (context.Human)
        {
            context.Out.WriteLine($"{outPath}: {ModelFiles.Shape(definition)} as ONNX (opset {OnnxExport.Opset}, input \"input\" and output \"output\" of [batch, width]), {Fmt.I(bytes)} bytes");
        }
    }

    private static void Report(CliContext context, string modelPath, string format, string outPath, NetworkDefinition definition)
    {
        long bytes = new FileInfo(outPath).Length;
        List<TensorSlot> tensors = SafetensorsNetwork.Tensors(definition);
        if (context.Json)
        {
            var list = new JsonArray();
            foreach (TensorSlot tensor in tensors) list.Add((JsonNode)new JsonObject { ["name"] = tensor.Name, ["dtype"] = "F32", ["shape"] = new JsonArray([.. tensor.Shape.Select(d => (JsonNode)d)]) });
            Json.Write(context, new JsonObject
            {
                ["command"] = "export",
                ["model"] = Path.GetFullPath(modelPath),
                ["format"] = format,
                ["out"] = Path.GetFullPath(outPath),
                ["bytes"] = bytes,
                ["tensors"] = list,
            });
        }
        else if (context.Human)
        {
            string names = string.Join(", ", tensors.Select(t => $"{t.Name} {t.ShapeText}"));
            context.Out.WriteLine($"{outPath}: {ModelFiles.Shape(definition)} as {Fmt.Count(tensors.Count, "F32 tensor")} ({names}), {Fmt.I(bytes)} bytes");
        }
    }
}
