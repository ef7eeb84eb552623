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

    public Option<string> Schedule { get; } = new("--schedule") { Description = ScheduleFactory.Description, DefaultValueFactory = _ => ScheduleFactory.Default };

    public Option<int> StepEpochs { get; } = new("--step-epochs") { Description = "Epochs between halvings of --schedule step.", DefaultValueFactory = _ => 10 };

    public Option<float> ClipNorm { get; } = new("--clip-norm") { Description = "Clip the mean gradient to this L2 norm (0 = off)." };

    public Option<int> Epochs { get; } = new("--epochs", "-e") { Description = "Passes over the training data.", DefaultValueFactory = _ => 20 };

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
        Description = "Early stopping: stop after this many epochs without a lower validation loss and keep the best weights (0 = off).",
    };

    public Option<string> Scaling { get; } = new("--scaling") { Description = ScalingFactory.Description, DefaultValueFactory = _ => ScalingFactory.Default };

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
        Layers, Activation, OutputActivation, Loss, Dropout, Optimizer, LearningRate, Momentum, WeightDecay, .. Hyper.All, Schedule, StepEpochs, ClipNorm,
        Epochs, BatchSize, Seed, Threads, Validation, Patience, Scaling, Divergence, Out, NoPlot, Checkpoint, Resume, ClassWeight,
    ];

    /// <summary>The options that shape the trained weights: a checkpoint is resumed only with the same
    /// values (the data options are covered by the digest of the data itself).</summary>
    public IEnumerable<Option> RunOptions => All.Except([Threads, Out, NoPlot, Checkpoint, Resume]);

    public void AddTo(Command command)
    {
        Data.AddTo(command);
        foreach (Option option in All) command.Add(option);
        Positive(Epochs);
        Positive(BatchSize);
        Positive(StepEpochs);
        Threads.Check(n => n is < 1 or > 4096 ? $"{Threads.Name} is {n}; expected 1 to 4096." : null);
        Validation.Check(v => v is >= 0 and < 1 ? null : $"{Validation.Name} is {v.ToString(CultureInfo.InvariantCulture)}; expected a fraction in [0, 1).");
        Patience.Check(v => v < 0 ? $"{Patience.Name} must be 0 or more." : null);
        LearningRate.Check(v => v is float r && !(float.IsFinite(r) && r > 0) ? $"{LearningRate.Name} must be a finite number greater than 0." : null);
        ClipNorm.Check(v => float.IsFinite(v) && v >= 0 ? null : $"{ClipNorm.Name} must be 0 or a positive number.");
        Momentum.Check(v => v is >= 0 and < 1 ? null : $"{Momentum.Name} must be in [0, 1).");
        WeightDecay.Check(v => v is float d && !(float.IsFinite(d) && d >= 0) ? $"{WeightDecay.Name} must be 0 or a finite positive number." : null);
        Optimizer.AcceptOnlyFromAmong([.. OptimizerFactory.Names]);
        Schedule.AcceptOnlyFromAmong([.. ScheduleFactory.Names]);
        Scaling.AcceptOnlyFromAmong([.. ScalingFactory.Names]);
        Divergence.AcceptOnlyFromAmong([.. DivergencePolicies.Select(p => p.Name)]);
        Loss.AcceptOnlyFromAmong([.. NetworkFactory.LossNames]);
    }

    public DivergencePolicy DivergencePolicy(ParseResult parse)
    {
        string name = parse.GetValue(Divergence)!;
        return DivergencePolicies.First(p => p.Name == name).Policy;
    }

    private static void Positive(Option<int> option) => option.Check(v => v < 1 ? $"{option.Name} is {v}; expected 1 or more." : null);
}
