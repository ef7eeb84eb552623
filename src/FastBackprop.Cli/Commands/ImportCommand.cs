using System.CommandLine;
using System.Text.Json.Nodes;
using FastBackprop.Cli.Commands.Train;
using FastBackprop.IO;

namespace FastBackprop.Cli.Commands;

/// <summary>`fastbackprop import`: a safetensors file as a FastBackprop model file. A file FastBackprop wrote
/// describes its network itself; a file PyTorch wrote (an nn.Sequential's state dict) holds only the weights, so
/// --activation and --output-activation (as train has them, with --dropout and --loss) say what its modules are.</summary>
internal static class ImportCommand
{
    private const string InOption = "--in", OutOption = "--out";

    public static string[] Examples { get; } =
    [
        "fastbackprop import --in model.safetensors --out model.fbp                     # a file fastbackprop export wrote",
        "fastbackprop import --in torch.safetensors --out model.fbp --activation relu --output-activation softmax",
    ];

    public static Command Build(CliContext context)
    {
        var input = new Option<string>(InOption, "-i") { Description = "The safetensors file.", Required = true, HelpName = "path" };
        var output = new Option<string>(OutOption, "-o") { Description = "The model file to write (replaced atomically).", Required = true, HelpName = "path" };
        var network = new TrainCommandOptions();
        network.Activation.Description = "For a file without FastBackprop's description (PyTorch's): the hidden layers' transfer function, as train's --activation " +
            "(one, or one per hidden layer); the widths come from the file's '<i>.weight' shapes.";
        network.OutputActivation.Description = "For a file without FastBackprop's description: the output layer's transfer function (identity for an nn.Sequential that ends with its nn.Linear).";
        var command = new Command("import", "Read a safetensors file (from fastbackprop export, or PyTorch's nn.Sequential state dict) into a model file.")
        {
            input, output, network.Activation, network.OutputActivation, network.Dropout, network.Loss,
        };
        command.SetAction(parse => Execute(context, parse, parse.GetValue(input)!, parse.GetValue(output)!, network));
        return command;
    }

    private static int Execute(CliContext context, ParseResult parse, string inPath, string outPath, TrainCommandOptions options)
    {
        OutputFiles.CheckDistinct((inPath, InOption), (outPath, OutOption));
        OutputFiles.CheckWritable(outPath, OutOption);
        InputFiles.CheckExists(inPath, InOption, "a safetensors file", "safetensors file");
        NetworkDefinition? definition = Given(parse, options) ? Definition(parse, options, inPath) : null;
        Model model = SafetensorsFile.Load(inPath, definition);   // DataFormatException names the file, the byte and the problem
        OutputFiles.WriteModel(outPath, OutOption, model);
        Report(context, inPath, outPath, model, definition is null);
        return ExitCodes.Success;
    }

    // Whether any option that describes the network is on the command line (not just a default).
    private static bool Given(ParseResult parse, TrainCommandOptions options) =>
        Explicit(parse, options.Activation) || Explicit(parse, options.OutputActivation) || Explicit(parse, options.Dropout) || Explicit(parse, options.Loss);

    private static bool Explicit(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    // The network of the file's Linear widths and the options' functions; both functions must be given, since the
    // weights alone cannot tell them and a wrong guess would predict wrongly without a word.
    private static NetworkDefinition Definition(ParseResult parse, TrainCommandOptions options, string inPath)
    {
        int[] widths = SafetensorsFile.ReadLayerWidths(inPath);
        if (widths.Length > 2 && !Explicit(parse, options.Activation))
        {
            throw new UserException($"{inPath} has {Fmt.Count(widths.Length - 2, "hidden layer")}: give their transfer function with {options.Activation.Name}.");
        }
        if (!Explicit(parse, options.OutputActivation))
        {
            throw new UserException($"give the output layer's transfer function with {options.OutputActivation.Name} (identity when the nn.Sequential ends with its nn.Linear).");
        }
        string? output = parse.GetValue(options.OutputActivation);
        bool classify = output is not null && output.Trim().ToLowerInvariant() is "softmax" or "logistic" or "sigmoid";
        return NetworkFactory.Build(parse, options, widths, classify).Definition;
    }

    private static void Report(CliContext context, string inPath, string outPath, Model model, bool described)
    {
        NetworkDefinition definition = model.Network.Definition;
        string from = described ? "its own description" : "the options";
        if (context.Json)
        {
            Json.Write(context, new JsonObject
            {
                ["command"] = "import",
                ["in"] = Path.GetFullPath(inPath),
                ["out"] = Path.GetFullPath(outPath),
                ["network"] = definition.ToString(),
                ["shape"] = ModelFiles.Shape(definition),
                ["parameters"] = definition.ParameterCount,
                ["definedBy"] = described ? "file" : "options",
                ["scaling"] = model.Scaling?.Kind.ToString(),
            });
        }
        else if (context.Human)
        {
            context.Out.WriteLine($"{outPath}: {definition} from {inPath} (network from {from}), {Fmt.I(definition.ParameterCount)} parameters");
        }
    }
}
