namespace FastBackprop.Training;

/// <summary>A work item of 2 to <see cref="LaneStep.Capacity"/> jobs that share vector lanes: one lock-step group
/// (<see cref="LockstepTraining"/>) on the item's thread. Each job's failure is its own outcome's.</summary>
internal sealed class LockstepItem(IReadOnlyList<PreparedJob> jobs) : WorkItem(jobs)
{
    public override TrainingOutcome[] Train(int threads, CancellationToken cancellationToken) => LockstepTraining.Fit(Jobs, cancellationToken);
}
