using FastBackprop.Data;
using FastBackprop.Training;
using Xunit;
using static FastBackprop.Tests.Training.TrainingSamples;

namespace FastBackprop.Tests.Training;

/// <summary>Trainer.FitMany: the outcomes of Fit, whatever the threads; its checks before any training; one pool per Fit.</summary>
public class FitManyTests
{
    private static Dataset Digits300 => DigitsSplit().Train.Subset([.. Enumerable.Range(0, 300)]);

    private static Network DigitsNetwork(int hidden, ulong seed)
    {
        var network = new Network(64, Loss.CrossEntropy, new Dense(hidden, TransferFunction.Relu), new Dense(10, TransferFunction.Softmax));
        network.InitializeWeights(seed);
        return network;
    }

    // Rows 0, 3, 6, ... of 300 with every fifth one repeated: a bootstrap-like row list.
    private static int[] SomeRows()
    {
        var rows = new List<int>();
        for (int r = 0; r < 300; r += 3)
        {
            rows.Add(r);
            if (r % 5 == 0) rows.Add(r);
        }
        return [.. rows];
    }

    /// <summary>Jobs of different shapes, optimizers, batch sizes, validation and stopping rules, one that diverges and
    /// one whose callback throws; each call makes fresh networks and optimizers.</summary>
    private static TrainingJob[] MixedJobs()
    {
        Dataset digits = Digits300, regression = Regression();
        Dataset regressionValidation = regression.Subset([.. Enumerable.Range(150, 50)]);
        Network adam = DigitsNetwork(32, 1), early = RegressionNetwork(), online = DigitsNetwork(16, 3);
        Network diverging = RegressionNetwork(), failing = DigitsNetwork(8, 4), stopping = DigitsNetwork(24, 5);
        return
        [
            new(adam, digits, new TrainingOptions { Epochs = 2, BatchSize = 32, Seed = 1, LearningRate = 0.001f, Optimizer = new Adam(adam.Definition.ParameterCount), ValidationFraction = 0.2 }),
            new(early, regression, new TrainingOptions { Epochs = 4, BatchSize = 8, Seed = 2, LearningRate = 0.05f, Validation = regressionValidation, EarlyStoppingPatience = 1 }),
            new(online, digits, new TrainingOptions { Epochs = 1, BatchSize = 1, Seed = 3, LearningRate = 0.01f, ValidationFraction = 0.25, StratifiedValidation = true }, SomeRows()),
            new(diverging, regression, new TrainingOptions { Epochs = 2, BatchSize = 20, Seed = 4, LearningRate = 1e30f }),
            new(failing, digits, new TrainingOptions
            {
                Epochs = 2, BatchSize = 16, Seed = 5, LearningRate = 0.01f, Optimizer = new Sgd(failing.Definition.ParameterCount, momentum: 0.9f),
                BatchCompleted = r => { if (r.Batch == 3) throw new InvalidOperationException("callback failed at batch 3"); },
            }),
            new(stopping, digits, new TrainingOptions
            {
                Epochs = 6, BatchSize = 64, Seed = 6, LearningRate = 0.003f, Optimizer = new Adam(stopping.Definition.ParameterCount),
                ValidationFraction = 0.3, EarlyStoppingPatience = 1, Monitor = MonitoredMetric.Accuracy, DegreeOfParallelism = 1,
            }, [.. Enumerable.Range(0, 150).Select(i => 2 * i)]),
        ];
    }

    private static string[] Sequential(TrainingJob[] jobs) =>
        [.. jobs.Select(j => ManyTraining.DescribeFit(j.Network, j.Rows is null ? j.Data : j.Data.Subset([.. j.Rows]), j.Options))];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(0)]
    public void FitMany_MixedJobs_GiveEachJobTheBitsOfFitAlone(int degreeOfParallelism)
    {
        string[] expected = Sequential(MixedJobs());

        IReadOnlyList<TrainingOutcome> outcomes = Trainer.FitMany(MixedJobs(), degreeOfParallelism, TestContext.Current.CancellationToken);

        Assert.Equal(expected.Length, outcomes.Count);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], ManyTraining.Describe(outcomes[i]));
        Assert.IsType<TrainingDivergedException>(outcomes[3].Failure);
        Assert.IsType<InvalidOperationException>(outcomes[4].Failure);
        Assert.All(new[] { 0, 1, 2, 5 }, i => Assert.True(outcomes[i].Succeeded, outcomes[i].Failure?.ToString()));
        Assert.Equal(StopReason.EarlyStopped, outcomes[1].History!.StopReason);
    }

    [Fact]
    public void FitMany_NoJobs_ReturnsNoOutcomes() =>
        Assert.Empty(Trainer.FitMany([], 2, TestContext.Current.CancellationToken));

    [Fact]
    public void FitMany_Cancelled_StopsEveryJobAfterItsCurrentBatch()
    {
        using var cts = new CancellationTokenSource();
        TrainingJob[] jobs = MixedJobs();
        jobs[0] = new TrainingJob(jobs[0].Network, jobs[0].Data, jobs[0].Options with { BatchCompleted = r => { if (r.Batch == 2) cts.Cancel(); } });
        float[][] before = [.. jobs.Select(j => j.Network.Parameters.ToArray())];

        IReadOnlyList<TrainingOutcome> outcomes = Trainer.FitMany(jobs, 1, cts.Token);

        Assert.All(outcomes, o => Assert.Equal(StopReason.Cancelled, o.History!.StopReason));
        Assert.All(outcomes, o => Assert.Empty(o.History!.Epochs));
        Assert.NotEqual(before[0], jobs[0].Network.Parameters.ToArray());   // three batches of the first job ran
        for (int i = 1; i < jobs.Length; i++) Assert.Equal(before[i], jobs[i].Network.Parameters.ToArray());
    }

    // ---- checks before training -------------------------------------------------------------

    // Fit's message for these arguments, without the runtime's " (Parameter ...)".
    private static string FitMessage(Network network, Dataset data, TrainingOptions options)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => Fit(network, data, options));
        return e.ParamName is null ? e.Message : e.Message.Split($" (Parameter '{e.ParamName}')")[0];
    }

    // FitMany's error for these jobs, after checking that no job's network was touched and no callback ran.
    private static ArgumentException RefusedBeforeTraining(TrainingJob[] jobs)
    {
        float[][] before = [.. jobs.Select(j => j.Network.Parameters.ToArray())];
        var e = Assert.Throws<ArgumentException>("jobs", () => Trainer.FitMany(jobs, 2, TestContext.Current.CancellationToken));
        for (int i = 0; i < jobs.Length; i++) Assert.Equal(before[i], jobs[i].Network.Parameters.ToArray());
        return e;
    }

    private static TrainingJob Counted(TrainingJob job, Action count) =>
        new(job.Network, job.Data, job.Options with { BatchCompleted = _ => count() }, job.Rows is null ? null : [.. job.Rows]);

    [Fact]
    public void FitMany_JobWithInvalidOptions_ThrowsNamingTheJobWithFitsMessage_BeforeAnyTraining()
    {
        int batches = 0;
        TrainingJob[] jobs = [.. MixedJobs().Take(3).Select(j => Counted(j, () => batches++))];
        TrainingOptions bad = jobs[2].Options with { BatchSize = 0 };
        string fit = FitMessage(DigitsNetwork(16, 3), jobs[2].Data.Subset([.. jobs[2].Rows!]), bad);
        jobs[2] = new TrainingJob(jobs[2].Network, jobs[2].Data, bad, [.. jobs[2].Rows!]);

        ArgumentException e = RefusedBeforeTraining(jobs);

        Assert.StartsWith($"jobs[2]: {fit}", e.Message, StringComparison.Ordinal);
        Assert.Contains("BatchSize", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, batches);
    }

    [Fact]
    public void FitMany_TwoJobsSharingANetwork_ThrowsNamingBoth()
    {
        TrainingJob[] jobs = MixedJobs();
        jobs[4] = new TrainingJob(jobs[1].Network, Regression(), new TrainingOptions { Epochs = 1 });
        Assert.StartsWith("jobs[4] trains the network that jobs[1] uses too; each job needs its own network.", RefusedBeforeTraining(jobs).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FitMany_TwoJobsSharingAnOptimizer_ThrowsNamingBoth()
    {
        TrainingJob[] jobs = MixedJobs();
        Network other = DigitsNetwork(32, 9);
        jobs[3] = new TrainingJob(other, Digits300, jobs[0].Options);   // the same options, so the same Adam and its moments
        Assert.StartsWith("jobs[3] steps the optimizer (options.Optimizer, whose state a step changes) that jobs[0] uses too; each job needs its own optimizer.",
            RefusedBeforeTraining(jobs).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FitMany_TwoJobsSharingACheckpointFile_ThrowsNamingBoth()
    {
        string path = Path.Combine(Path.GetTempPath(), "fitmany-shared.ckpt");
        TrainingJob[] jobs = MixedJobs();
        jobs[1] = new TrainingJob(jobs[1].Network, jobs[1].Data, jobs[1].Options with { CheckpointPath = path });
        jobs[2] = new TrainingJob(jobs[2].Network, jobs[2].Data, jobs[2].Options with { CheckpointPath = path }, [.. jobs[2].Rows!]);
        Assert.StartsWith($"jobs[2] saves checkpoints to the file (options.CheckpointPath {path}) that jobs[1] uses too", RefusedBeforeTraining(jobs).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FitMany_NullJobOrNegativeThreads_Throws()
    {
        TrainingJob[] jobs = MixedJobs();
        var e = Assert.Throws<ArgumentNullException>("jobs", () => Trainer.FitMany([jobs[0], null!], 1, TestContext.Current.CancellationToken));
        Assert.StartsWith("jobs[1] is null.", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>("degreeOfParallelism", () => Trainer.FitMany(jobs, -1, TestContext.Current.CancellationToken));
    }

    // ---- rows: checked as the subset would be -----------------------------------------------

    // Six patterns of two inputs whose targets are distributions, but for row 4's.
    private static Dataset Distributions() => new(
        [[0f, 1f], [1f, 0f], [0.5f, 0.5f], [1f, 1f], [0f, 0f], [0.2f, 0.8f]],
        [[1f, 0f], [0f, 1f], [0.5f, 0.5f], [0.25f, 0.75f], [1.5f, -0.5f], [0f, 1f]]);

    private static Network SoftmaxNetwork()
    {
        var network = new Network(2, Loss.CrossEntropy, new Dense(2, TransferFunction.Softmax));
        network.InitializeWeights(1);
        return network;
    }

    [Fact]
    public void FitMany_Rows_JudgesTheTargetsOfItsRowsOnly_NamingTheRow()
    {
        var options = new TrainingOptions { Epochs = 1, BatchSize = 2 };
        TrainingOutcome good = Trainer.FitMany([new TrainingJob(SoftmaxNetwork(), Distributions(), options, [0, 1, 5, 3])], 1, TestContext.Current.CancellationToken)[0];
        Assert.True(good.Succeeded);

        string fit = FitMessage(SoftmaxNetwork(), Distributions().Subset([0, 4]), options);   // "data pattern 1: ..."
        ArgumentException e = RefusedBeforeTraining([new TrainingJob(SoftmaxNetwork(), Distributions(), options, [0, 4])]);
        Assert.StartsWith("jobs[0]: " + fit.Replace("data pattern 1:", "data pattern 1 (row 4 of the data set):", StringComparison.Ordinal), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FitMany_RowsWhoseWeightsAreAllZero_ThrowsFitsMessageForTheSubset()
    {
        Dataset weighted = Distributions().Subset([0, 1, 2, 3, 5]).WithWeights([0f, 0f, 1f, 1f, 1f]);
        var options = new TrainingOptions { Epochs = 1, BatchSize = 2 };
        string fit = FitMessage(SoftmaxNetwork(), weighted.Subset([1, 0, 1]), options);
        ArgumentException e = RefusedBeforeTraining([new TrainingJob(SoftmaxNetwork(), weighted, options, [1, 0, 1])]);
        Assert.StartsWith("jobs[0]: " + fit, e.Message, StringComparison.Ordinal);
        Assert.Contains("all 0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FitMany_RowsWhoseTrainingPartWeighsNothing_ThrowsFitsMessageForTheSubset()
    {
        Dataset data = DigitsSplit().Train;
        int[] rows = [.. Enumerable.Range(40, 8)];
        var (_, trainPositions) = data.Subset(rows).SplitRows(0.5, 7 ^ 0x5EED5EED5EED5EEDUL);
        float[] w = new float[data.Count];
        Array.Fill(w, 1f);
        foreach (int p in trainPositions) w[rows[p]] = 0f;
        Dataset weighted = data.WithWeights(w);
        var options = new TrainingOptions { Epochs = 1, Seed = 7, ValidationFraction = 0.5 };
        string fit = FitMessage(DigitsNetwork(32, 1), weighted.Subset(rows), options);

        ArgumentException e = RefusedBeforeTraining([new TrainingJob(DigitsNetwork(32, 1), weighted, options, rows)]);

        Assert.StartsWith("jobs[0]: " + fit, e.Message, StringComparison.Ordinal);
        Assert.Contains("training patterns (after the validation split)", e.Message, StringComparison.Ordinal);
    }

    // ---- threads and pools ------------------------------------------------------------------

    [Fact]
    public void Fit_WithThreadsAndValidation_StartsOnePoolForTheStepAndTheEvaluation()
    {
        Network network = DigitsNetwork(32, 1);
        var options = new TrainingOptions { Epochs = 1, BatchSize = 32, Optimizer = new Adam(network.Definition.ParameterCount), ValidationFraction = 0.2, DegreeOfParallelism = 2 };
        int before = WorkerPool.CreatedOnThisThread;
        Fit(network, Digits300, options);
        Assert.Equal(1, WorkerPool.CreatedOnThisThread - before);
    }

    [Fact]
    public void FitMany_AtLeastAsManyJobsAsThreads_StartsNoPool()
    {
        TrainingJob[] jobs = [.. MixedJobs().Take(3)];   // batch steps with workspaces, validation: each would start a pool with threads
        int before = WorkerPool.CreatedOnThisThread;
        Trainer.FitMany(jobs, 2, TestContext.Current.CancellationToken);
        Assert.Equal(0, WorkerPool.CreatedOnThisThread - before);
    }

    [Fact]
    public void FitMany_FewerJobsThanThreads_GivesTheSpareThreadsToTheJobs()
    {
        TrainingJob[] jobs = [.. MixedJobs().Take(2)];   // of 3 threads, jobs[0] gets 2 (a pool) and jobs[1] 1 (none)
        int before = WorkerPool.CreatedOnThisThread;
        Trainer.FitMany(jobs, 3, TestContext.Current.CancellationToken);
        Assert.Equal(1, WorkerPool.CreatedOnThisThread - before);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 4)]
    [InlineData(2, 3)]
    [InlineData(3, 8)]
    [InlineData(5, 2)]
    [InlineData(7, 7)]
    public void ThreadsFor_SharesTheBudgetWithoutExceedingIt(int items, int budget)
    {
        int[] shares = [.. Enumerable.Range(0, items).Select(i => WorkScheduler.ThreadsFor(i, items, budget))];
        Assert.All(shares, s => Assert.True(s >= 1));
        Assert.Equal(items < budget ? budget : items, shares.Sum());   // fewer items share the whole budget; more train alone
        Assert.True(shares.Max() - shares.Min() <= 1);
    }

    /// <summary>The README's "Many networks at once" example, in substance.</summary>
    [Fact]
    public void ReadmeExample_BaggedEnsembleTrainsOnEveryCore()
    {
        var (train, test) = EmbeddedData.Digits().Split(0.8, seed: 2026);
        var jobs = new List<TrainingJob>();
        for (int k = 0; k < 8; k++)
        {
            var network = new Network(64, Loss.CrossEntropy, new Dense(32, TransferFunction.Relu), new Dense(10, TransferFunction.Softmax));
            network.InitializeWeights(seed: (ulong)k + 1);
            var random = new SeededRandom((ulong)k);
            int[] bootstrap = new int[train.Count];
            for (int i = 0; i < bootstrap.Length; i++) bootstrap[i] = random.NextInt32(train.Count);
            jobs.Add(new TrainingJob(network, train, new TrainingOptions
            {
                Epochs = 10,
                BatchSize = 32,
                Seed = (ulong)k + 1,
                ValidationFraction = 0.1,
                Optimizer = new Adam(network.Definition.ParameterCount),
                LearningRate = 1e-3f,
            }, rows: bootstrap));
        }
        IReadOnlyList<TrainingOutcome> outcomes = Trainer.FitMany(jobs, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(8, outcomes.Count);
        for (int k = 0; k < 8; k++)
        {
            Assert.Same(jobs[k], outcomes[k].Job);
            Assert.True(outcomes[k].Succeeded, outcomes[k].Failure?.ToString());
            Assert.Equal(10, outcomes[k].History!.Epochs.Count);
            Assert.True(Trainer.Evaluate(outcomes[k].Job.Network, test).Accuracy > 0.85, $"member {k}");
        }
    }
}
