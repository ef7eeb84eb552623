using System.Globalization;
using System.Reflection;
using System.Text;
using FastBackprop.Data;
using FastBackprop.Training;
using Xunit;

namespace FastBackprop.Tests.Training;

/// <summary>One job of a lock-step test: how to make its network, its data (and rows), and its options for a network and a
/// recorder of its callbacks (a fresh optimizer per network; the recorder's handlers).</summary>
internal sealed record LockstepCase(string Name, Func<Network> Network, Dataset Data, Func<Network, LockstepRecorder, TrainingOptions> Options, int[]? Rows = null)
{
    public override string ToString() => Name;
}

/// <summary>What one training left, to compare alone and lock-step: the weights, the history (times aside), the failure,
/// the callbacks' sequence and the checkpoint file (times aside).</summary>
internal sealed record LockstepResult(float[] Parameters, string History, string Failure, string Callbacks, byte[] Checkpoint);

/// <summary>Records a run's BatchCompleted and Progress callbacks, in order, as text with every double's bits.</summary>
internal sealed class LockstepRecorder : IProgress<EpochReport>
{
    private readonly StringBuilder events = new();
    private (int Epoch, int Batch)? cancelAt;

    /// <summary>The source <see cref="CancelAt"/> cancels (set by the harness: one per alone run, one per group).</summary>
    public CancellationTokenSource? Cancellation { get; set; }

    public Action<BatchReport> Batch => b =>
    {
        events.Append(CultureInfo.InvariantCulture, $"batch {b.Epoch} {b.Batch}/{b.BatchCount} {Bits(b.Loss)} {b.PatternsDone}\n");
        if (cancelAt == (b.Epoch, b.Batch)) Cancellation!.Cancel();
    };

    /// <summary>Cancels <see cref="Cancellation"/> after batch <paramref name="batch"/> (0-based) of epoch <paramref name="epoch"/> (1-based).</summary>
    public LockstepRecorder CancelAt(int epoch, int batch)
    {
        cancelAt = (epoch, batch);
        return this;
    }

    public string Events => events.ToString();

    public void Report(EpochReport value) => events.Append("epoch ").Append(LockstepHarness.Describe(value)).Append('\n');

    public static string Bits(double x) => BitConverter.DoubleToInt64Bits(x).ToString("X16", CultureInfo.InvariantCulture);
}

/// <summary>Trains cases alone (Trainer.Fit) and in lock-step (LockstepTraining.Fit with <see cref="LockstepSeparateLaneStep"/>)
/// and compares what they leave, bit for bit.</summary>
internal static class LockstepHarness
{
    /// <summary>The case trained alone by Trainer.Fit; <paramref name="checkpoint"/> is its checkpoint path when it has one.</summary>
    public static LockstepResult Alone(LockstepCase c, string? checkpoint = null)
    {
        Network network = c.Network();
        using var cancellation = new CancellationTokenSource();
        var recorder = new LockstepRecorder { Cancellation = cancellation };
        TrainingOptions options = WithCheckpoint(c.Options(network, recorder), checkpoint);
        Dataset data = c.Rows is null ? c.Data : c.Data.Subset(c.Rows);
        TrainingHistory? history = null;
        Exception? failure = null;
        try
        {
            history = Trainer.Fit(network, data, options, cancellationToken: cancellation.Token);
        }
        catch (TrainingDivergedException e)
        {
            failure = e;
        }
        return Result(network, history, failure, recorder, checkpoint);
    }

    /// <summary>The cases trained together by LockstepTraining.Fit with the test engine; <paramref name="checkpoints"/>[i] is case
    /// i's checkpoint path (or null); <paramref name="engine"/> is the engine it made.</summary>
    public static LockstepResult[] Together(IReadOnlyList<LockstepCase> cases, out LockstepSeparateLaneStep engine, string?[]? checkpoints = null)
    {
        LockstepResult[] results = Together(cases, (lanes, batchSize) => new LockstepSeparateLaneStep(lanes, batchSize), out LaneStep made, checkpoints);
        engine = (LockstepSeparateLaneStep)made;
        return results;
    }

    /// <summary>The cases trained together by LockstepTraining.Fit with the engine of <paramref name="factory"/>.</summary>
    public static LockstepResult[] Together(IReadOnlyList<LockstepCase> cases, LaneEngineFactory factory, out LaneStep engine, string?[]? checkpoints = null)
    {
        using var cancellation = new CancellationTokenSource();
        var networks = new Network[cases.Count];
        var recorders = new LockstepRecorder[cases.Count];
        var group = new PreparedJob[cases.Count];
        for (int i = 0; i < cases.Count; i++)
        {
            LockstepCase c = cases[i];
            networks[i] = c.Network();
            recorders[i] = new LockstepRecorder { Cancellation = cancellation };
            TrainingOptions options = WithCheckpoint(c.Options(networks[i], recorders[i]), checkpoints?[i]);
            (DatasetRows training, DatasetRows? validation) = Trainer.Prepare(networks[i], c.Data, c.Rows, options);
            group[i] = new PreparedJob(i, new TrainingJob(networks[i], c.Data, options, c.Rows), training, validation);
        }
        LaneStep? made = null;
        TrainingOutcome[] outcomes = LockstepTraining.Fit(group, (lanes, batchSize) => made = factory(lanes, batchSize), cancellation.Token);
        engine = made!;
        var results = new LockstepResult[cases.Count];
        for (int i = 0; i < cases.Count; i++)
        {
            Assert.Same(group[i].Job, outcomes[i].Job);
            results[i] = Result(networks[i], outcomes[i].History, outcomes[i].Failure, recorders[i], checkpoints?[i]);
        }
        return results;
    }

    /// <summary>Fails unless <paramref name="actual"/> left exactly what <paramref name="expected"/> did.</summary>
    public static void AssertSame(LockstepResult expected, LockstepResult actual, string what)
    {
        Assert.True(expected.Failure == actual.Failure, $"{what}: failure '{actual.Failure}', expected '{expected.Failure}'");
        Assert.True(expected.History == actual.History, $"{what}: history\n{actual.History}\nexpected\n{expected.History}");
        Support.Canonical.AssertSameBits(expected.Parameters, actual.Parameters, $"{what}: parameters");
        Assert.True(expected.Callbacks == actual.Callbacks, $"{what}: callbacks\n{actual.Callbacks}\nexpected\n{expected.Callbacks}");
        Assert.True(expected.Checkpoint.AsSpan().SequenceEqual(actual.Checkpoint), $"{what}: the checkpoint files differ");
    }

    /// <summary>Trains <paramref name="cases"/> alone and together and asserts each job's results are the same; returns the engine
    /// and the results.</summary>
    public static (LockstepSeparateLaneStep Engine, LockstepResult[] Results) AssertSameAsAlone(IReadOnlyList<LockstepCase> cases, bool checkpoints = false)
    {
        (LaneStep engine, LockstepResult[] results) = AssertSameAsAlone(cases, (lanes, batchSize) => new LockstepSeparateLaneStep(lanes, batchSize), checkpoints);
        return ((LockstepSeparateLaneStep)engine, results);
    }

    /// <summary>As <see cref="AssertSameAsAlone(IReadOnlyList{LockstepCase}, bool)"/> with the engine of <paramref name="factory"/>.</summary>
    public static (LaneStep Engine, LockstepResult[] Results) AssertSameAsAlone(IReadOnlyList<LockstepCase> cases, LaneEngineFactory factory, bool checkpoints = false)
    {
        string? folder = checkpoints ? Directory.CreateTempSubdirectory("fastbackprop-lockstep-").FullName : null;
        try
        {
            string?[] alonePaths = Paths(folder, "alone", cases.Count), togetherPaths = Paths(folder, "together", cases.Count);
            LockstepResult[] together = Together(cases, factory, out LaneStep engine, togetherPaths);
            for (int i = 0; i < cases.Count; i++) AssertSame(Alone(cases[i], alonePaths[i]), together[i], $"job {i} ({cases[i].Name})");
            return (engine, together);
        }
        finally
        {
            if (folder is not null) Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A report, times aside, with every double's bits.</summary>
    public static string Describe(EpochReport r)
    {
        string validation = r.Validation is null ? "-" : Describe(r.Validation);
        return string.Create(CultureInfo.InvariantCulture,
            $"{r.Epoch} {LockstepRecorder.Bits(r.TrainingLoss)} {Bits(r.TrainingAccuracy)} {Bits(r.TrainingMeanSquaredError)} {BitConverter.SingleToInt32Bits(r.LearningRate):X8} [{validation}]");
    }

    private static string Describe(Evaluation e)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{e.Count} {LockstepRecorder.Bits(e.Loss)} {Bits(e.Accuracy)} {Bits(e.MeanSquaredError)} {Bits(e.WeightSum)}");
        if (e.ConfusionMatrix is int[,] m)
        {
            foreach (int n in m) text.Append(CultureInfo.InvariantCulture, $" {n}");
        }
        return text.ToString();
    }

    private static string Bits(double? x) => x is double v ? LockstepRecorder.Bits(v) : "-";

    public static string Describe(TrainingHistory? h)
    {
        if (h is null) return "none";
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{h.StopReason} best {h.BestEpoch} halvings {h.LearningRateHalvings} weights {h.Weights}\n");
        foreach (EpochReport r in h.Epochs) text.Append(Describe(r)).Append('\n');
        return text.ToString();
    }

    private static LockstepResult Result(Network network, TrainingHistory? history, Exception? failure, LockstepRecorder recorder, string? checkpoint) =>
        new(network.Parameters.ToArray(), Describe(history), failure is null ? "" : $"{failure.GetType().Name}: {failure.Message}", recorder.Events,
            checkpoint is null || !File.Exists(checkpoint) ? [] : WithoutTimes(checkpoint));

    private static TrainingOptions WithCheckpoint(TrainingOptions options, string? path) => path is null ? options : options with { CheckpointPath = path };

    private static string?[] Paths(string? folder, string prefix, int count)
    {
        var paths = new string?[count];
        for (int i = 0; i < count && folder is not null; i++) paths[i] = Path.Combine(folder, $"{prefix}-{i}.ckpt");
        return paths;
    }

    // The checkpoint's bytes with its reports' times (elapsed, patterns per second) set to zero: everything else must match.
    private static byte[] WithoutTimes(string path)
    {
        TrainingCheckpoint checkpoint = TrainingCheckpoint.Load(path);
        var state = (TrainingState)typeof(TrainingCheckpoint).GetField("state", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(checkpoint)!;
        for (int i = 0; i < state.History.Count; i++) state.History[i] = state.History[i] with { Elapsed = TimeSpan.Zero, PatternsPerSecond = 0 };
        string copy = path + ".timeless";
        checkpoint.Save(copy);
        return File.ReadAllBytes(copy);
    }
}
