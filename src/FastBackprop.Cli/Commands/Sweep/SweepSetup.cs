using System.CommandLine;
using FastBackprop.Cli.Commands.Train;
using FastBackprop.Data;
using FastBackprop.Sweeps;
using FastBackprop.Training;

namespace FastBackprop.Cli.Commands.Sweep;

/// <summary>A sweep as the command line describes it: the data, the space and its configurations, the library's
/// <see cref="Sweeps.Sweep"/> with train's network, optimizer and options, and each seed's data scaled as train scales
/// it (the input and target scalings fitted on that seed's training part only).</summary>
internal sealed class SweepSetup
{
    private readonly ParseResult parse;
    private readonly SweepCommandOptions o;
    private readonly Dictionary<ulong, Dataset> scaledForSeed = [];

    public SweepSetup(ParseResult parse, SweepCommandOptions o, CliContext context)
    {
        this.parse = parse;
        this.o = o;
        TrainCommandOptions t = o.Train;
        Fraction = parse.GetValue(t.Validation);
        if (!(Fraction > 0)) throw new UserException($"{t.Validation.Name} is 0; a sweep scores every configuration on its validation split, so give a fraction above 0 (default 0.1).");
        Loaded = t.Data.Load(parse, context, preferTest: false);
        Classify = Loaded.Data.HasLabels;
        Stratified = t.Stratified(parse, Classify);
        if (t.MonitoredMetric(parse) == MonitoredMetric.Accuracy && !Classify)
        {
            throw new UserException($"{t.Monitor.Name} accuracy needs class labels, but {Loaded.Source} is regression data; use {t.Monitor.Name} loss.");
        }
        Space = BuildSpace();
        int? random = parse.GetValue(o.Random);
        IsRandom = random is not null;
        Configurations = UserData.About("the sweep", () => random is int n ? Space.Random(n, parse.GetValue(o.Seed)) : Space.Grid());
        CheckShapes();
        Sweep = new Sweeps.Sweep(Space, Configurations, CreateNetwork) { Options = Options(), StratifyLabelled = Stratified };
    }

    public LoadedData Loaded { get; }

    public bool Classify { get; }

    public double Fraction { get; }

    public bool Stratified { get; }

    /// <summary>--random: configurations drawn from the grid rather than all of it.</summary>
    public bool IsRandom { get; }

    public SweepSpace Space { get; }

    public IReadOnlyList<SweepConfiguration> Configurations { get; }

    public Sweeps.Sweep Sweep { get; }

    /// <summary>Seed s's data: the loaded data with the input scaling (and the regression targets' standardisation)
    /// fitted on the training part of seed s's validation split, the rows train's --seed s would train on.</summary>
    public Dataset DataForSeed(ulong seed)
    {
        if (!scaledForSeed.TryGetValue(seed, out Dataset? data))
        {
            (Dataset training, _) = TrainCommand.Split(Loaded.Data, Fraction, seed, Stratified);
            data = Scaled(Loaded.Data, training).Data;
            scaledForSeed[seed] = data;
        }
        return data;
    }

    /// <summary>All the data scaled on all of it, as train --validation 0 scales it, and the targets' scaling (or null): for the refit.</summary>
    public (Dataset Data, TargetScaling? Targets) AllData() => Scaled(Loaded.Data, Loaded.Data);

    private (Dataset Data, TargetScaling? Targets) Scaled(Dataset all, Dataset fitOn)
    {
        TrainCommandOptions t = o.Train;
        InputScaling? scaling = ScalingFactory.Fit(parse.GetValue(t.Scaling)!, Loaded, fitOn);
        if (scaling is not null)
        {
            all = UserData.About(Loaded.Source, () => scaling.Apply(all));
            fitOn = UserData.About(Loaded.Source, () => scaling.Apply(fitOn));
        }
        NetworkDefinition definition = CreateNetwork(Configurations[0]).Definition;
        TargetScaling? targets = TargetScalingFactory.Fit(parse.GetValue(t.TargetScaling)!, t.TargetScaling.Name, Loaded, fitOn, definition);
        if (targets is not null) all = UserData.About(Loaded.Source, () => targets.Apply(all));
        return (all, targets);
    }

    public Network CreateNetwork(SweepConfiguration c)
    {
        int[] widths = [Loaded.Data.InputWidth, .. Enumerable.Repeat(c.Width, c.Depth), Loaded.Data.TargetWidth];
        return NetworkFactory.Build(parse, o.Train, widths, Classify);
    }

    private SweepSpace BuildSpace()
    {
        TrainCommandOptions t = o.Train;
        string[] names = SweepLists.Optimizers(parse.GetValue(o.Optimizers)!, o.Optimizers.Name);
        float[] decays = SweepLists.Decays(parse.GetValue(o.WeightDecays)!, o.WeightDecays.Name);
        foreach (string name in names)
        {
            if (decays.Any(d => d > 0) && !OptimizerFactory.HasWeightDecay(name, t))
            {
                throw new UserException($"{o.WeightDecays.Name} has a decay above 0, but {o.Optimizers.Name} {name} has no weight decay; sweep it separately with {o.WeightDecays.Name} 0.");
            }
        }
        int trainingCount = TrainCommand.Split(Loaded.Data, Fraction, 1, Stratified).Training.Count;
        bool batchGiven = parse.GetResult(t.BatchSize) is { Implicit: false }, epochsGiven = parse.GetResult(t.Epochs) is { Implicit: false };
        return new SweepSpace
        {
            LearningRates = SweepLists.Rates(parse.GetValue(o.LearningRates)!, o.LearningRates.Name),
            Widths = SweepLists.Widths(parse.GetValue(o.Widths)!, o.Widths.Name),
            Depths = SweepLists.Depths(parse.GetValue(o.Depths)!, o.Depths.Name),
            WeightDecays = decays,
            Seeds = SweepLists.Seeds(parse.GetValue(o.Seeds)!, o.Seeds.Name),
            Optimizers = [.. names.Select(name =>
            {
                // train's defaults: a full-batch method trains on the whole training set per step, and the epochs follow the batch.
                bool fullBatch = OptimizerFactory.FullBatch(name);
                int batch = batchGiven || !fullBatch ? parse.GetValue(t.BatchSize) : trainingCount;
                int epochs = epochsGiven ? parse.GetValue(t.Epochs) : DefaultEpochs.For(trainingCount, batch, fullBatch);
                return new SweepOptimizer(name, (n, decay) => OptimizerFactory.Create(parse, t, name, decay, n)) { BatchSize = batch, Epochs = epochs };
            })],
        };
    }

    // Every network shape of the sweep, built once before any training: a bad --activation or --loss is reported up front.
    private void CheckShapes()
    {
        foreach (SweepConfiguration c in Configurations.DistinctBy(c => (c.Width, c.Depth))) CreateNetwork(c);
    }

    private TrainingOptions Options()
    {
        TrainCommandOptions t = o.Train;
        var options = new TrainingOptions
        {
            ValidationFraction = Fraction,
            EarlyStoppingPatience = parse.GetValue(t.Patience),
            EarlyStoppingMinDelta = parse.GetValue(t.MinDelta),
            RestoreBestWeights = parse.GetValue(t.RestoreBest) == "on",
            Monitor = t.MonitoredMetric(parse),
            OnDivergence = t.DivergencePolicy(parse),
        };
        return parse.GetValue(t.Threads) is int threads ? options with { DegreeOfParallelism = threads } : options;
    }
}
