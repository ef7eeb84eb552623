using FastBackprop.Data;
using FastBackprop.Training;
using Xunit;
using static FastBackprop.Tests.Training.TrainingSamples;

namespace FastBackprop.Tests.Training;

/// <summary>Schedules inside Trainer.Fit (issue 9): per-step and per-epoch counters, rate-0 epochs, reduce-on-plateau
/// driven by the monitored figure, and runs cancelled mid-epoch and resumed from their checkpoints ending with the
/// bits of uninterrupted runs for each new schedule; checkpoints of format 3 load or are refused with a message.</summary>
public sealed class ScheduleTrainingTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("fastbackprop-schedule-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>Records every counter it is asked about; the rate falls with it.</summary>
    private sealed class Recording : LearningRateSchedule
    {
        public List<int> Counters { get; } = [];

        public override float Rate(int epoch)
        {
            Counters.Add(epoch);
            return 0.05f / (1 + epoch);
        }
    }

    [Fact]
    public void Fit_PerStepSchedule_CountsStepsOverTheRun_PerEpochCountsEpochs()
    {
        // 200 patterns in batches of 50: 4 steps per epoch, 3 epochs.
        var perStep = new Recording();
        TrainingHistory steps = Fit(RegressionNetwork(), Regression(), new TrainingOptions { Epochs = 3, BatchSize = 50, Schedule = perStep, ScheduleUnit = ScheduleUnit.Step });
        Assert.Equal(Enumerable.Range(0, 12), perStep.Counters.Distinct());
        Assert.Equal(perStep.Counters.Order(), perStep.Counters);
        Assert.Equal([0.05f / 4, 0.05f / 8, 0.05f / 12], steps.Epochs.Select(e => e.LearningRate));   // each epoch's last step

        var perEpoch = new Recording();
        TrainingHistory epochs = Fit(RegressionNetwork(), Regression(), new TrainingOptions { Epochs = 3, BatchSize = 50, Schedule = perEpoch });
        Assert.Equal([0, 1, 2], perEpoch.Counters);
        Assert.Equal([0.05f, 0.05f / 2, 0.05f / 3], epochs.Epochs.Select(e => e.LearningRate));
    }

    [Fact]
    public void Fit_PerStepSchedule_IsTheStepsOfAPerBatchRate()
    {
        // A per-step schedule in batches of the whole set (one step per epoch) is the per-epoch schedule: same bits.
        Network a = RegressionNetwork(), b = RegressionNetwork();
        var schedule = LearningRateSchedule.Warmup(LearningRateSchedule.Cosine(0.1f, 4), 2, 0.1f);
        Fit(a, Regression(), new TrainingOptions { Epochs = 6, BatchSize = 200, Schedule = schedule, ScheduleUnit = ScheduleUnit.Step });
        Fit(b, Regression(), new TrainingOptions { Epochs = 6, BatchSize = 200, Schedule = schedule });
        Assert.Equal(a.Parameters.ToArray(), b.Parameters.ToArray());
    }

    /// <summary>A rate that grows tenfold every step: it diverges a few steps into an epoch.</summary>
    private sealed class Rising : LearningRateSchedule
    {
        public override float Rate(int epoch) => MathF.Min(1e-3f * MathF.Pow(10f, epoch), 1e30f);
    }

    [Fact]
    public void Fit_PerStepDivergence_HandsBackTheWeightsOfBeforeTheFailingStep()
    {
        // The guard replays the epoch's steps from its mark at each step's own rate (at the epoch's first rate, the
        // weights would differ): the network ends with the bits it had after the last good step.
        Network network = RegressionNetwork();
        float[] last = network.Parameters.ToArray();
        var options = new TrainingOptions
        {
            Epochs = 3,
            BatchSize = 20,
            Seed = 1,
            Schedule = new Rising(),
            ScheduleUnit = ScheduleUnit.Step,
            BatchCompleted = _ => last = network.Parameters.ToArray(),
        };
        var e = Assert.Throws<TrainingDivergedException>(() => Fit(network, Regression(), options));
        Assert.True(e.Epoch == 2 || e.Batch > 1, $"diverged too early to replay anything: {e.Message}");
        Assert.Equal(last, network.Parameters.ToArray());
    }

    [Fact]
    public void Fit_CosineThatReachesZero_RunsItsRateZeroEpochsWithoutChangingAWeight()
    {
        // The case: Cosine(0.05, 2) over 4 epochs with plain SGD threw at epoch 3; epochs 3 and 4 run at rate 0.
        Network network = DigitsNetwork();
        var after = new List<float[]>();
        var options = new TrainingOptions
        {
            Epochs = 4,
            BatchSize = 64,
            Schedule = LearningRateSchedule.Cosine(0.05f, 2),
            Progress = new Reporter(_ => after.Add(network.Parameters.ToArray())),
        };
        TrainingHistory history = Fit(network, DigitsSplit().Train, options);

        Assert.Equal(StopReason.Completed, history.StopReason);
        Assert.Equal([0.05f, 0.025f, 0f, 0f], history.Epochs.Select(e => e.LearningRate));
        Assert.NotEqual(after[0], after[1]);
        Assert.Equal(after[1], after[2]);
        Assert.Equal(after[1], after[3]);
    }

    [Fact]
    public void Fit_ReduceOnPlateau_FollowsTheValidationLoss()
    {
        var schedule = new ReduceOnPlateauSchedule(0.2f, factor: 0.5f, patience: 0, threshold: 0.02);
        TrainingHistory history = Fit(RegressionNetwork(), Regression(), new TrainingOptions { Epochs = 12, BatchSize = 20, Schedule = schedule, ValidationFraction = 0.2 });

        // Replaying the schedule on the reported validation losses gives the rate each epoch ran at.
        PlateauState replay = schedule.Start();
        foreach (EpochReport report in history.Epochs)
        {
            Assert.Equal((float)replay.Rate, report.LearningRate);
            schedule.Observe(replay, report.Validation!.Loss);
        }
        Assert.True(history.Epochs[^1].LearningRate < 0.2f, "the plateau must have reduced the rate in this run");
    }

    // ---- resume ------------------------------------------------------------------------------------------------

    public static TheoryData<string> ResumeCases => ["warmup-per-step", "one-cycle-per-step", "one-cycle-per-epoch", "plateau", "plateau-accuracy", "restore-best-min-delta"];

    // The regression network in batches of 20 (10 per epoch), and the digits for accuracy; cancelled at (epoch, batch).
    private static (Func<Network> Network, Dataset Data, TrainingOptions Options, int Epoch, int Batch) ResumeCase(string name) => name switch
    {
        "warmup-per-step" => (RegressionNetwork, Regression(), new()
        {
            Epochs = 4,
            BatchSize = 20,
            Seed = 2,
            ScheduleUnit = ScheduleUnit.Step,
            Schedule = LearningRateSchedule.Warmup(LearningRateSchedule.Cosine(0.1f, 25), 15, 0f),
            Optimizer = new Sgd(RegressionNetwork().Definition.ParameterCount, momentum: 0.9f),
        }, 2, 3),
        "one-cycle-per-step" => (RegressionNetwork, Regression(), new() { Epochs = 4, BatchSize = 20, Seed = 2, ScheduleUnit = ScheduleUnit.Step, Schedule = LearningRateSchedule.OneCycle(0.2f, 40) }, 3, 6),
        "one-cycle-per-epoch" => (RegressionNetwork, Regression(), new() { Epochs = 5, BatchSize = 20, Seed = 2, Schedule = LearningRateSchedule.OneCycle(0.2f, 5) }, 3, 6),
        "plateau" => (RegressionNetwork, Regression(), new()
        {
            Epochs = 8,
            BatchSize = 20,
            Seed = 2,
            ValidationFraction = 0.2,
            Schedule = new ReduceOnPlateauSchedule(0.2f, factor: 0.5f, patience: 0, threshold: 0.02, cooldown: 1),
        }, 5, 4),
        "plateau-accuracy" => (() => DigitsNetwork(), DigitsSplit().Train, new()
        {
            Epochs = 5,
            BatchSize = 64,
            Seed = 2,
            Validation = DigitsSplit().Test,
            Monitor = MonitoredMetric.Accuracy,
            Schedule = new ReduceOnPlateauSchedule(0.1f, factor: 0.5f, patience: 0, threshold: 0.1),
        }, 4, 7),
        "restore-best-min-delta" => (RegressionNetwork, Regression(), new() { Epochs = 8, BatchSize = 20, Seed = 2, LearningRate = 0.05f, ValidationFraction = 0.2, EarlyStoppingMinDelta = 1e-4 }, 6, 2),
        _ => throw new ArgumentException($"no case '{name}'", nameof(name)),
    };

    [Theory]
    [MemberData(nameof(ResumeCases))]
    public void Fit_CancelledMidEpochAndResumed_EndsWithTheBitsOfAnUninterruptedRun(string name)
    {
        var run = ResumeCase(name);
        TrainingOptions Fresh(Network n) => run.Options with { Optimizer = run.Options.Optimizer is null ? null : new Sgd(n.Definition.ParameterCount, momentum: 0.9f) };
        Network straight = run.Network();
        TrainingHistory expected = Fit(straight, run.Data, Fresh(straight));

        string path = Path.Combine(folder, $"{name}.ckpt");
        Network interrupted = run.Network();
        using var cancel = new CancellationTokenSource();
        TrainingOptions first = Fresh(interrupted) with
        {
            CheckpointPath = path,
            BatchCompleted = b => { if (b.Epoch == run.Epoch && b.Batch == run.Batch) cancel.Cancel(); },
        };
        Assert.Equal(StopReason.Cancelled, Trainer.Fit(interrupted, run.Data, first, cancellationToken: cancel.Token).StopReason);

        Network resumed = run.Network();
        resumed.InitializeWeights(4242);
        TrainingHistory rest = Fit(resumed, run.Data, Fresh(resumed) with { CheckpointPath = path }, TrainingCheckpoint.Load(path));

        Assert.Equal(straight.Parameters.ToArray(), resumed.Parameters.ToArray());
        Assert.Equal((expected.StopReason, expected.BestEpoch, expected.Weights), (rest.StopReason, rest.BestEpoch, rest.Weights));
        Assert.Equal(expected.Epochs.Select(e => (e.TrainingLoss, e.LearningRate, e.Validation?.Loss)), rest.Epochs.Select(e => (e.TrainingLoss, e.LearningRate, e.Validation?.Loss)));
        if (name.StartsWith("plateau", StringComparison.Ordinal))
        {
            Assert.True(expected.Epochs.Select(e => e.LearningRate).Distinct().Count() > 1, "the plateau must reduce the rate in this run");
        }
    }

    [Fact]
    public void Fit_ResumeMonitoringAnotherFigure_IsRejected()
    {
        var run = ResumeCase("plateau-accuracy");
        string path = Path.Combine(folder, "monitor.ckpt");
        Fit(run.Network(), run.Data, run.Options with { Epochs = 1, CheckpointPath = path });
        var e = Assert.Throws<ArgumentException>("resumeFrom", () => Fit(run.Network(), run.Data, run.Options with { Monitor = MonitoredMetric.Loss }, TrainingCheckpoint.Load(path)));
        Assert.Contains("monitors the accuracy; this run monitors the loss", e.Message);
    }

    [Fact]
    public void Checkpoint_Format3_ResumesOrIsRefusedWithAMessage()
    {
        // Format 3 (before issue 9) kept no best weights without a patience: written with RestoreBestWeights off, the
        // run's state is exactly what a format-3 build wrote, less what it did not know.
        var options = new TrainingOptions { Epochs = 4, BatchSize = 20, Seed = 2, LearningRate = 0.05f, ValidationFraction = 0.2, RestoreBestWeights = false };
        string path = Path.Combine(folder, "v4.ckpt");
        using var cancel = new CancellationTokenSource();
        Network interrupted = RegressionNetwork();
        Trainer.Fit(interrupted, Regression(), options with { CheckpointPath = path, BatchCompleted = b => { if (b.Epoch == 3 && b.Batch == 2) cancel.Cancel(); } }, cancellationToken: cancel.Token);
        byte[] v3 = TrainingCheckpoint.Load(path).Serialize(3);
        Assert.Equal(3, BitConverter.ToUInt16(v3, 8));
        TrainingCheckpoint old = TrainingCheckpoint.Deserialize(v3, "v3.ckpt");

        // Resumed as it was run (last weights kept), it ends with the bits of an uninterrupted run.
        Network straight = RegressionNetwork(), resumed = RegressionNetwork();
        Fit(straight, Regression(), options);
        Fit(resumed, Regression(), options, old);
        Assert.Equal(straight.Parameters.ToArray(), resumed.Parameters.ToArray());

        // Under today's default it would have to restore weights the checkpoint never kept: refused, saying why.
        var e = Assert.Throws<ArgumentException>("resumeFrom", () => Fit(RegressionNetwork(), Regression(), options with { RestoreBestWeights = true }, TrainingCheckpoint.Deserialize(v3, "v3.ckpt")));
        Assert.Contains("kept no copy of the weights of its best epoch", e.Message);
        Assert.Contains("RestoreBestWeights = false", e.Message);
    }

    /// <summary>An IProgress that reports at once, on the training thread.</summary>
    private sealed class Reporter(Action<EpochReport> report) : IProgress<EpochReport>
    {
        public void Report(EpochReport value) => report(value);
    }
}
