using System.CommandLine;
using FastBackprop.Training;

namespace FastBackprop.Cli.Commands.Train;

/// <summary>The optimizers --optimizer offers, each named once with its default learning rate, weight decay and batch,
/// and the hyper-parameter options, each declared once with the constructor parameter it sets; the option
/// descriptions, the accepted names, the default rate and the check that a given hyper-parameter applies all come
/// from these two tables.</summary>
internal static class OptimizerFactory
{
    public const string Default = "adam";

    // ---- the optimizers, each once ------------------------------------------------------------------

    // Create(values) -> optimizer; null means plain SGD, whose update the trainer fuses into the gradient product.
    // FullBatch: the method is meant for the whole training set per step, which --batch-size then defaults to.
    private sealed record Kind(string Name, float DefaultRate, bool UsesRate, float DefaultDecay, bool DecoupledDecay, bool FullBatch, Func<Values, OptimizerOptions, Optimizer?> Create);

    private static readonly Kind[] Kinds =
    [
        new("sgd", 0.1f, true, 0f, false, false, (v, o) => v.Decay > 0 ? new Sgd(v.Parameters, weightDecay: v.Decay) : null),
        new("momentum", 0.1f, true, 0f, false, false, (v, o) => new Sgd(v.Parameters, v.Momentum, weightDecay: v.Decay)),
        new("nesterov", 0.1f, true, 0f, false, false, (v, o) => new Sgd(v.Parameters, v.Momentum, nesterov: true, weightDecay: v.Decay)),
        new(Default, 0.001f, true, 0f, false, false, (v, o) => new Adam(v.Parameters, v.Get(o.Beta1, 0.9f), v.Get(o.Beta2, 0.999f), v.Get(o.Epsilon, 1e-8f), v.Decay)),
        new("adamw", 0.001f, true, 0.01f, true, false, (v, o) => new AdamW(v.Parameters, v.Get(o.Beta1, 0.9f), v.Get(o.Beta2, 0.999f), v.Get(o.Epsilon, 1e-8f), v.Decay)),
        new("rmsprop", 0.001f, true, 0f, false, false, (v, o) => new RmsProp(v.Parameters, epsilon: v.Get(o.Epsilon, 1e-8f), weightDecay: v.Decay)),
        new("rprop", 0.001f, false, 0f, false, false, (v, o) => new Rprop(v.Parameters, v.Get(o.StepIncrease, 1.2f), v.Get(o.StepDecrease, 0.5f),
            v.Get(o.MinStep, 1e-6f), v.Get(o.MaxStep, 50f), v.Get(o.InitialStep, 0.1f), v.Decay)),   // step sizes adapt per weight: no rate
        new("irprop+", 0.001f, false, 0f, false, true, (v, o) => new IrpropPlus(v.Parameters, v.Get(o.StepIncrease, 1.2f), v.Get(o.StepDecrease, 0.5f),
            v.Get(o.MinStep, 1e-6f), v.Get(o.MaxStep, 50f), v.Get(o.InitialStep, 0.1f), v.Decay)),
        new("rprop+", 0.001f, false, 0f, false, true, (v, o) => new RpropPlus(v.Parameters, v.Get(o.StepIncrease, 1.2f), v.Get(o.StepDecrease, 0.5f),
            v.Get(o.MinStep, 1e-6f), v.Get(o.MaxStep, 50f), v.Get(o.InitialStep, 0.1f), v.Decay)),
        new("quickprop", 0.7f, true, 0f, false, true, (v, o) => new Quickprop(v.Parameters, v.Get(o.MaxGrowth, 1.75f), v.Decay)),
        new("adagrad", 0.01f, true, 0f, false, false, (v, o) => new AdaGrad(v.Parameters, v.Get(o.Epsilon, 1e-10f), v.Get(o.LearningRateDecay, 0f), weightDecay: v.Decay)),
        new("adamax", 0.002f, true, 0f, false, false, (v, o) => new Adamax(v.Parameters, v.Get(o.Beta1, 0.9f), v.Get(o.Beta2, 0.999f), v.Get(o.Epsilon, 1e-8f), v.Decay)),
        new("nadam", 0.002f, true, 0f, false, false, (v, o) => new NAdam(v.Parameters, v.Get(o.Beta1, 0.9f), v.Get(o.Beta2, 0.999f), v.Get(o.Epsilon, 1e-8f), v.Get(o.MomentumDecay, 4e-3f), v.Decay)),
        new("radam", 0.001f, true, 0f, false, false, (v, o) => new RAdam(v.Parameters, v.Get(o.Beta1, 0.9f), v.Get(o.Beta2, 0.999f), v.Get(o.Epsilon, 1e-8f), v.Decay)),
        new("lbfgs", 1f, true, 0f, false, true, (v, o) => new Lbfgs(v.Parameters, v.Get(o.History, 10), v.Get(o.Iterations, 20))),   // eta scales the first trial step
        new("scg", 0.001f, false, 0f, false, true, (v, o) => new ScaledConjugateGradient(v.Parameters, v.Get(o.Sigma, 5e-5f), v.Get(o.Lambda, 5e-7f))),
        new("lm", 0.001f, false, 0f, false, true, (v, o) => new LevenbergMarquardt(v.Parameters, v.Get(o.Mu, 1e-3f), v.Get(o.MuIncrease, 10f), v.Get(o.MuDecrease, 0.1f), v.Get(o.MuMax, 1e10f))),
    ];

    public static IEnumerable<string> Names => Kinds.Select(k => k.Name);

    public static string Description => string.Join(", ", Kinds[..^1].Select(k => k.Name)) + " or " + Kinds[^1].Name +
        $". {string.Join('/', Kinds.Where(k => k.FullBatch).Select(k => k.Name))} train on the whole training set per step unless --batch-size is given.";

    /// <summary>"Learning rate eta. Default: 0.1 for sgd/momentum/nesterov, 0.001 for adam/adamw/rmsprop (rprop ignores it)."</summary>
    public static string LearningRateDescription
    {
        get
        {
            IEnumerable<string> groups = Kinds.Where(k => k.UsesRate).GroupBy(k => k.DefaultRate)
                .Select(g => Fmt.Inv($"{g.Key} for {string.Join('/', g.Select(k => k.Name))}"));
            string ignoring = string.Join('/', Kinds.Where(k => !k.UsesRate).Select(k => k.Name));
            return $"Learning rate eta. Default: {string.Join(", ", groups)}" + (ignoring.Length > 0 ? $" ({ignoring} ignore it)." : ".");
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

    /// <summary>Whether the optimizer reads the learning rate.</summary>
    public static bool UsesRate(string name) => Find(name).UsesRate;

    /// <summary>Whether the optimizer trains on the whole training set per step unless a batch size is given.</summary>
    public static bool FullBatch(string name) => Find(name).FullBatch;

    /// <summary>The optimizer for a network of <paramref name="parameters"/> parameters, or null for plain SGD.</summary>
    /// <exception cref="UserException">A hyper-parameter is out of range, or given to an optimizer that has none of that name.</exception>
    public static Optimizer? Create(ParseResult parse, TrainCommandOptions options, int parameters) =>
        Create(parse, options, parse.GetValue(options.Optimizer)!, null, parameters);

    /// <summary>Optimizer <paramref name="name"/> with weight decay <paramref name="decay"/> (null: --weight-decay or
    /// the kind's default) and the other hyper-parameters from the options, for a network of <paramref name="parameters"/>
    /// parameters; null for plain SGD. `sweep` makes one per training this way.</summary>
    /// <exception cref="UserException">As <see cref="Create(ParseResult, TrainCommandOptions, int)"/>.</exception>
    public static Optimizer? Create(ParseResult parse, TrainCommandOptions options, string name, float? decay, int parameters)
    {
        Kind kind = Find(name);
        OptimizerOptions settings = options.Hyper;
        var values = new Values(parse, parameters, options, kind.DefaultDecay) { DecayGiven = decay };
        Optimizer? optimizer;
        try
        {
            optimizer = kind.Create(values, settings);
        }
        catch (ArgumentOutOfRangeException e) when (e.ParamName == "parameterCount")
        {
            string message = System.Text.RegularExpressions.Regex.Replace(CommandLine.WithoutParameter(e), @"^parameterCount is (\d+);", "the network has $1 parameters;");
            throw new UserException($"{options.Optimizer.Name} {name}: {message}", e);
        }
        catch (ArgumentException e)
        {
            (Option? option, string parameter) = settings.Settings.FirstOrDefault(s => s.Parameter == e.ParamName);
            string message = CommandLine.WithoutParameter(e);
            if (option is not null && message.StartsWith(parameter, StringComparison.Ordinal)) message = option.Name + message[parameter.Length..];
            throw new UserException($"{options.Optimizer.Name} {name}: {message}", e);
        }
        foreach (Option option in Tunable(options))
        {
            if (parse.GetResult(option) is { Implicit: false } && !values.Read.Contains(option))
            {
                string takers = string.Join('/', Kinds.Where(k => Reads(k, options, option)).Select(k => k.Name));
                throw new UserException($"{option.Name} does not apply to {options.Optimizer.Name} {name}; it sets {takers}.");
            }
        }
        return optimizer;
    }

    /// <summary>Whether optimizer <paramref name="name"/> has a weight decay (lbfgs, scg and lm have none).</summary>
    public static bool HasWeightDecay(string name, TrainCommandOptions options) => Reads(Find(name), options, options.WeightDecay);

    /// <summary>Rejects --dropout and --clip-norm for an optimizer that evaluates the loss at trial weights (lbfgs, scg,
    /// lm): Trainer.Fit refuses both, and saying so here names the option before any output, instead of after the header.</summary>
    /// <exception cref="UserException">The network has dropout, or --clip-norm is above 0, for such an optimizer.</exception>
    public static void CheckTrialPointOptions(ParseResult parse, TrainCommandOptions options, Optimizer? optimizer, NetworkDefinition network)
    {
        if (optimizer is null || optimizer.Requires < OptimizerInputs.Objective) return;
        string name = parse.GetValue(options.Optimizer)!;
        foreach (Layer layer in network.Layers)
        {
            if (layer is Dropout)
            {
                throw new UserException($"{options.Dropout.Name} does not apply to {options.Optimizer.Name} {name}: it compares the loss at trial weights, " +
                    "which dropout would make a different function at each evaluation; leave out --dropout or use another optimizer.");
            }
        }
        if (parse.GetValue(options.MaxNorm) > 0)
        {
            throw new UserException($"{options.MaxNorm.Name} does not apply to {options.Optimizer.Name} {name}: it keeps a history of the steps it took, " +
                $"which a projection after its step would falsify; leave out {options.MaxNorm.Name} ({options.L1.Name} and {options.L2.Name} work with it) or use another optimizer.");
        }
        if (parse.GetValue(options.ClipNorm) > 0)
        {
            throw new UserException($"{options.ClipNorm.Name} does not apply to {options.Optimizer.Name} {name}: it computes its own gradients at trial weights and needs them unclipped.");
        }
    }

    /// <summary>The optimizer's settings for `info`: its ToString (plain SGD: "sgd"), and the rate when it reads one.</summary>
    public static string Describe(string name, Optimizer? optimizer, float rate) =>
        (optimizer?.ToString() ?? "sgd") + (Find(name).UsesRate ? Fmt.Inv($", learning rate {rate}") : "");

    // Every option that sets an optimizer's hyper-parameter: --momentum and --weight-decay, which not every kind has
    // either (lbfgs, scg and lm have no weight decay), and the table's own.
    private static IEnumerable<Option> Tunable(TrainCommandOptions options) =>
        new Option[] { options.Momentum, options.WeightDecay }.Concat(options.Hyper.Settings.Select(s => s.Option));

    // Whether a kind reads an option (found by creating it with the defaults: each kind reads its options unconditionally).
    private static bool Reads(Kind kind, TrainCommandOptions options, Option option)
    {
        var probe = new Values(null, 16, options, kind.DefaultDecay);
        kind.Create(probe, options.Hyper);
        return probe.Read.Contains(option);
    }

    // The parser accepts only the table's names, so a miss is a bug.
    private static Kind Find(string name) => Kinds.FirstOrDefault(k => k.Name == name) ?? throw new InvalidOperationException($"no optimizer '{name}' in the table");

    /// <summary>The values a kind's constructor reads: the option given, or the kind's default; remembers which it read.</summary>
    private sealed class Values(ParseResult? parse, int parameters, TrainCommandOptions options, float defaultDecay)
    {
        public int Parameters { get; } = parameters;

        /// <summary>--momentum (its own default when not given).</summary>
        public float Momentum
        {
            get
            {
                Read.Add(options.Momentum);
                return parse?.GetValue(options.Momentum) ?? 0.9f;   // a probe (no parse) needs only a valid value
            }
        }

        /// <summary>The decay a caller chose (sweep's --weight-decays), or null for --weight-decay.</summary>
        public float? DecayGiven { get; init; }

        /// <summary>The decay chosen, else --weight-decay, else the kind's default.</summary>
        public float Decay => DecayGiven is float d ? Remember(options.WeightDecay, d) : Get(options.WeightDecay, defaultDecay);

        private float Remember(Option option, float value)
        {
            Read.Add(option);
            return value;
        }

        public HashSet<Option> Read { get; } = [];

        public float Get(Option<float?> option, float otherwise)
        {
            Read.Add(option);
            return parse?.GetValue(option) ?? otherwise;
        }

        public int Get(Option<int?> option, int otherwise)
        {
            Read.Add(option);
            return parse?.GetValue(option) ?? otherwise;
        }
    }
}

/// <summary>The optimizers' hyper-parameter options of `fastbackprop train`, each declared once; which optimizer
/// reads which is in <see cref="OptimizerFactory"/>'s table.</summary>
internal sealed class OptimizerOptions
{
    public Option<float?> Beta1 { get; } = new("--beta1") { Description = "beta1, the first moment's decay (adam family). Default: 0.9." };
    public Option<float?> Beta2 { get; } = new("--beta2") { Description = "beta2, the second moment's (adamax: the infinity norm's) decay. Default: 0.999." };
    public Option<float?> Epsilon { get; } = new("--epsilon") { Description = "epsilon of the adam family, rmsprop and adagrad. Default: 1e-8 (adagrad 1e-10)." };
    public Option<float?> LearningRateDecay { get; } = new("--lr-decay") { Description = "adagrad's rate decay: eta / (1 + (t - 1) decay). Default: 0." };
    public Option<float?> MomentumDecay { get; } = new("--momentum-decay") { Description = "nadam's psi, mu_t = beta1 (1 - 0.5 · 0.96^(t psi)). Default: 0.004." };
    public Option<int?> History { get; } = new("--history") { Description = "lbfgs: curvature pairs kept (m). Default: 10.", HelpName = "m" };
    public Option<int?> Iterations { get; } = new("--iterations") { Description = "lbfgs: iterations per step (torch's max_iter; a full-batch epoch is one step). Default: 20.", HelpName = "n" };
    public Option<float?> Mu { get; } = new("--mu") { Description = "lm: initial damping. Default: 0.001 (MATLAB trainlm)." };
    public Option<float?> MuIncrease { get; } = new("--mu-increase") { Description = "lm: damping factor after a step that did not lower the loss. Default: 10." };
    public Option<float?> MuDecrease { get; } = new("--mu-decrease") { Description = "lm: damping factor after a step that did. Default: 0.1." };
    public Option<float?> MuMax { get; } = new("--mu-max") { Description = "lm: damping at which a step gives up. Default: 1e10." };
    public Option<float?> Sigma { get; } = new("--sigma") { Description = "scg: the curvature probe's step (Moller's sigma). Default: 5e-5." };
    public Option<float?> Lambda { get; } = new("--lambda") { Description = "scg: the initial scale (Moller's lambda_1). Default: 5e-7." };
    public Option<float?> MaxGrowth { get; } = new("--max-growth") { Description = "quickprop: largest ratio of a step to the last (Fahlman's mu). Default: 1.75." };
    public Option<float?> StepIncrease { get; } = new("--step-increase") { Description = "rprop family: eta+. Default: 1.2." };
    public Option<float?> StepDecrease { get; } = new("--step-decrease") { Description = "rprop family: eta-. Default: 0.5." };
    public Option<float?> InitialStep { get; } = new("--initial-step") { Description = "rprop family: Delta_0. Default: 0.1." };
    public Option<float?> MinStep { get; } = new("--min-step") { Description = "rprop family: Delta_min. Default: 1e-6." };
    public Option<float?> MaxStep { get; } = new("--max-step") { Description = "rprop family: Delta_max. Default: 50." };

    /// <summary>Each option with the constructor parameter it sets (for messages).</summary>
    public IReadOnlyList<(Option Option, string Parameter)> Settings =>
    [
        (Beta1, "beta1"), (Beta2, "beta2"), (Epsilon, "epsilon"), (LearningRateDecay, "learningRateDecay"),
        (MomentumDecay, "momentumDecay"), (History, "historySize"), (Iterations, "maxIterations"),
        (Mu, "mu"), (MuIncrease, "muIncrease"), (MuDecrease, "muDecrease"), (MuMax, "muMax"),
        (Sigma, "sigma"), (Lambda, "lambda"), (MaxGrowth, "maximumGrowth"),
        (StepIncrease, "increase"), (StepDecrease, "decrease"), (InitialStep, "initialStep"), (MinStep, "minStep"), (MaxStep, "maxStep"),
    ];

    /// <summary>The options, for the command to add.</summary>
    public IEnumerable<Option> All => Settings.Select(s => s.Option);
}
