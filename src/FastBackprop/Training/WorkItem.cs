namespace FastBackprop.Training;

// ---------------------------------------------------------------------------------------------
// The units FitMany's scheduler (WorkScheduler) hands to its threads. An item trains one or more
// jobs and returns their outcomes; what it is inside (one Fit, or several runs stepped together)
// is its own affair, so that grouping (WorkItem.Group) is the one place that decides it.
// ---------------------------------------------------------------------------------------------

/// <summary>One unit of <see cref="Trainer.FitMany"/>'s work: trains its jobs, on a given number of threads.</summary>
internal abstract class WorkItem(IReadOnlyList<PreparedJob> jobs)
{
    /// <summary>The jobs this item trains.</summary>
    public IReadOnlyList<PreparedJob> Jobs { get; } = jobs;

    /// <summary>Trains the jobs on <paramref name="threads"/> threads (the caller's included) and returns one outcome per
    /// job, in <see cref="Jobs"/>' order. An exception that escapes is the failure of every job of the item
    /// (WorkScheduler); an item that can tell its jobs' failures apart reports each in its outcome instead.</summary>
    public abstract TrainingOutcome[] Train(int threads, CancellationToken cancellationToken);

    /// <summary>The work items of <paramref name="jobs"/> for <paramref name="threads"/> threads: the jobs that can share
    /// vector lanes (<see cref="LaneGrouping"/>) in lock-step items, every other job a <see cref="SingleTraining"/>.</summary>
    public static List<WorkItem> Group(IReadOnlyList<PreparedJob> jobs, int threads)
    {
        var items = new List<WorkItem>(jobs.Count);
        foreach (List<PreparedJob> group in LaneGrouping.Groups(jobs, threads))
        {
            if (group.Count == 1) items.Add(new SingleTraining(group[0]));
            else items.Add(new LockstepItem(group));
        }
        return items;
    }
}

/// <summary>A work item of one job: the job's Fit (a <see cref="TrainingDivergedException"/> or any other exception
/// it throws is its outcome's failure).</summary>
internal sealed class SingleTraining(PreparedJob job) : WorkItem([job])
{
    public override TrainingOutcome[] Train(int threads, CancellationToken cancellationToken) =>
        [new TrainingOutcome(job.Job, job.Train(threads, cancellationToken), null)];
}
