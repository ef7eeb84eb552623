namespace FastBackprop.Training;

// ---------------------------------------------------------------------------------------------
// FitMany's scheduler: work items over a budget of threads.
//
//   min(items, budget) workers, the caller one of them, each claiming the next item from one
//   shared counter until none is left (so a worker that finishes early takes the next item).
//   With fewer items than threads, each item gets its share of the budget (the spare threads
//   go to the first items), its Fit's own pool using them; otherwise every item trains on its
//   worker alone. The shares add up to the budget at most, so busy threads never exceed it.
//
// Which worker trains which item depends on timing, but nothing else does: every item trains on
// its own networks and its own copies of everything it writes, and the engine gives the same
// bits for any thread count, so the outcomes are the same on every run. Nothing static is written
// while a network trains: the parallel jobs and packing buffers the kernels reuse are
// [ThreadStatic], the name registries of losses and transfer functions lock, and
// ThreadTeam.SplitEverything is for tests that run alone. What a training writes is its job's
// own (network, optimizer, checkpoint file: FitMany refuses jobs that share one).
// ---------------------------------------------------------------------------------------------

/// <summary>Runs <see cref="Trainer.FitMany"/>'s work items over a budget of threads.</summary>
internal sealed class WorkScheduler
{
    private readonly IReadOnlyList<WorkItem> items;
    private readonly int budget;
    private readonly TrainingOutcome[] outcomes;
    private readonly CancellationToken cancellationToken;
    private int next;    // the next item to claim
    private int pools;   // worker pools made on the started workers (WorkerPool.CreatedOnThisThread)

    private WorkScheduler(IReadOnlyList<WorkItem> items, int budget, TrainingOutcome[] outcomes, CancellationToken cancellationToken)
    {
        this.items = items;
        this.budget = budget;
        this.outcomes = outcomes;
        this.cancellationToken = cancellationToken;
    }

    /// <summary>Trains <paramref name="items"/> on up to <paramref name="budget"/> threads, the caller's included, and writes
    /// each job's outcome to <paramref name="outcomes"/> at its index. Pools the items' trainings make on other threads are
    /// added to the caller's <see cref="WorkerPool.CreatedOnThisThread"/>, as if made on it.</summary>
    public static void Run(IReadOnlyList<WorkItem> items, int budget, TrainingOutcome[] outcomes, CancellationToken cancellationToken)
    {
        var scheduler = new WorkScheduler(items, budget, outcomes, cancellationToken);
        var workers = new Thread[Math.Max(0, Math.Min(items.Count, budget) - 1)];
        for (int w = 0; w < workers.Length; w++)
        {
            workers[w] = new Thread(scheduler.WorkOnStartedThread) { IsBackground = true, Name = $"FastBackprop FitMany worker {w + 1}" };
            workers[w].Start();
        }
        scheduler.Work();
        foreach (Thread worker in workers) worker.Join();
        WorkerPool.CreatedOnThisThread += scheduler.pools;
    }

    /// <summary>Threads for item <paramref name="item"/> of <paramref name="count"/>: its share of <paramref name="budget"/>
    /// when there are fewer items than threads (the remainder to the first items), else 1.</summary>
    internal static int ThreadsFor(int item, int count, int budget) =>
        count >= budget ? 1 : budget / count + (item < budget % count ? 1 : 0);

    private void WorkOnStartedThread()
    {
        int before = WorkerPool.CreatedOnThisThread;
        Work();
        Interlocked.Add(ref pools, WorkerPool.CreatedOnThisThread - before);
    }

    // Claims and trains items until none is left.
    private void Work()
    {
        for (int i = Interlocked.Increment(ref next) - 1; i < items.Count; i = Interlocked.Increment(ref next) - 1)
        {
            Train(items[i], ThreadsFor(i, items.Count, budget));
        }
    }

    // One item; whatever escapes it is the failure of each of its jobs, so that a worker never dies of a job's exception.
    private void Train(WorkItem item, int threads)
    {
        try
        {
            TrainingOutcome[] trained = item.Train(threads, cancellationToken);
            for (int j = 0; j < item.Jobs.Count; j++) outcomes[item.Jobs[j].Index] = trained[j];
        }
        catch (Exception e)
        {
            foreach (PreparedJob job in item.Jobs) outcomes[job.Index] = new TrainingOutcome(job.Job, null, e);
        }
    }
}
