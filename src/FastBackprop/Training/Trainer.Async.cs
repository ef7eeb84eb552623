using FastBackprop.Data;

namespace FastBackprop.Training;

// ---------------------------------------------------------------------------------------------
// FitAsync: Fit for callers that must not block (services, UIs). The checks, the split and the
// resumed state run on the caller's thread, so bad arguments throw from the call itself (the .NET
// convention for argument validation); the epochs run on a thread of their own, and what Fit
// returns or throws completes the task.
//
// A thread of its own (TaskCreationOptions.LongRunning) rather than a thread-pool thread
// (Task.Run): a run lasts seconds to hours of CPU-bound work, which would hold a pool thread the
// whole time, and the pool adds threads slowly when its threads block, delaying the caller's
// other work (a service's requests, continuations). The thread's cost (~0.1 ms to start) is
// nothing next to a run. TaskScheduler.Default explicitly: a call from inside a task on another
// scheduler (a UI's) must not run the epochs there.
// ---------------------------------------------------------------------------------------------

public static partial class Trainer
{
    /// <summary>Runs <see cref="Fit"/> on a thread of its own and returns its history through a task: the same weights,
    /// reports, checkpoints and cancellation as Fit, bit for bit.</summary>
    /// <param name="network">The network, trained in place; do not use it until the task completes.</param>
    /// <param name="data">Training patterns (see <see cref="Fit"/>).</param>
    /// <param name="options">Settings. <see cref="TrainingOptions.Progress"/> receives its reports as Fit sends them (a
    /// <see cref="Progress{T}"/> made on a UI thread posts them there); <see cref="TrainingOptions.BatchCompleted"/> runs
    /// on the training thread.</param>
    /// <param name="resumeFrom">A checkpoint to continue from (see <see cref="Fit"/>); restored before this method returns.</param>
    /// <param name="cancellationToken">As for <see cref="Fit"/>: training stops after the current batch, a checkpoint is
    /// saved (with <see cref="TrainingOptions.CheckpointPath"/>), and the task completes normally with a history whose
    /// <see cref="TrainingHistory.StopReason"/> is <see cref="StopReason.Cancelled"/>, not as a cancelled task: the
    /// history and the weights trained so far are the result. A token cancelled before the call still returns such a history.</param>
    /// <returns>A task that completes with Fit's history, or faults with what Fit would throw during training
    /// (<see cref="TrainingDivergedException"/>, or an I/O error saving a checkpoint).</returns>
    /// <exception cref="ArgumentNullException">An argument other than <paramref name="resumeFrom"/> is null (thrown by the call).</exception>
    /// <exception cref="ArgumentException">As for <see cref="Fit"/>: thrown by the call, before any training, never through the task.</exception>
    public static Task<TrainingHistory> FitAsync(Network network, Dataset data, TrainingOptions options, TrainingCheckpoint? resumeFrom = null, CancellationToken cancellationToken = default)
    {
        TrainingRun run = Start(network, data, options, resumeFrom);
        try
        {
            return Task.Factory.StartNew(
                () =>
                {
                    using (run) return run.Execute(cancellationToken);
                },
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        catch
        {
            run.Dispose();   // StartNew failed (out of memory or threads): nothing else will
            throw;
        }
    }
}
