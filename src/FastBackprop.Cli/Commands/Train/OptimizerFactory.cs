using System.CommandLine;
using FastBackprop.Training;

namespace FastBackprop.Cli.Commands.Train;

/// <summary>The optimizers --optimizer offers, each named once with its default learning rate and
/// weight decay; the option descriptions, the accepted names and the default rate all come from
/// this table.</summary>
internal static class OptimizerFactory
{
    public const string Default = "adam";

    // Create(parameter count, momentum, weight decay) -> optimizer; null means plain SGD, whose
    // update the trainer fuses into the gradient product.
    private sealed record Kind(string Name, float DefaultRate, bool UsesRate, float DefaultDecay, bool DecoupledDecay, Func<int, float, float, Optimizer?> Create);

    private static readonly Kind[] Kinds =
    [
        new("sgd", 0.1f, true, 0f, false, (n, _, decay) => decay > 0 ? new Sgd(n, weightDecay: decay) : null),
        new("momentum", 0.1f, true, 0f, false, (n, momentum, decay) => new Sgd(n, momentum, weightDecay: decay)),
        new("nesterov", 0.1f, true, 0f, false, (n, momentum, decay) => new Sgd(n, momentum, nesterov: true, weightDecay: decay)),
        new(Default, 0.001f, true, 0f, false, (n, _, decay) => new Adam(n, weightDecay: decay)),
        new("adamw", 0.001f, true, 0.01f, true, (n, _, decay) => new AdamW(n, weightDecay: decay)),
        new("rmsprop", 0.001f, true, 0f, false, (n, _, decay) => new RmsProp(n, weightDecay: decay)),
        new("rprop", 0.001f, false, 0f, false, (n, _, decay) => new Rprop(n, weightDecay: decay)),   // step sizes adapt per weight: no rate
    ];

    public static IEnumerable<string> Names => Kinds.Select(k => k.Name);

    public static string Description => string.Join(", ", Kinds[..^1].Select(k => k.Name)) + " or " + Kinds[^1].Name + ".";

    /// <summary>"Learning rate eta. Default: 0.1 for sgd/momentum/nesterov, 0.001 for adam/adamw/rmsprop (rprop ignores it)."</summary>
    public static string LearningRateDescription
    {
        get
        {
            IEnumerable<string> groups = Kinds.Where(k => k.UsesRate).GroupBy(k => k.DefaultRate)
                .Select(g => Fmt.Inv($"{g.Key} for {string.Join('/', g.Select(k => k.Name))}"));
            string ignoring = string.Join('/', Kinds.Where(k => !k.UsesRate).Select(k => k.Name));
            return $"Learning rate eta. Default: {string.Join(", ", groups)}" + (ignoring.Length > 0 ? $" ({ignoring} ignores it)." : ".");
        }
    }

    /// <summary>"L2 weight decay. Default: 0.01 for adamw (decoupled), else 0."</summary>
    public static string WeightDecayDescription
    {
        get
        {
            IEnumerable<string> special = Kinds.Where(k => k.DefaultDecay != 0)
                .Select(k => Fmt.Inv($"{k.DefaultDecay} for {k.Name}{(k.DecoupledDecay ? " (decoupled)" : "")}"));
            return $"L2 weight decay. Default: {string.Join(", ", special)}, else 0.";
        }
    }

    /// <summary>The learning rate: the one given, or the optimizer's default.</summary>
    public static float Rate(string name, float? given) => given ?? Find(name).DefaultRate;

    /// <summary>The optimizer for a network of <paramref name="parameters"/> parameters, or null for plain SGD.</summary>
    public static Optimizer? Create(ParseResult parse, TrainCommandOptions options, int parameters)
    {
        string name = parse.GetValue(options.Optimizer)!;
        Kind kind = Find(name);
        try
        {
            return kind.Create(parameters, parse.GetValue(options.Momentum), parse.GetValue(options.WeightDecay) ?? kind.DefaultDecay);
        }
        catch (ArgumentException e)
        {
            throw new UserException($"{options.Optimizer.Name} {name}: {CommandLine.WithoutParameter(e)}", e);
        }
    }

    // The parser accepts only the table's names, so a miss is a bug.
    private static Kind Find(string name) => Kinds.FirstOrDefault(k => k.Name == name) ?? throw new InvalidOperationException($"no optimizer '{name}' in the table");
}
