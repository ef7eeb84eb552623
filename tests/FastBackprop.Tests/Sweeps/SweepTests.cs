using FastBackprop.Data;
using FastBackprop.Sweeps;
using FastBackprop.Training;
using Xunit;

namespace FastBackprop.Tests.Sweeps;

/// <summary>A sweep's trainings are plain Fits, bit for bit; shards merge into the unsharded results; the best rule.</summary>
public sealed class SweepTests
{
    private static readonly Lazy<Dataset> Digits = new(() => EmbeddedData.Digits().Subset([.. Enumerable.Range(0, 300)]));

    private static readonly SweepSpace Space = new()
    {
        LearningRates = [0.003f, 0.03f],
        Widths = [8, 12],
        Depths = [0, 1],
        Optimizers = [SweepOptimizer.PlainSgd, SweepOptimizer.Adam],
        WeightDecays = [0f, 1e-3f],
        Seeds = [1, 7],
    };

    private static Sweep Make(SweepSpace space, IReadOnlyList<SweepConfiguration> configurations) =>
        new(space, configurations, Sweep.DenseNetworks(64, 10, TransferFunction.Relu, TransferFunction.Softmax, Loss.CrossEntropy))
        {
            Options = new TrainingOptions { Epochs = 2, BatchSize = 20, ValidationFraction = 0.2, DegreeOfParallelism = 1 },
        };

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void EveryTraining_IsThePlainFitOfItsConfiguration()
    {
        SweepSpace space = Space with { LearningRates = [0.01f], WeightDecays = [0f, 1e-3f], Widths = [8] };
        Sweep sweep = Make(space, space.Grid());
        IReadOnlyList<SweepResult> results = sweep.Run(Digits.Value, cancellationToken: Token);
        Assert.Equal(sweep.Configurations.Count, results.Count);
        foreach (SweepResult result in results)
        {
            SweepConfiguration c = result.Configuration;
            for (int s = 0; s < space.Seeds.Count; s++)
            {
                (Network alone, TrainingHistory history) = PlainFit(c, space.Seeds[s]);
                SweepRun plain = SweepRun.From(space.Seeds[s], new TrainingOutcome(null!, history, null), labelled: true);
                Assert.Equal(plain with { Seconds = 0 }, result.Runs[s] with { Seconds = 0 });   // record equality: exact doubles

                TrainingJob job = sweep.Job(c, space.Seeds[s], Digits.Value);
                TrainingOutcome outcome = Trainer.FitMany([job], cancellationToken: Token)[0];
                Assert.True(alone.Parameters.SequenceEqual(job.Network.Parameters), $"configuration {c.Index}, seed {space.Seeds[s]}: the weights differ from the plain Fit's");
                Assert.Equal(Bits(history), Bits(outcome.History!));
            }
        }
    }

    // The configuration trained by hand, the way the Sweep docs say it is trained.
    private static (Network, TrainingHistory) PlainFit(SweepConfiguration c, ulong seed)
    {
        var layers = new List<Layer>();
        for (int l = 0; l < c.Depth; l++) layers.Add(new Dense(c.Width, TransferFunction.Relu));
        layers.Add(new Dense(10, TransferFunction.Softmax));
        var network = new Network(64, Loss.CrossEntropy, [.. layers]);
        network.InitializeWeights(seed);
        int n = network.Definition.ParameterCount;
        Optimizer? optimizer = c.Optimizer.Name switch
        {
            "sgd" => c.WeightDecay > 0 ? new Sgd(n, weightDecay: c.WeightDecay) : null,
            "adam" => new Adam(n, weightDecay: c.WeightDecay),
            _ => throw new InvalidOperationException(c.Optimizer.Name),
        };
        var options = new TrainingOptions
        {
            Epochs = 2,
            BatchSize = 20,
            ValidationFraction = 0.2,
            StratifiedValidation = true,
            DegreeOfParallelism = 1,
            LearningRate = c.LearningRate,
            Optimizer = optimizer,
            Seed = seed,
        };
        return (network, Trainer.Fit(network, Digits.Value, options, cancellationToken: Token));
    }

    // A history's figures as bits (elapsed times and speeds left out: they are wall-clock).
    private static string Bits(TrainingHistory h) => string.Join(";", h.Epochs.Select(e =>
        $"{e.Epoch}:{BitConverter.DoubleToInt64Bits(e.TrainingLoss)}:{BitConverter.DoubleToInt64Bits(e.Validation!.Loss)}:{BitConverter.DoubleToInt64Bits(e.Validation.Accuracy!.Value)}:{BitConverter.SingleToInt32Bits(e.LearningRate)}"))
        + $"|{h.StopReason}|{h.BestEpoch}|{h.Weights}";

    // The results without their wall-clock seconds, as exact text (doubles by their bits).
    private static string Figures(IEnumerable<SweepResult> results) => string.Join("\n", results.Select(r =>
        $"{r.Configuration}|" + string.Join(",", r.Runs.Select(run => (run with { Seconds = 0 }).ToString() + BitConverter.DoubleToInt64Bits(run.ValidationLoss)))));

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void ShardsMerged_GiveTheUnshardedResults(int count)
    {
        Sweep sweep = Make(Space, Space.Random(7, seed: 42));
        IReadOnlyList<SweepResult> whole = sweep.Run(Digits.Value, cancellationToken: Token);
        var shards = new List<IReadOnlyList<SweepResult>>();
        for (int i = count - 1; i >= 0; i--) shards.Add(sweep.Run(Digits.Value, new SweepShard(i, count), cancellationToken: Token));   // any order
        Assert.All(shards, s => Assert.NotEmpty(s));
        IReadOnlyList<SweepResult> merged = sweep.Merge(shards);
        Assert.Equal(Figures(whole), Figures(merged));
        Assert.Equal(Sweep.Best(whole)!.Configuration, Sweep.Best(merged)!.Configuration);
    }

    [Fact]
    public void Merge_RefusesDuplicatesAndMissingConfigurations()
    {
        Sweep sweep = Make(Space, Space.Random(3, seed: 5));
        IReadOnlyList<SweepResult> a = sweep.Run(Digits.Value, new SweepShard(0, 2), cancellationToken: Token);
        IReadOnlyList<SweepResult> b = sweep.Run(Digits.Value, new SweepShard(1, 2), cancellationToken: Token);
        Assert.Contains("configuration 0 is in two shards", Assert.Throws<ArgumentException>(() => sweep.Merge([a, b, a])).Message, StringComparison.Ordinal);
        Assert.Contains("configuration 1 is in no shard", Assert.Throws<ArgumentException>(() => sweep.Merge([a])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ReportsEachConfigurationOnceInOrder()
    {
        Sweep sweep = Make(Space, Space.Random(5, seed: 9));
        var seen = new List<int>();
        sweep.Run(Digits.Value, new SweepShard(1, 2), progress: new Collect(seen), cancellationToken: Token);
        Assert.Equal([1, 3], seen);
    }

    [Fact]
    public void Run_WithoutValidation_IsRefused()
    {
        Sweep made = Make(Space, Space.Random(1, seed: 9));
        var sweep = new Sweep(made.Space, made.Configurations, made.CreateNetwork) { Options = new TrainingOptions { Epochs = 1 } };
        Assert.Contains("ValidationFraction", Assert.Throws<ArgumentException>(() => sweep.Run(Digits.Value, cancellationToken: Token)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Best_IsTheHighestAccuracy_TiesToTheLowestIndex_FailuresNever()
    {
        SweepResult R(int index, double accuracy, string? failure = null) =>
            new(new SweepConfiguration(index, index, 0.1f, 8, 1, SweepOptimizer.Adam, 0f), [new SweepRun(1, 1 - accuracy, failure is null ? accuracy : double.NaN, null, 3, 3, 0, failure)]);
        Assert.Equal(1, Sweep.Best([R(0, 0.5), R(1, 0.9), R(2, 0.9), R(3, 0.2)])!.Configuration.Index);
        Assert.Equal(0, Sweep.Best([R(0, 0.5), R(1, 0.9, "diverged")])!.Configuration.Index);
        Assert.Null(Sweep.Best([R(0, 0.5, "diverged")]));

        SweepResult L(int index, double loss) => new(new SweepConfiguration(index, index, 0.1f, 8, 1, SweepOptimizer.Adam, 0f), [new SweepRun(1, loss, null, loss, 3, 3, 0, null)]);
        Assert.Equal(2, Sweep.Best([L(0, 0.5), L(1, 0.9), L(2, 0.1), L(3, 0.1)])!.Configuration.Index);
    }

    [Fact]
    public void Refit_TrainsTheConfigurationOnAllTheData()
    {
        Sweep sweep = Make(Space, Space.Grid());
        (Network network, TrainingHistory history) = sweep.Refit(sweep.Configurations[5], Digits.Value, Token);
        Assert.Equal(2, history.Epochs.Count);
        Assert.All(history.Epochs, e => Assert.Null(e.Validation));
        Assert.Equal(sweep.Configurations[5].Depth + 1, network.Definition.LayerCount);
    }

    [Fact]
    public void ReadmeExample_RunsAndRefitsTheBest()
    {
        var (train, _) = EmbeddedData.Digits().Split(0.8, seed: 2026);
        var space = new SweepSpace
        {
            LearningRates = [0.001f, 0.01f],
            Widths = [16, 32],
            Depths = [1],
            Optimizers = [SweepOptimizer.Adam, SweepOptimizer.PlainSgd],
            WeightDecays = [0f],
            Seeds = [1, 2],
        };
        var sweep = new Sweep(space, space.Grid(),
            Sweep.DenseNetworks(64, 10, TransferFunction.Relu, TransferFunction.Softmax, Loss.CrossEntropy))
        {
            Options = new TrainingOptions { Epochs = 5, BatchSize = 32, ValidationFraction = 0.1 },
        };
        IReadOnlyList<SweepResult> results = sweep.Run(train, cancellationToken: Token);
        SweepResult best = Sweep.Best(results)!;
        (Network model, _) = sweep.Refit(best.Configuration, train, Token);

        Assert.Equal(8, results.Count);
        Assert.All(results, r => Assert.Equal(2, r.Runs.Count));
        Assert.All(results, r => Assert.False(best.Configuration.Index != r.Configuration.Index && r.IsBetterThan(best)));
        Assert.True(best.ValidationAccuracy!.Value.Mean > 0.8, $"{best}");
        Assert.Equal(best.Configuration.Width, model.Definition.Layers[0] is Dense d ? d.Width : -1);
    }

    private sealed class Collect(List<int> seen) : IProgress<SweepResult>
    {
        public void Report(SweepResult value) => seen.Add(value.Configuration.Index);
    }
}
