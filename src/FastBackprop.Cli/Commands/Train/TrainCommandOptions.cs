using System.CommandLine;
using System.Globalization;
using FastBackprop.Training;

namespace FastBackprop.Cli.Commands.Train;

/// <summary>The options of `fastbackprop train`, each declared once with its check. The names a
/// choice accepts come from the factory that turns them into objects (NetworkFactory,
/// OptimizerFactory, ScheduleFactory, ScalingFactory), so each name is written once.</summary>
internal sealed class TrainCommandOptions
{
    // --on-divergence: each name once, with the policy it stands for.
    private static readonly (string Name, DivergencePolicy Policy, string Meaning)[] DivergencePolicies =
    [
        ("stop", Training.DivergencePolicy.Throw, "end with an error"),
        ("halve", Training.DivergencePolicy.HalveLearningRate, "halve the learning rate and retry"),
    ];

    public TrainCommandOptions()
    {
        Checkpoint = new("--checkpoint")
        {
            Description = "Save the whole training state here after every epoch (and when stopped), atomically, with a run description beside it (<path>.run).",
            HelpName = "path",
        };
        Resume = new("--resume")
        {
            Description = $"Continue the run saved at {Checkpoint.Name} to exactly the weights an uninterrupted run reaches (same options and data required); start a new run if there is no checkpoint yet.",
        };
    }

    public DataOptions Data { get; } = new();

    /// <summary>The optimizers' hyper-parameters (--beta1, --history, --mu, ...).</summary>
    public OptimizerOptions Hyper { get; } = new();

    public Option<string?> Layers { get; } = new("--layers", "-l")
    {
        Description = "Network shape, inputs first: e.g. 64,128,10. Default: <data inputs>,128,<data outputs>.",
        HelpName = "widths",
    };

    public Option<string> Activation { get; } = new("--activation", "-a")
    {
        Description = NetworkFactory.ActivationDescription,
        DefaultValueFactory = _ => NetworkFactory.DefaultActivation,
        HelpName = "name",
    };

    public Option<string?> OutputActivation { get; } = new("--output-activation")
    {
        Description = NetworkFactory.OutputActivationDescription,
        HelpName = "name",
    };

    public Option<string?> Loss { get; } = new("--loss") { Description = NetworkFactory.LossDescription, HelpName = "name" };

    public Option<string?> Dropout { get; } = new("--dropout") { Description = NetworkFactory.DropoutDescription, HelpName = "rate" };

    public Option<string> Optimizer { get; } = new("--optimizer", "-o")
    {
        Description = OptimizerFactory.Description,
        DefaultValueFactory = _ => OptimizerFactory.Default,
        HelpName = "name",
    };

    public Option<float?> LearningRate { get; } = new("--learning-rate", "--lr") { Description = OptimizerFactory.LearningRateDescription, HelpName = "eta" };

    public Option<float> Momentum { get; } = new("--momentum") { Description = "Momentum of momentum/nesterov.", DefaultValueFactory = _ => 0.9f };

    public Option<float?> WeightDecay { get; } = new("--weight-decay") { Description = OptimizerFactory.WeightDecayDescription };

    public Option<float> L1 { get; } = new("--l1")
    {
        Description = "L1 penalty lambda1: adds lambda1 * sum |w| to the loss the step minimises (0 = off). Weights only unless --penalize-biases.",
        HelpName = "lambda",
    };

    public Option<float> L2 { get; } = new("--l2")
    {
        Description = "L2 penalty lambda2: adds lambda2/2 * sum w^2 (0 = off), with every optimizer. Weights only unless --penalize-biases " +
            "(then the same as --weight-decay; scikit-learn's alpha with batch size B is --l2 alpha/B).",
        HelpName = "lambda",
    };

    public Option<bool> PenalizeBiases { get; } = new("--penalize-biases")
    {
        Description = "Let --l1 and --l2 penalise the biases too (default: weights only, as scikit-learn does).",
    };

    public Option<float> MaxNorm { get; } = new("--max-norm")
    {
        Description = "After every update, scale each unit's incoming weight vector down to this L2 norm if it is longer (0 = off).",
        HelpName = "c",
    };

    public Option<string> Schedule { get; } = new("--schedule") { Description = ScheduleFactory.Description, DefaultValueFactory = _ => ScheduleFactory.Default };

    public Option<int> StepEpochs { get; } = new("--step-epochs") { Description = "Epochs (steps with --schedule-per step) between halvings of --schedule step.", DefaultValueFactory = _ => 10 };

    public Option<string> SchedulePer { get; } = new("--schedule-per")
    {
        Description = "What --schedule and --warmup count: epoch (one rate per epoch) or step (one per batch, counted over the whole run, as PyTorch steps OneCycleLR).",
        DefaultValueFactory = _ => ScheduleFactory.Units[0].Name,
    };

    public Option<int> Warmup { get; } = new("--warmup")
    {
        Description = "Linear warm-up before --schedule over this many epochs (steps with --schedule-per step), from --warmup-factor times the first rate (PyTorch LinearLR then SequentialLR); 0 = none.",
        HelpName = "n",
    };

    public Option<float> WarmupFactor { get; } = new("--warmup-factor")
    {
        Description = "The first warm-up rate as a fraction of the schedule's first rate, in [0, 1] (PyTorch LinearLR's default, 1/3).",
        DefaultValueFactory = _ => WarmupSchedule.DefaultStartFactor,
        HelpName = "factor",
    };

    public Option<float> ClipNorm { get; } = new("--clip-norm") { Description = "Clip the mean gradient to this L2 norm (0 = off)." };

    public Option<int> Epochs { get; } = new("--epochs", "-e") { Description = DefaultEpochs.Description, DefaultValueFactory = _ => DefaultEpochs.Minimum };

    public Option<int> BatchSize { get; } = new("--batch-size", "-b")
    {
        Description = "Patterns per step (1 = online, as in the derivation). Default: 32, or the whole training set for the full-batch methods (see --optimizer).",
        DefaultValueFactory = _ => 32,
    };

    public Option<ulong> Seed { get; } = new("--seed", "-s") { Description = "Seed of the initial weights, the shuffling and the validation split.", DefaultValueFactory = _ => 1UL };

    public Option<int?> Threads { get; } = new("--threads", "-t")
    {
        Description = "Threads a training step may use (TrainingOptions.DegreeOfParallelism): large layers' matrix products are split over them. The weights do not depend on it. Default: every core.",
        HelpName = "n",
    };

    public Option<double> Validation { get; } = new("--validation", "-v")
    {
        Description = "Fraction of the data held out (seeded split) to validate after every epoch; 0 = none.",
        DefaultValueFactory = _ => 0.1,
        HelpName = "fraction",
    };

    public Option<int> Patience { get; } = new("--patience")
    {
        Description = "Early stopping: stop after this many epochs without an improvement of --monitor (on the validation data, else the training data) (0 = off).",
    };

    public Option<string> RestoreBest { get; } = new("--restore-best")
    {
        Description = "on: end with the weights of the best epoch by --monitor when there is validation data or a --patience (as scikit-learn keeps its best coefficients); off: keep the last epoch's.",
        DefaultValueFactory = _ => "on",
    };

    public Option<double> MinDelta { get; } = new("--min-delta")
    {
        Description = "Early stopping: an epoch improves on the best only if it beats it by more than this (Keras min_delta: only such an epoch becomes the best and its weights are kept, where scikit-learn keeps any better epoch and uses tol only for its patience count); 0 = any improvement.",
        HelpName = "delta",
    };

    public Option<string> Monitor { get; } = new("--monitor")
    {
        Description = "What early stopping, --restore-best and --schedule plateau watch: loss (lower is better) or accuracy (higher is better; classification only).",
        DefaultValueFactory = _ => "loss",
    };

    public Option<string> Stratify { get; } = new("--stratify")
    {
        Description = "on: the --validation split of classification data keeps each class's share (within one sample), as scikit-learn's MLPClassifier does; off: a plain random split. Regression data is split at random.",
        DefaultValueFactory = _ => "on",
    };

    public Option<string> Scaling { get; } = new("--scaling") { Description = ScalingFactory.Description, DefaultValueFactory = _ => ScalingFactory.Default };

    public Option<string> TargetScaling { get; } = new("--target-scaling")
    {
        Description = TargetScalingFactory.Description,
        DefaultValueFactory = _ => TargetScalingFactory.Default,
        HelpName = "kind",
    };

    public Option<string> Divergence { get; } = new("--on-divergence")
    {
        Description = "On a NaN/infinite loss: " + string.Join(" or ", DivergencePolicies.Select(p => $"{p.Name} ({p.Meaning})")) + ".",
        DefaultValueFactory = _ => DivergencePolicies[0].Name,
    };

    public Option<string> Out { get; } = new("--out")
    {
        Description = "Where to save the model; the learning curve goes beside it as <name>.learning-curve.png.",
        DefaultValueFactory = _ => "model.fbp",
        HelpName = "path",
    };

    public Option<bool> NoPlot { get; } = new("--no-plot") { Description = "Do not write the learning-curve PNG." };

    public Option<string?> Checkpoint { get; }

    /// <summary>--class-weight (Commands/Train/ClassWeighting.cs).</summary>
    public Option<string?> ClassWeight { get; } = ClassWeighting.Create();

    public Option<bool> Resume { get; }

    private Option[] All =>
    [
        Layers, Activation, OutputActivation, Loss, Dropout, Optimizer, LearningRate, Momentum, WeightDecay, L1, L2, PenalizeBiases, MaxNorm, .. Hyper.All, Schedule, StepEpochs,
        SchedulePer, Warmup, WarmupFactor, ClipNorm, Epochs, BatchSize, Seed, Threads, Validation, Patience, RestoreBest, MinDelta, Monitor, Stratify, Scaling,
        TargetScaling, Divergence, Out, NoPlot, Checkpoint, Resume, ClassWeight,
    ];

    /// <summary>The options that shape the trained weights: a checkpoint is resumed only with the same
    /// values (the data options are covered by the digest of the data itself).</summary>
    public IEnumerable<Option> RunOptions => All.Except([Threads, Out, NoPlot, Checkpoint, Resume]);

    public void AddTo(Command command) => AddTo(command, All);

    /// <summary>Adds the data options and <paramref name="options"/> (some of this class's) to <paramref name="command"/>,
    /// with their checks: for a command that shares part of train's options (sweep).</summary>
    public void AddTo(Command command, IEnumerable<Option> options)
    {
        Data.AddTo(command);
        foreach (Option option in options) command.Add(option);
        AddChecks();
    }

    private void AddChecks()
    {
        Positive(Epochs);
        Positive(BatchSize);
        Positive(StepEpochs);
        Threads.Check(n => n is < 1 or > 4096 ? $"{Threads.Name} is {n}; expected 1 to 4096." : null);
        Validation.Check(v => v is >= 0 and < 1 ? null : $"{Validation.Name} is {v.ToString(CultureInfo.InvariantCulture)}; expected a fraction in [0, 1).");
        Patience.Check(v => v < 0 ? $"{Patience.Name} must be 0 or more." : null);
        MinDelta.Check(v => double.IsFinite(v) && v >= 0 ? null : $"{MinDelta.Name} must be 0 or a finite positive number.");
        Warmup.Check(v => v < 0 ? $"{Warmup.Name} is {v}; expected 0 or more." : null);
        WarmupFactor.Check(v => v is >= 0f and <= 1f ? null : $"{WarmupFactor.Name} must be in [0, 1].");
        Schedule.Check(v => ScheduleFactory.Problem(v, Schedule.Name));
        SchedulePer.AcceptOnlyFromAmong([.. ScheduleFactory.Units.Select(u => u.Name)]);
        RestoreBest.AcceptOnlyFromAmong("on", "off");
        Stratify.AcceptOnlyFromAmong("on", "off");
        Monitor.AcceptOnlyFromAmong([.. Enum.GetNames<MonitoredMetric>().Select(n => n.ToLowerInvariant())]);
        LearningRate.Check(v => v is float r && !(float.IsFinite(r) && r > 0) ? $"{LearningRate.Name} must be a finite number greater than 0." : null);
        ClipNorm.Check(v => float.IsFinite(v) && v >= 0 ? null : $"{ClipNorm.Name} must be 0 or a positive number.");
        Momentum.Check(v => v is >= 0 and < 1 ? null : $"{Momentum.Name} must be in [0, 1).");
        WeightDecay.Check(v => v is float d && !(float.IsFinite(d) && d >= 0) ? $"{WeightDecay.Name} must be 0 or a finite positive number." : null);
        NonNegative(L1);
        NonNegative(L2);
        NonNegative(MaxNorm);
        Optimizer.AcceptOnlyFromAmong([.. OptimizerFactory.Names]);
        Scaling.AcceptOnlyFromAmong([.. ScalingFactory.Names]);
        TargetScaling.AcceptOnlyFromAmong([.. TargetScalingFactory.Names]);
        Divergence.AcceptOnlyFromAmong([.. DivergencePolicies.Select(p => p.Name)]);
        Loss.Check(name => NetworkFactory.LossProblem(name, Loss.Name));
    }

    public DivergencePolicy DivergencePolicy(ParseResult parse)
    {
        string name = parse.GetValue(Divergence)!;
        return DivergencePolicies.First(p => p.Name == name).Policy;
    }

    /// <summary>The regularization the options ask for, or null when --l1, --l2 and --max-norm are 0.</summary>
    /// <exception cref="UserException">--penalize-biases without --l1 or --l2 (it would change nothing).</exception>
    public Regularization? Regularization(ParseResult parse)
    {
        var regularization = new Regularization
        {
            L1 = parse.GetValue(L1),
            L2 = parse.GetValue(L2),
            PenalizeBiases = parse.GetValue(PenalizeBiases),
            MaxNorm = parse.GetValue(MaxNorm),
        };
        if (regularization is { PenalizeBiases: true, HasPenalty: false })
        {
            throw new UserException($"{PenalizeBiases.Name} applies to {L1.Name} and {L2.Name}, and neither is given; add one of them or leave out {PenalizeBiases.Name}.");
        }
        return regularization is { HasPenalty: false, MaxNorm: 0 } ? null : regularization;
    }

    private static void NonNegative(Option<float> option) =>
        option.Check(v => float.IsFinite(v) && v >= 0 ? null : $"{option.Name} is {v.ToString(CultureInfo.InvariantCulture)}; expected 0 (off) or a finite positive number.");

    /// <summary>Whether the validation split is stratified: --stratify on (the default) for classification data; an
    /// explicit on for regression data is an error.</summary>
    public bool Stratified(ParseResult parse, bool classify)
    {
        bool on = parse.GetValue(Stratify) == "on";
        if (on && !classify && parse.GetResult(Stratify) is { Implicit: false })
        {
            throw new UserException($"{Stratify.Name} on keeps each class's share of the validation split, but the data is regression data (no classes); leave it off.");
        }
        return on && classify;
    }

    /// <summary>--monitor's figure.</summary>
    public MonitoredMetric MonitoredMetric(ParseResult parse) => Enum.Parse<MonitoredMetric>(parse.GetValue(Monitor)!, ignoreCase: true);

    private static void Positive(Option<int> option) => option.Check(v => v < 1 ? $"{option.Name} is {v}; expected 1 or more." : null);
}
