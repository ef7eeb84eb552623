using System.CommandLine;
using System.Globalization;
using FastBackprop.Data;

namespace FastBackprop.Cli.Commands.Train;

/// <summary>The network that --layers, --activation, --output-activation and --loss describe: the one
/// place where options become layers. A layer kind offered on the command line goes here, in
/// <see cref="AddHiddenLayer"/>: Dropout, for example, would be a `--dropout` option (one rate after
/// every hidden layer, or a comma-separated rate per hidden layer) adding `new Dropout(rate)` after
/// each hidden Dense layer.</summary>
internal static class NetworkFactory
{
    public const string DefaultActivation = "relu";

    // The transfer functions the options offer, by the names TransferFunction.FromName reads.
    private static readonly string[] HiddenTransfers = [DefaultActivation, "leaky-relu(0.01)", "tanh", "logistic", "identity"];
    private const string Softmax = "softmax";

    // --loss: each name once, with the loss it stands for.
    private static readonly (string Name, Loss Loss)[] Losses = [("cross-entropy", FastBackprop.Loss.CrossEntropy), ("half-squared-error", FastBackprop.Loss.HalfSquaredError)];

    public static string ActivationDescription =>
        $"Hidden-layer transfer function: {string.Join(", ", HiddenTransfers)}; or one per hidden layer, comma-separated.";

    public static string OutputActivationDescription =>
        $"Output transfer function ({string.Join(", ", HiddenTransfers)} or {Softmax}). Default: {Softmax} for classes, identity for regression.";

    public static string LossDescription =>
        $"{string.Join(" or ", LossNames)}. Default: {Losses[0].Name} for classes, {Losses[1].Name} for regression.";

    public static IEnumerable<string> LossNames => Losses.Select(l => l.Name);

    public static Network Build(ParseResult parse, TrainCommandOptions options, Dataset all, bool classify)
    {
        int[] widths = Widths(parse.GetValue(options.Layers), options.Layers.Name, all, classify);
        int hidden = widths.Length - 2;
        string[] names = parse.GetValue(options.Activation)!.Split(',', StringSplitOptions.TrimEntries);
        if (names.Length != 1 && names.Length != hidden)
        {
            throw new UserException($"{options.Activation.Name} has {names.Length} names for {Fmt.Count(hidden, "hidden layer")}; give one, or one per hidden layer.");
        }

        var layers = new List<Layer>();
        for (int l = 0; l < hidden; l++)
        {
            AddHiddenLayer(layers, widths[l + 1], Transfer(names.Length == 1 ? names[0] : names[l], options.Activation.Name));
        }
        string outputName = parse.GetValue(options.OutputActivation) ?? (classify ? Softmax : "identity");
        var output = new Dense(widths[^1], Transfer(outputName, options.OutputActivation.Name));
        layers.Add(output);

        string lossName = parse.GetValue(options.Loss) ?? (classify && output.Transfer != TransferFunction.Identity ? Losses[0].Name : Losses[1].Name);
        Loss loss = Losses.First(l => l.Name == lossName).Loss;
        try
        {
            return new Network(widths[0], loss, [.. layers]);
        }
        catch (ArgumentException e)
        {
            throw new UserException($"the network {string.Join('-', widths)} with {options.Loss.Name} {lossName}: {CommandLine.WithoutParameter(e)}", e);
        }
    }

    /// <summary>"relu hidden, softmax output, CrossEntropy": the transfer functions and the loss, for headers.</summary>
    public static string Describe(NetworkDefinition definition)
    {
        var hidden = new List<string>();
        ReadOnlySpan<Layer> layers = definition.Layers;
        for (int l = 0; l < layers.Length - 1; l++)
        {
            string name = layers[l] is Dense dense ? dense.Transfer.Name : layers[l].ToString() ?? "";
            if (!hidden.Contains(name)) hidden.Add(name);
        }
        string inner = hidden.Count == 0 ? "no hidden layer" : string.Join("/", hidden) + " hidden";
        return $"{inner}, {definition.OutputLayer.Transfer} output, {definition.Loss}";
    }

    // One hidden layer of the given width and transfer function.
    private static void AddHiddenLayer(List<Layer> layers, int width, TransferFunction transfer) => layers.Add(new Dense(width, transfer));

    private static int[] Widths(string? shape, string option, Dataset all, bool classify)
    {
        if (shape is null) return [all.InputWidth, 128, all.TargetWidth];
        string[] parts = shape.Split(',', StringSplitOptions.TrimEntries);
        var widths = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out widths[i]) || widths[i] < 1)
            {
                throw new UserException($"{option} '{shape}': '{parts[i]}' is not a positive whole number.");
            }
        }
        if (widths.Length < 2) throw new UserException($"{option} '{shape}': expected at least an input and an output width, e.g. 64,128,10.");
        if (widths[0] != all.InputWidth)
        {
            throw new UserException($"{option} starts with {Fmt.Count(widths[0], "input")}, but the data has {Fmt.Count(all.InputWidth, "input")} per sample.");
        }
        if (widths[^1] != all.TargetWidth)
        {
            throw new UserException($"{option} ends with {Fmt.Count(widths[^1], "output")}, but the data has {Fmt.Count(all.TargetWidth, classify ? "class" : "target")} per sample.");
        }
        return widths;
    }

    private static TransferFunction Transfer(string name, string option)
    {
        try
        {
            return TransferFunction.FromName(name);
        }
        catch (ArgumentException)
        {
            throw new UserException($"{option} '{name}': expected {string.Join(", ", HiddenTransfers)} (leaky-relu with any slope in [0, 1)), or {Softmax} for the output layer.");
        }
    }
}
