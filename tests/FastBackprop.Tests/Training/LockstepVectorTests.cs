using FastBackprop.Data;
using FastBackprop.Training;
using Xunit;
using static FastBackprop.Tests.Training.LockstepHarness;

namespace FastBackprop.Tests.Training;

// ---------------------------------------------------------------------------------------------
// End to end: lock-step training with the default engine (VectorLaneStep, one run per vector
// lane) gives every job Fit's bits: weights, history, callbacks, failure. Groups of 16 and of 5
// jobs, per pattern and in mini-batches, several transfer functions; the jobs differ in seed,
// rows (so batches per epoch), rate, epochs, schedule, validation and early stopping, and two of
// them diverge (one recovers by halving, one fails), which sends them off the lanes to the alone
// path mid-epoch.
// ---------------------------------------------------------------------------------------------

/// <summary>Lock-step training through VectorLaneStep against Fit alone.</summary>
public class LockstepVectorTests
{
    private static readonly Dataset Data = TrainingSamples.Regression();
    private static readonly Dataset ValidationData = Data.Subset([.. Enumerable.Range(150, 50)]);

    private static TransferFunction Hidden(string name) => name switch
    {
        "logistic" => TransferFunction.Logistic,
        "tanh" => TransferFunction.Tanh,
        "relu" => TransferFunction.Relu,
        "leaky-relu" => TransferFunction.LeakyRelu(0.1f),
        _ => throw new ArgumentException($"no transfer '{name}'", nameof(name)),
    };

    [Theory]
    [InlineData("logistic", 1, 16, false)]
    [InlineData("tanh", 8, 16, false)]
    [InlineData("relu", 1, 5, false)]
    [InlineData("leaky-relu", 8, 5, false)]
    [InlineData("logistic", 8, 16, true)]
    [InlineData("tanh", 1, 5, true)]
    public void Fit_VectorEngine_GivesEveryJobFitsBits(string transfer, int batchSize, int jobs, bool softmaxOutput)
    {
        TransferFunction hidden = Hidden(transfer), output = softmaxOutput ? TransferFunction.Softmax : TransferFunction.Identity;
        LockstepCase[] cases = [.. Enumerable.Range(0, jobs).Select(j => Case(j, hidden, output, batchSize))];
        Assert.True(VectorLaneStep.Supports(cases[0].Network().Definition, cases[0].Options(cases[0].Network(), new LockstepRecorder()), batchSize, Data));

        CountingLaneStep? counting = null;
        (_, LockstepResult[] results) = AssertSameAsAlone(cases, (lanes, b) => counting = new CountingLaneStep(LockstepTraining.VectorEngine(lanes, b)), checkpoints: true);

        Assert.IsType<VectorLaneStep>(counting!.Inner);
        Assert.Equal(jobs, counting.Lanes);
        Assert.True(counting.Steps[0] > 0 && counting.Steps[jobs - 1] > 0, "the lanes made the steps");
        if (softmaxOutput) return;   // bounded outputs: a huge rate need not overflow within its epochs
        Assert.True(counting.Diverged[3] > 0 && counting.Diverged[4] > 0, "jobs 3 and 4 diverge in their lanes and go on alone");
        Assert.StartsWith("TrainingDivergedException", results[4].Failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Fit_VectorEngine_CrossEntropyClassifiersAndSampleWeights_GiveEveryJobFitsBits(int batchSize)
    {
        Dataset classes = LockstepTrainingTests.Classes(), weighted = classes.WithWeights([.. Enumerable.Range(0, classes.Count).Select(i => (float)(i % 3))]);
        LockstepCase Case(int j, Dataset data, Func<TrainingOptions, TrainingOptions> change)
        {
            Network Network()
            {
                var network = new Network(3, Loss.CrossEntropy, new Dense(6, TransferFunction.Tanh), new Dense(3, TransferFunction.Softmax));
                network.InitializeWeights((ulong)(j + 1));
                return network;
            }
            TrainingOptions Options(Network n, LockstepRecorder r) => change(new TrainingOptions
            {
                Epochs = 3,
                BatchSize = batchSize,
                Seed = (ulong)(j + 20),
                LearningRate = 0.05f,
                BatchCompleted = r.Batch,
                Progress = r,
            });
            int[] rows = [.. Enumerable.Range(j * 5, 80 + (9 * j))];
            return new LockstepCase($"job {j}", Network, data, Options, rows);
        }
        LockstepCase[] cases =
        [
            Case(0, classes, o => o),
            Case(1, weighted, o => o with { LearningRate = 0.1f }),
            Case(2, classes, o => o with { ValidationFraction = 0.3, StratifiedValidation = true, Monitor = MonitoredMetric.Accuracy, EarlyStoppingPatience = 1, Epochs = 8 }),
            Case(3, weighted, o => o with { Schedule = LearningRateSchedule.OneCycle(0.2f, 300), ScheduleUnit = ScheduleUnit.Step }),
            Case(4, classes, o => o with { Shuffle = false, Epochs = 1 }),
            Case(5, weighted, o => o with { ValidationFraction = 0.2, Schedule = new ReduceOnPlateauSchedule(0.1f, factor: 0.5f, patience: 0) }),
        ];
        foreach (LockstepCase c in cases)
        {
            Network network = c.Network();
            Assert.True(VectorLaneStep.Supports(network.Definition, c.Options(network, new LockstepRecorder()), batchSize, c.Data), c.Name);
        }

        CountingLaneStep? counting = null;
        AssertSameAsAlone(cases, (lanes, b) => counting = new CountingLaneStep(LockstepTraining.VectorEngine(lanes, b)), checkpoints: true);

        Assert.IsType<VectorLaneStep>(counting!.Inner);
        Assert.All(counting.Steps, steps => Assert.True(steps > 0));
    }

    [Fact]
    public void Fit_VectorEngine_AllocatesNothingPerTick()
    {
        // Job 0's callback marks this thread's allocation count after each of its batches; between two marks inside an epoch
        // one whole tick ran (16 lanes' rows, one engine step, 16 batches completed). Some tick must allocate nothing: code
        // that allocates per tick allocates in every one (see SteadyStateAllocation for why one clean window is the test).
        Dataset data = Data.Subset([.. Enumerable.Range(0, 64)]);
        long[] marks = new long[64];
        var group = new PreparedJob[16];
        for (int i = 0; i < group.Length; i++)
        {
            var network = new Network(3, Loss.HalfSquaredError, new Dense(4, TransferFunction.Tanh), new Dense(2, TransferFunction.Identity));
            network.InitializeWeights((ulong)i + 1);
            var options = new TrainingOptions { Epochs = 1, BatchSize = 1, Seed = (ulong)i, LearningRate = 0.01f };
            if (i == 0) options = options with { BatchCompleted = b => marks[b.Batch] = GC.GetAllocatedBytesForCurrentThread() };
            group[i] = new PreparedJob(i, new TrainingJob(network, data, options), new DatasetRows(data), null);
        }

        TrainingOutcome[] outcomes = LockstepTraining.Fit(group, TestContext.Current.CancellationToken);

        Assert.All(outcomes, o => Assert.True(o.Succeeded));
        long least = long.MaxValue;
        for (int b = 1; b < marks.Length - 1; b++) least = Math.Min(least, marks[b + 1] - marks[b]);
        Assert.Equal(0, least);
    }

    [Fact]
    public void CanShare_DefaultEngine_AcceptsPlainSgdAndRefusesAnOptimizer()
    {
        LockstepCase plain = Case(0, TransferFunction.Tanh, TransferFunction.Identity, 8);
        PreparedJob Prepared(Func<Network, TrainingOptions, TrainingOptions> change)
        {
            Network network = plain.Network();
            TrainingOptions options = change(network, plain.Options(network, new LockstepRecorder()));
            return new PreparedJob(0, new TrainingJob(network, Data, options), new DatasetRows(Data), null);
        }

        Assert.True(LockstepTraining.CanShare(Prepared((n, o) => o), Prepared((n, o) => o with { Seed = 99, LearningRate = 0.5f })));
        Assert.False(LockstepTraining.CanShare(Prepared((n, o) => o), Prepared((n, o) => o with { Optimizer = new Adam(n.Definition.ParameterCount) })));
    }

    // Job j of a group: its own seed, rows, rate, epochs; every fifth a per-step schedule, validation with early stopping, a
    // plateau schedule on explicit validation data, or no shuffling; job 3 diverges and halves, job 4 diverges and fails.
    private static LockstepCase Case(int j, TransferFunction hidden, TransferFunction output, int batchSize)
    {
        var random = new SeededRandom((ulong)(j + 1));
        int[] rows = new int[40 + (7 * j)];
        for (int i = 0; i < rows.Length; i++) rows[i] = random.NextInt32(150);
        Network Network()
        {
            var network = new Network(3, Loss.HalfSquaredError, new Dense(5, hidden), new Dense(2, output));
            network.InitializeWeights((ulong)(j + 1));
            return network;
        }
        TrainingOptions Options(Network network, LockstepRecorder r)
        {
            int epochs = 1 + (j % 3), steps = epochs * ((rows.Length + batchSize - 1) / batchSize);
            var options = new TrainingOptions
            {
                Epochs = epochs,
                BatchSize = batchSize,
                Seed = (ulong)(100 + j),
                LearningRate = j switch { 3 => 1e6f, 4 => 1e12f, _ => 0.02f * (1 + (j % 3)) },
                OnDivergence = j == 3 ? DivergencePolicy.HalveLearningRate : DivergencePolicy.Throw,
                MaxLearningRateHalvings = 60,
                BatchCompleted = r.Batch,
                Progress = r,
            };
            return (j % 5) switch
            {
                1 => options with { Schedule = LearningRateSchedule.Cosine(options.LearningRate, steps), ScheduleUnit = ScheduleUnit.Step },
                2 => options with { ValidationFraction = 0.25, EarlyStoppingPatience = 1, Epochs = 6 },
                3 => options with { Schedule = new ReduceOnPlateauSchedule(options.LearningRate, factor: 0.5f, patience: 0), Validation = ValidationData },
                4 => options with { Shuffle = false },
                _ => options,
            };
        }
        return new LockstepCase($"job {j}", Network, Data, Options, rows);
    }

    /// <summary>Another engine, counting each lane's steps and non-finite results.</summary>
    private sealed class CountingLaneStep(LaneStep inner) : LaneStep
    {
        public LaneStep Inner { get; } = inner;

        public int[] Steps { get; } = new int[inner.Lanes];

        public int[] Diverged { get; } = new int[inner.Lanes];

        public override int Lanes => Inner.Lanes;

        public override int BatchSize => Inner.BatchSize;

        public override void Load(int lane, ReadOnlySpan<float> parameters) => Inner.Load(lane, parameters);

        public override void Store(int lane, Span<float> parameters) => Inner.Store(lane, parameters);

        public override void Run(ReadOnlySpan<int> rows, ReadOnlySpan<int> counts, ReadOnlySpan<float> rates, Span<StepResult> results)
        {
            Inner.Run(rows, counts, rates, results);
            for (int i = 0; i < Lanes; i++)
            {
                if (counts[i] == 0) continue;
                Steps[i]++;
                if (results[i].Failure is not null) Diverged[i]++;
            }
        }

        public override ReadOnlySpan<float> Outputs(int lane, int count) => Inner.Outputs(lane, count);

        public override void Dispose() => Inner.Dispose();
    }
}
