using System.CommandLine;
using FastBackprop.Cli.Commands.Train;

namespace FastBackprop.Cli.Commands.Sweep;

/// <summary>The options of `fastbackprop sweep`: the grid's lists, random search, sharding and the outputs, and the
/// data and training options it shares with train (the same Option objects, so the same names, defaults and checks).</summary>
internal sealed class SweepCommandOptions
{
    public const string DefaultPlot = "sweep.png";

    /// <summary>train's options; sweep adds the data options and <see cref="Shared"/>.</summary>
    public TrainCommandOptions Train { get; } = new();

    public Option<string> LearningRates { get; } = new("--learning-rates")
    {
        Description = "Learning rates to try, comma-separated (the rate-free rprop/irprop+/rprop+/scg/lm ignore them).",
        DefaultValueFactory = _ => "0.001,0.003,0.01",
        HelpName = "list",
    };

    public Option<string> Widths { get; } = new("--widths") { Description = "Hidden-layer widths (units per hidden layer) to try.", DefaultValueFactory = _ => "16,32", HelpName = "list" };

    public Option<string> Depths { get; } = new("--depths")
    {
        Description = $"Hidden-layer counts to try (0 to {Sweeps.SweepSpace.MaxDepth}; 0 = no hidden layer).",
        DefaultValueFactory = _ => "1",
        HelpName = "list",
    };

    public Option<string> Optimizers { get; } = new("--optimizers") { Description = "Optimizers to try: names as train's --optimizer takes them.", DefaultValueFactory = _ => OptimizerFactory.Default, HelpName = "list" };

    public Option<string> WeightDecays { get; } = new("--weight-decays")
    {
        Description = "Weight decays to try, passed to the optimizer as train's --weight-decay is (L2 added to the gradient; decoupled for adamw). lbfgs, scg and lm take only 0.",
        DefaultValueFactory = _ => "0",
        HelpName = "list",
    };

    public Option<string> Seeds { get; } = new("--seeds")
    {
        Description = "Seeds: each configuration is trained once per seed (initial weights, shuffling, validation split) and scored by the mean.",
        DefaultValueFactory = _ => "1",
        HelpName = "list",
    };

    public Option<int?> Random { get; } = new("--random")
    {
        Description = "Random search: try n distinct configurations drawn from the grid (seeded by --seed) instead of all of them.",
        HelpName = "n",
    };

    public Option<ulong> Seed { get; } = new("--seed") { Description = "Seed of --random's draw (not the trainings' seeds: those are --seeds).", DefaultValueFactory = _ => 1UL };

    public Option<string?> Shard { get; } = new("--shard")
    {
        Description = "Train only shard i of N (0-based): the configurations c with c mod N = i. Combine the shards' --results files with `sweep merge`.",
        HelpName = "i/N",
    };

    public Option<string?> Results { get; } = new("--results") { Description = "Write the results (with the sweep's definition and fingerprint) to this JSON file.", HelpName = "path" };

    public Option<string?> Out { get; } = new("--out")
    {
        Description = "Retrain the best configuration on all the data (first seed) and save it here, as train saves a model. Not with --shard.",
        HelpName = "path",
    };

    public Option<string> Plot { get; } = new("--plot")
    {
        Description = $"PNG of the validation accuracy (loss for regression) against the learning rate, one line per width. A shard draws none unless --plot is given.",
        DefaultValueFactory = _ => DefaultPlot,
        HelpName = "path",
    };

    public Option<bool> NoPlot { get; } = new("--no-plot") { Description = "Do not write the PNG." };

    /// <summary>train's options that sweep takes as they are.</summary>
    public IEnumerable<Option> Shared =>
    [
        Train.Activation, Train.OutputActivation, Train.Loss, Train.Epochs, Train.BatchSize, Train.Momentum, Train.Validation, Train.Patience, Train.MinDelta,
        Train.Monitor, Train.RestoreBest, Train.Stratify, Train.Scaling, Train.TargetScaling, Train.Divergence, Train.Threads,
    ];

    /// <summary>The options that change no result (where and how results are written): left out of the sweep's fingerprint.</summary>
    public IEnumerable<Option> Outputs => [Shard, Results, Out, Plot, NoPlot, Train.Threads];

    /// <summary>The grid's lists, kept out of the generic option description: the definition holds their parsed values.</summary>
    public IEnumerable<Option> Lists => [LearningRates, Widths, Depths, Optimizers, WeightDecays, Seeds];

    public void AddTo(Command command)
    {
        Train.AddTo(command, [.. Shared, .. Lists, Random, Seed, Shard, Results, Out, Plot, NoPlot]);
        LearningRates.Check(v => SweepLists.Problem(SweepLists.Rates, v, LearningRates.Name));
        Widths.Check(v => SweepLists.Problem(SweepLists.Widths, v, Widths.Name));
        Depths.Check(v => SweepLists.Problem(SweepLists.Depths, v, Depths.Name));
        Optimizers.Check(v => SweepLists.Problem(SweepLists.Optimizers, v, Optimizers.Name));
        WeightDecays.Check(v => SweepLists.Problem(SweepLists.Decays, v, WeightDecays.Name));
        Seeds.Check(v => SweepLists.Problem(SweepLists.Seeds, v, Seeds.Name));
        Random.Check(v => v is < 1 or > Sweeps.SweepSpace.MaxGridSize ? $"{Random.Name} is {v}; expected 1 to {Sweeps.SweepSpace.MaxGridSize} configurations." : null);
        Shard.Check(v =>
        {
            if (v is null) return null;
            try
            {
                Sweeps.SweepShard.Parse(v);
                return null;
            }
            catch (FormatException e)
            {
                return $"{Shard.Name} {e.Message}";
            }
        });
    }
}
