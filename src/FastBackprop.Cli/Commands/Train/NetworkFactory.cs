using System.CommandLine;
using System.Globalization;
using FastBackprop.Data;

namespace FastBackprop.Cli.Commands.Train;

/// <summary>The network that --layers, --activation, --output-activation, --dropout and --loss describe: the one
/// place where options become layers. A layer kind offered on the command line goes here, in
/// <see cref="AddHiddenLayer"/>, as --dropout does.</summary>
internal static class NetworkFactory
{
    public const string DefaultActivation = "relu";

    // The transfer functions the options offer, by the names TransferFunction.FromName reads.
    private static readonly string[] HiddenTransfers =
        [DefaultActivation, "leaky-relu(0.01)", "tanh", "logistic", "identity", "elu(1)", "selu", "softplus", "gelu", "gelu-tanh", "silu", "softsign",
         "hard-tanh", "elliott", "gaussian", "sin"];
    private const string Softmax = "softmax";

    // --loss: the names Loss.FromName reads (parameters in parentheses, as leaky-relu(0.01)), and the defaults.
    private const string DefaultClassificationLoss = "ce", DefaultRegressionLoss = "hse";
    private const string LossNameList =
        "hse (half squared error, sum over outputs), mse, mae, huber(delta) (huber = huber(1)), ce (softmax or logistic output), ce(smoothing) " +
        "(label smoothing over softmax, e.g. ce(0.1)), bce (logistic outputs, multi-label) or poisson (exp output: rates); " +
        "mse, mae, huber and poisson are means over the outputs, as PyTorch's reduction='mean'";

    public static string ActivationDescription =>
        $"Hidden-layer transfer function: {string.Join(", ", HiddenTransfers)}; or one per hidden layer, comma-separated.";

    public static string OutputActivationDescription =>
        $"Output transfer function ({string.Join(", ", HiddenTransfers)}, {Softmax} or exp, the Poisson loss's). Default: {Softmax} for classes, identity for regression.";

    public static string LossDescription =>
        $"{LossNameList}. Default: {DefaultClassificationLoss} for classes (with a softmax or logistic output), {DefaultRegressionLoss} for regression.";

    /// <summary>--loss's check: null for a name <see cref="Loss.FromName"/> reads, else the one-line error.</summary>
    public static string? LossProblem(string? name, string option)
    {
        if (name is null) return null;
        try
        {
            _ = Loss.FromName(name);
            return null;
        }
        catch (ArgumentException e)
        {
            // FromName says "name is 'x'; <what is wrong>": a bad parameter keeps its own words, an unknown name gets the list.
            string message = CommandLine.WithoutParameter(e);
            string detail = message[(message.IndexOf("; ", StringComparison.Ordinal) + 2)..];
            return detail.Contains("Loss.Register", StringComparison.Ordinal) ? $"{option} '{name}': expected {LossNameList}." : $"{option} '{name}': {detail}";
        }
    }

    public static string DropoutDescription =>
        "Dropout after each hidden layer during training: one rate for all (e.g. 0.2), or a comma-separated rate per hidden layer; 0 = none (the default). Inference keeps every unit.";

    public static Network Build(ParseResult parse, TrainCommandOptions options, Dataset all, bool classify) =>
        Build(parse, options, Widths(parse.GetValue(options.Layers), options.Layers.Name, all, classify), classify);

    /// <summary>The network of the given layer widths (inputs first), with the other options' layers and loss.</summary>
    public static Network Build(ParseResult parse, TrainCommandOptions options, int[] widths, bool classify)
    {
        int hidden = widths.Length - 2;
        string[] names = parse.GetValue(options.Activation)!.Split(',', StringSplitOptions.TrimEntries);
        if (names.Length != 1 && names.Length != hidden)
        {
            throw new UserException($"{options.Activation.Name} has {names.Length} names for {Fmt.Count(hidden, "hidden layer")}; give one, or one per hidden layer.");
        }

        float[] rates = DropoutRates(parse.GetValue(options.Dropout), options.Dropout.Name, hidden);
        var layers = new List<Layer>();
        for (int l = 0; l < hidden; l++)
        {
            AddHiddenLayer(layers, widths[l + 1], Transfer(names.Length == 1 ? names[0] : names[l], options.Activation.Name), rates[l]);
        }
        string outputName = parse.GetValue(options.OutputActivation) ?? (classify ? Softmax : "identity");
        var output = new Dense(widths[^1], Transfer(outputName, options.OutputActivation.Name));
        layers.Add(output);

        string lossName = parse.GetValue(options.Loss) ?? (classify && output.Transfer != TransferFunction.Identity ? DefaultClassificationLoss : DefaultRegressionLoss);
        Loss loss = Loss.FromName(lossName);
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

    // One hidden layer of the given width and transfer function, and its dropout when the rate is above 0.
    private static void AddHiddenLayer(List<Layer> layers, int width, TransferFunction transfer, float dropout)
    {
        layers.Add(new Dense(width, transfer));
        if (dropout > 0f) layers.Add(new Dropout(dropout));
    }

    // --dropout: one rate for every hidden layer, or one per hidden layer; each in [0, 1).
    private static float[] DropoutRates(string? text, string option, int hidden)
    {
        var rates = new float[hidden];
        if (text is null) return rates;
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 1 && parts.Length != hidden)
        {
            throw new UserException($"{option} has {Fmt.Count(parts.Length, "rate")} for {Fmt.Count(hidden, "hidden layer")}; give one, or one per hidden layer.");
        }
        for (int l = 0; l < hidden; l++)
        {
            string part = parts[parts.Length == 1 ? 0 : l];
            if (!float.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out rates[l]) || !(rates[l] >= 0f && rates[l] < 1f))
            {
                throw new UserException($"{option} '{text}': '{part}' is not a rate in [0, 1) (the fraction of a layer's units dropped in training).");
            }
        }
        if (hidden == 0 && parts is not ["0"])
        {
            throw new UserException($"{option} needs a hidden layer to follow; --layers gives none.");
        }
        return rates;
    }

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
            throw new UserException($"{option} '{name}': expected {string.Join(", ", HiddenTransfers)} (leaky-relu with any slope in [0, 1), elu with any alpha above 0), or {Softmax} or exp for the output layer.");
        }
    }
}
