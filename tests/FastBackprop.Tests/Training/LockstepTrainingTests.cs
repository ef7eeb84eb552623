using FastBackprop.Data;
using FastBackprop.Training;
using Xunit;
using static FastBackprop.Tests.Training.LockstepHarness;
using static FastBackprop.Tests.Training.TrainingSamples;

namespace FastBackprop.Tests.Training;

// ---------------------------------------------------------------------------------------------
// Lock-step training against Trainer.Fit, job by job, with the test engine whose lanes are real
// networks stepped by their own BatchStep (LockstepSeparateLaneStep): every job's weights, history,
// failure, callbacks and checkpoint file must be Fit's, bit for bit, whatever the other jobs of its
// group do (other data sizes, epochs, schedules, early stopping, divergence, cancellation).
// ---------------------------------------------------------------------------------------------

/// <summary>Fixed groups of lock-step training against Fit alone.</summary>
public class LockstepTrainingTests
{
    private static Network Regressor(ulong seed)
    {
        var network = new Network(3, Loss.HalfSquaredError, new Dense(8, TransferFunction.Tanh), new Dense(2, TransferFunction.Identity));
        network.InitializeWeights(seed);
        return network;
    }

    private static Network Classifier(ulong seed)
    {
        var network = new Network(3, Loss.CrossEntropy, new Dense(6, TransferFunction.Tanh), new Dense(3, TransferFunction.Softmax));
        network.InitializeWeights(seed);
        return network;
    }

    /// <summary>150 points of 3 inputs in 3 classes (by which input is largest, noisy).</summary>
    internal static Dataset Classes(ulong seed = 5, int count = 150)
    {
        var random = new SeededRandom(seed);
        var inputs = new float[count][];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            inputs[i] = [random.NextSymmetric(1), random.NextSymmetric(1), random.NextSymmetric(1)];
            int best = 0;
            for (int k = 1; k < 3; k++) best = inputs[i][k] > inputs[i][best] ? k : best;
            labels[i] = random.NextInt32(10) == 0 ? (best + 1) % 3 : best;
        }
        return new Dataset(inputs, labels, 3);
    }

    private static LockstepCase Regression(string name, ulong seed, Func<Network, LockstepRecorder, TrainingOptions> options, int[]? rows = null) =>
        new(name, () => Regressor(seed), TrainingSamples.Regression(), options, rows);

    private static TrainingOptions Base(LockstepRecorder r, ulong seed, int epochs = 3, int batchSize = 20, float rate = 0.05f) => new()
    {
        Epochs = epochs,
        BatchSize = batchSize,
        Seed = seed,
        LearningRate = rate,
        BatchCompleted = r.Batch,
        Progress = r,
    };

    private static int[] Rows(int count, ulong seed)
    {
        var random = new SeededRandom(seed);
        var rows = new int[count];
        for (int i = 0; i < count; i++) rows[i] = random.NextInt32(200);   // a bootstrap sample: repeats allowed
        return rows;
    }

    [Fact]
    public void Fit_MixedRegressionGroup_GivesEveryJobFitsBits()
    {
        Dataset validation = TrainingSamples.Regression().Subset([.. Enumerable.Range(0, 50)]);
        LockstepCase[] cases =
        [
            Regression("plain", 1, (n, r) => Base(r, 1)),
            Regression("other seed and rate, 5 epochs", 2, (n, r) => Base(r, 7, epochs: 5, rate: 0.1f)),
            Regression("bootstrap rows, 8 batches", 3, (n, r) => Base(r, 3), Rows(150, 3)),
            Regression("rows, 3 batches, 7 epochs", 4, (n, r) => Base(r, 4, epochs: 7), Rows(41, 4)),
            Regression("per-epoch step decay", 5, (n, r) => Base(r, 5, epochs: 4) with { Schedule = LearningRateSchedule.StepDecay(0.1f, 2, 0.5f) }),
            Regression("per-step cosine", 6, (n, r) => Base(r, 6) with { Schedule = LearningRateSchedule.Cosine(0.1f, 30), ScheduleUnit = ScheduleUnit.Step }),
            Regression("one-cycle", 7, (n, r) => Base(r, 7, epochs: 4) with { Schedule = LearningRateSchedule.OneCycle(0.2f, 40), ScheduleUnit = ScheduleUnit.Step }),
            Regression("plateau on validation", 8, (n, r) => Base(r, 8, epochs: 6) with
            {
                Schedule = new ReduceOnPlateauSchedule(0.1f, factor: 0.5f, patience: 0),
                ValidationFraction = 0.2,
            }),
            Regression("early stopping, restore best", 9, (n, r) => Base(r, 9, epochs: 40, rate: 0.3f) with
            {
                ValidationFraction = 0.25,
                EarlyStoppingPatience = 1,
            }),
            Regression("explicit validation, no shuffle", 10, (n, r) => Base(r, 10, epochs: 2) with { Validation = validation, Shuffle = false }),
            Regression("adam, clipping, L2", 11, (n, r) => Base(r, 11, rate: 0.01f) with
            {
                Optimizer = new Adam(n.Definition.ParameterCount),
                GradientClipNorm = 1f,
                Regularization = new Regularization { L2 = 1e-3f },
            }),
            Regression("diverges, halves and recovers", 12, (n, r) => Base(r, 12, epochs: 4, rate: 1e6f) with
            {
                OnDivergence = DivergencePolicy.HalveLearningRate,
                MaxLearningRateHalvings = 60,
            }),
            Regression("diverges, no halving: fails", 13, (n, r) => Base(r, 13, rate: 1e12f)),
            Regression("diverges after halvings run out: fails", 14, (n, r) => Base(r, 14, rate: 1e12f) with
            {
                OnDivergence = DivergencePolicy.HalveLearningRate,
                MaxLearningRateHalvings = 3,
            }),
            Regression("one epoch", 15, (n, r) => Base(r, 15, epochs: 1)),
            Regression("max-norm, momentum", 16, (n, r) => Base(r, 16) with
            {
                Optimizer = new Sgd(n.Definition.ParameterCount, momentum: 0.9f),
                Regularization = new Regularization { MaxNorm = 1f },
            }),
        ];

        (LockstepSeparateLaneStep engine, LockstepResult[] results) = AssertSameAsAlone(cases, checkpoints: true);

        Assert.Equal(LaneStep.Capacity, engine.Lanes);
        Assert.All(engine.StepsMade, steps => Assert.True(steps > 0));
        // The cases do what their names say (so the comparisons above cover them).
        Assert.StartsWith("TrainingDivergedException", results[12].Failure, StringComparison.Ordinal);
        Assert.StartsWith("TrainingDivergedException", results[13].Failure, StringComparison.Ordinal);
        Assert.Equal("", results[11].Failure);
        Assert.StartsWith("Completed best", results[11].History, StringComparison.Ordinal);
        Assert.DoesNotContain("halvings 0 ", results[11].History, StringComparison.Ordinal);
        Assert.StartsWith("EarlyStopped best", results[8].History, StringComparison.Ordinal);
        Assert.Equal(7, engine.LoadsMade[3]);   // a lane is loaded at every epoch's start
    }

    [Fact]
    public void Fit_ClassificationGroup_MonitoringAccuracy_GivesEveryJobFitsBits()
    {
        Dataset data = Classes(), validation = Classes(seed: 9, count: 40);
        LockstepCase Case(string name, ulong seed, Func<Network, LockstepRecorder, TrainingOptions> options) => new(name, () => Classifier(seed), data, options);
        LockstepCase[] cases =
        [
            Case("plain", 1, (n, r) => Base(r, 1, batchSize: 16)),
            Case("stratified split, accuracy, patience", 2, (n, r) => Base(r, 2, epochs: 30, batchSize: 16, rate: 0.5f) with
            {
                ValidationFraction = 0.3,
                StratifiedValidation = true,
                Monitor = MonitoredMetric.Accuracy,
                EarlyStoppingPatience = 2,
            }),
            Case("explicit validation, keep last weights", 3, (n, r) => Base(r, 3, epochs: 30, batchSize: 16, rate: 0.5f) with
            {
                Validation = validation,
                EarlyStoppingPatience = 1,
                RestoreBestWeights = false,
            }),
            Case("nadam", 4, (n, r) => Base(r, 4, epochs: 2, batchSize: 16, rate: 0.01f) with { Optimizer = new NAdam(n.Definition.ParameterCount) }),
            new("weighted rows", () => Classifier(5), data.WithWeights([.. Enumerable.Range(0, 150).Select(i => (float)(i % 4))]),
                (n, r) => Base(r, 5, batchSize: 16)),
        ];

        AssertSameAsAlone(cases, checkpoints: true);
    }

    [Fact]
    public void Fit_OnlineGroupWithDropout_GivesEveryJobFitsBits()
    {
        // Batches of one (each lane's step is Network.TrainStep), dropout masks from each run's own generator.
        Dataset data = TrainingSamples.Regression().Subset([.. Enumerable.Range(0, 60)]);
        static Network Dropped(ulong seed)
        {
            var network = new Network(3, Loss.HalfSquaredError, new Dense(8, TransferFunction.Relu), new Dropout(0.25f), new Dense(2, TransferFunction.Identity));
            network.InitializeWeights(seed);
            return network;
        }
        LockstepCase[] cases =
        [
            new("online", () => Dropped(1), data, (n, r) => Base(r, 1, batchSize: 1, rate: 0.01f)),
            new("online, fewer rows", () => Dropped(2), data, (n, r) => Base(r, 2, epochs: 4, batchSize: 1, rate: 0.02f), [.. Enumerable.Range(10, 25)]),
            new("online adam", () => Dropped(3), data, (n, r) => Base(r, 3, batchSize: 1, rate: 1e-3f) with { Optimizer = new Adam(n.Definition.ParameterCount) }),
            new("online, diverges and halves", () => Dropped(4), data, (n, r) => Base(r, 4, batchSize: 1, rate: 1e9f) with
            {
                OnDivergence = DivergencePolicy.HalveLearningRate,
                MaxLearningRateHalvings = 60,
            }),
        ];

        (_, LockstepResult[] results) = AssertSameAsAlone(cases);

        Assert.Equal("", results[3].Failure);
        Assert.DoesNotContain("halvings 0 ", results[3].History, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_ObjectiveOptimizers_GiveEveryJobFitsBits()
    {
        LockstepCase[] cases =
        [
            Regression("l-bfgs", 1, (n, r) => Base(r, 1, batchSize: 50, rate: 1f) with { Optimizer = new Lbfgs(n.Definition.ParameterCount, historySize: 4, maxIterations: 3) }),
            Regression("scg", 2, (n, r) => Base(r, 2, batchSize: 50, rate: 1f) with { Optimizer = new ScaledConjugateGradient(n.Definition.ParameterCount) }),
            Regression("irprop+", 3, (n, r) => Base(r, 3, batchSize: 50, rate: 1f) with { Optimizer = new IrpropPlus(n.Definition.ParameterCount) }),
        ];

        AssertSameAsAlone(cases, checkpoints: true);
    }

    [Fact]
    public void Fit_CancelledInOneJobsCallback_StopsEveryRunAsFitDoes()
    {
        // Same batch counts, so that every running job is after the same batch when the token is seen; the one-epoch job has
        // ended before. Each alone run cancels itself at the same point, so each must match its alone run, checkpoint too.
        LockstepCase[] cases =
        [
            Regression("cancels after batch 3 of epoch 2", 1, (n, r) => Base(r, 1, epochs: 5) with { BatchCompleted = r.CancelAt(2, 3).Batch }),
            Regression("adam", 2, (n, r) => Base(r, 2, epochs: 5, rate: 0.01f) with
            {
                Optimizer = new Adam(n.Definition.ParameterCount),
                BatchCompleted = r.CancelAt(2, 3).Batch,
            }),
            Regression("one epoch, ended before", 3, (n, r) => Base(r, 3, epochs: 1)),
        ];

        AssertSameAsAlone(cases, checkpoints: true);

        LockstepResult[] together = Together(cases, out _);
        Assert.Contains("Cancelled", together[0].History, StringComparison.Ordinal);
        Assert.Contains("Completed", together[2].History, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_CancelledWhileADivergedRunWaitsToGoOnAlone_ItsCheckpointResumesToFitsBits()
    {
        // The diverging run leaves the lanes in epoch 1 and waits for the others; the token is cancelled meanwhile, so it
        // stops at its failing batch (before it) with a checkpoint, from which Fit must resume to its uninterrupted bits.
        LockstepCase halving = Regression("diverges and halves", 12, (n, r) => Base(r, 12, epochs: 4, rate: 1e6f) with
        {
            OnDivergence = DivergencePolicy.HalveLearningRate,
            MaxLearningRateHalvings = 60,
        });
        LockstepCase canceller = Regression("cancels after batch 3 of epoch 2", 1, (n, r) => Base(r, 1, epochs: 5) with { BatchCompleted = r.CancelAt(2, 3).Batch });
        string folder = Directory.CreateTempSubdirectory("fastbackprop-lockstep-").FullName;
        try
        {
            string path = Path.Combine(folder, "halving.ckpt");
            LockstepResult[] together = Together([halving, canceller], out _, [path, null]);
            Assert.StartsWith("Cancelled", together[0].History, StringComparison.Ordinal);
            Assert.Contains("halvings 0 ", together[0].History, StringComparison.Ordinal);   // it left the lanes, then was cancelled
            Assert.StartsWith("Cancelled", together[1].History, StringComparison.Ordinal);

            Network resumed = halving.Network();
            TrainingOptions options = halving.Options(resumed, new LockstepRecorder());
            TrainingHistory rest = Fit(resumed, halving.Data, options, TrainingCheckpoint.Load(path));
            LockstepResult expected = Alone(halving);
            Support.Canonical.AssertSameBits(expected.Parameters, resumed.Parameters, "the resumed run's weights");
            Assert.Equal(expected.History, Describe(rest));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Fit_CallbackThrows_ThatJobFailsAsFitWouldAndTheOthersFinish()
    {
        LockstepCase thrower = Regression("throws in epoch 2", 1, (n, r) => Base(r, 1) with
        {
            BatchCompleted = b =>
            {
                r.Batch(b);
                if (b.Epoch == 2 && b.Batch == 4) throw new InvalidOperationException("handler failed");
            },
        });
        LockstepCase other = Regression("plain", 2, (n, r) => Base(r, 2));

        LockstepResult[] together = Together([thrower, other], out _);

        Network alone = thrower.Network();
        var recorder = new LockstepRecorder();
        Assert.Throws<InvalidOperationException>(() => Fit(alone, thrower.Data, thrower.Options(alone, recorder)));
        Assert.Equal("InvalidOperationException: handler failed", together[0].Failure);
        Support.Canonical.AssertSameBits(alone.Parameters, together[0].Parameters, "the thrower's weights");
        Assert.Equal(recorder.Events, together[0].Callbacks);
        AssertSame(Alone(other), together[1], "the other job");
    }

    [Fact]
    public void Fit_FailingStepSchedule_ThatJobFailsAsFitWould()
    {
        var bad = new BadAfterSchedule(25);
        LockstepCase failing = Regression("schedule gives NaN at step 25", 1, (n, r) => Base(r, 1) with { Schedule = bad, ScheduleUnit = ScheduleUnit.Step });
        LockstepCase other = Regression("plain", 2, (n, r) => Base(r, 2));

        LockstepResult[] together = Together([failing, other], out _);
        LockstepResult alone;
        Network network = failing.Network();
        var recorder = new LockstepRecorder();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Fit(network, failing.Data, failing.Options(network, recorder)));
        alone = new LockstepResult(network.Parameters.ToArray(), "none", $"{e.GetType().Name}: {e.Message}", recorder.Events, []);

        AssertSame(alone, together[0], "the failing job");
        AssertSame(Alone(other), together[1], "the other job");
    }

    [Fact]
    public void Fit_BadGroup_IsRefusedNamingTheJob()
    {
        Dataset data = TrainingSamples.Regression();
        PreparedJob Prepared(Network network, int batchSize) =>
            new(0, new TrainingJob(network, data, new TrainingOptions { BatchSize = batchSize }), new DatasetRows(data), null);
        static LaneStep NoEngine(IReadOnlyList<LaneBinding> lanes, int batchSize) => throw new InvalidOperationException("not reached");

        var e = Assert.Throws<ArgumentException>(() => LockstepTraining.Fit([Prepared(Regressor(1), 20), Prepared(Regressor(2), 10)], NoEngine, TestContext.Current.CancellationToken));
        Assert.Contains("group[1] trains in batches of 10", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => LockstepTraining.Fit([Prepared(Regressor(1), 20), Prepared(Classifier(2), 20)], NoEngine, TestContext.Current.CancellationToken));
        Assert.Contains("group[1]'s network", e.Message, StringComparison.Ordinal);
        Network shared = Regressor(1);
        e = Assert.Throws<ArgumentException>(() => LockstepTraining.Fit([Prepared(shared, 20), Prepared(shared, 20)], NoEngine, TestContext.Current.CancellationToken));
        Assert.Contains("group[1] trains a network that an earlier job trains too", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => LockstepTraining.Fit([.. Enumerable.Range(0, 17).Select(i => Prepared(Regressor((ulong)i), 20))], NoEngine, TestContext.Current.CancellationToken));
        Assert.Contains("17 jobs", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => LockstepTraining.Fit([], NoEngine, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void CanShare_NeedsOneDefinitionOneClampedBatchSizeAndTheEngine()
    {
        Dataset data = TrainingSamples.Regression(), small = data.Subset([.. Enumerable.Range(0, 12)]);
        static PreparedJob Prepared(Network network, Dataset set, int batchSize) =>
            new(0, new TrainingJob(network, set, new TrainingOptions { BatchSize = batchSize }), new DatasetRows(set), null);
        static bool Any(NetworkDefinition d, TrainingOptions o, int b, Dataset s) => true;

        Assert.True(LockstepTraining.CanShare(Prepared(Regressor(1), data, 20), Prepared(Regressor(2), data, 20), Any));
        // The same definition by value, not by reference; batch sizes equal after clamping to the rows (12 and 12).
        Assert.True(LockstepTraining.CanShare(Prepared(Regressor(1), small, 12), Prepared(Regressor(2), small, 50), Any));
        Assert.False(LockstepTraining.CanShare(Prepared(Regressor(1), data, 20), Prepared(Regressor(2), data, 10), Any));
        Assert.False(LockstepTraining.CanShare(Prepared(Regressor(1), data, 20), Prepared(Classifier(2), Classes(), 20), Any));
        Assert.False(LockstepTraining.CanShare(Prepared(Regressor(1), data, 20), Prepared(Regressor(2), data, 20), (d, o, b, s) => b != 20));
        int asked = 0;
        Assert.True(LockstepTraining.CanShare(Prepared(Regressor(1), small, 12), Prepared(Regressor(2), small, 50), (d, o, b, s) =>
        {
            asked++;
            Assert.Equal(Regressor(3).Definition, d);
            Assert.Equal(12, b);   // the clamped size, as the engine will be made
            Assert.Same(small, s);
            return true;
        }));
        Assert.Equal(2, asked);   // both jobs' options
    }

    /// <summary>A per-step schedule that gives NaN from step <paramref name="badFrom"/> on.</summary>
    private sealed class BadAfterSchedule(int badFrom) : LearningRateSchedule
    {
        public override float Rate(int epoch) => epoch >= badFrom ? float.NaN : 0.05f;
    }
}
