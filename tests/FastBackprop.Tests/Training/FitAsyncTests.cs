using FastBackprop.Data;
using FastBackprop.Training;
using Xunit;
using static FastBackprop.Tests.Training.TrainingSamples;

namespace FastBackprop.Tests.Training;

/// <summary>Trainer.FitAsync: Fit's bits, reports and checkpoints on another thread; cancellation ends as Fit's does (a
/// history saying Cancelled and a checkpoint to resume from); argument errors throw from the call, training errors
/// through the task.</summary>
public sealed class FitAsyncTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("fastbackprop-fitasync-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static TrainingOptions Options(List<EpochReport> reports) => new()
    {
        Epochs = 3,
        BatchSize = 40,
        Seed = 5,
        LearningRate = 0.05f,
        ValidationFraction = 0.1,
        Progress = new SynchronousProgress<EpochReport>(reports.Add),
    };

    [Fact]
    public async Task FitAsync_GivesFitsWeightsAndReports_OnAnotherThread()
    {
        Dataset train = DigitsSplit().Train;
        List<EpochReport> syncReports = [], asyncReports = [];
        Network sync = DigitsNetwork(), viaTask = DigitsNetwork();
        TrainingHistory expected = Fit(sync, train, Options(syncReports));

        int caller = Environment.CurrentManagedThreadId, trainingThread = caller;
        TrainingOptions options = Options(asyncReports) with { BatchCompleted = _ => trainingThread = Environment.CurrentManagedThreadId };
        TrainingHistory history = await Trainer.FitAsync(viaTask, train, options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.NotEqual(caller, trainingThread);
        Assert.Equal(sync.Parameters.ToArray(), viaTask.Parameters.ToArray());
        Assert.Equal(expected.StopReason, history.StopReason);
        Assert.Equal(Losses(expected.Epochs), Losses(history.Epochs));
        Assert.Equal(Losses(syncReports), Losses(asyncReports));
        Assert.Equal(3, asyncReports.Count);
    }

    [Fact]
    public async Task FitAsync_CancelledMidRun_CompletesWithACancelledHistory_AndACheckpointThatResumesToFitsBits()
    {
        Dataset train = DigitsSplit().Train;
        Network straight = DigitsNetwork();
        Fit(straight, train, Options([]));

        string path = Path.Combine(folder, "async.ckpt");
        Network interrupted = DigitsNetwork();
        using var cancel = new CancellationTokenSource();
        TrainingOptions options = Options([]) with
        {
            CheckpointPath = path,
            BatchCompleted = b => { if (b.Epoch == 2 && b.Batch == 5) cancel.Cancel(); },
        };
        TrainingHistory partial = await Trainer.FitAsync(interrupted, train, options, cancellationToken: cancel.Token);

        Assert.Equal(StopReason.Cancelled, partial.StopReason);
        TrainingCheckpoint checkpoint = TrainingCheckpoint.Load(path);
        Assert.Equal((1, 6), (checkpoint.Epoch, checkpoint.Batch));
        Network resumed = DigitsNetwork(999);
        await Trainer.FitAsync(resumed, train, Options([]) with { CheckpointPath = path }, checkpoint, TestContext.Current.CancellationToken);
        Assert.Equal(straight.Parameters.ToArray(), resumed.Parameters.ToArray());
    }

    [Fact]
    public async Task FitAsync_WithATokenCancelledBeforehand_EndsAsFitDoes()
    {
        Dataset train = DigitsSplit().Train;
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Network sync = DigitsNetwork(), viaTask = DigitsNetwork();
        TrainingHistory expected = Trainer.Fit(sync, train, Options([]), cancellationToken: cancel.Token);
        TrainingHistory history = await Trainer.FitAsync(viaTask, train, Options([]), cancellationToken: cancel.Token);
        Assert.Equal(StopReason.Cancelled, history.StopReason);
        Assert.Equal((expected.StopReason, expected.Epochs.Count), (history.StopReason, history.Epochs.Count));
        Assert.Equal(sync.Parameters.ToArray(), viaTask.Parameters.ToArray());
    }

    [Fact]
    public async Task FitAsync_ArgumentErrorsThrowFromTheCall_TrainingErrorsFaultTheTask()
    {
        Dataset train = DigitsSplit().Train;
        Network network = DigitsNetwork();
        CancellationToken token = TestContext.Current.CancellationToken;
        // Statement lambdas: the call itself must throw, before any task exists.
        Assert.Throws<ArgumentNullException>("network", () => { _ = Trainer.FitAsync(null!, train, new TrainingOptions(), cancellationToken: token); });
        Assert.Throws<ArgumentOutOfRangeException>("Epochs", () => { _ = Trainer.FitAsync(network, train, new TrainingOptions { Epochs = 0 }, cancellationToken: token); });
        var narrow = new Network(3, Loss.CrossEntropy, new Dense(10, TransferFunction.Softmax));
        Assert.Throws<ArgumentException>("data", () => { _ = Trainer.FitAsync(narrow, train, new TrainingOptions(), cancellationToken: token); });

        Network regression = RegressionNetwork();
        Task<TrainingHistory> diverging = Trainer.FitAsync(regression, Regression(), new TrainingOptions { Epochs = 2, BatchSize = 20, LearningRate = 1e12f }, cancellationToken: token);
        await Assert.ThrowsAsync<TrainingDivergedException>(() => diverging);
        Assert.True(diverging.IsFaulted);
    }

    private static double[] Losses(IReadOnlyList<EpochReport> reports)
    {
        var losses = new double[reports.Count];
        for (int i = 0; i < losses.Length; i++) losses[i] = reports[i].TrainingLoss;
        return losses;
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
