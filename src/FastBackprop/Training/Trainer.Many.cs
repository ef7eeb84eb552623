namespace FastBackprop.Training;

public static partial class Trainer
{
    /// <summary>Trains every job's network, each with the same bits as <see cref="Fit"/> gives it alone, several at once
    /// over the machine's cores.</summary>
    /// <param name="jobs">The trainings; no two may share a network, an optimizer or a checkpoint path.</param>
    /// <param name="degreeOfParallelism">Threads to use in all, the caller's included; 0 for every core
    /// (<see cref="Environment.ProcessorCount"/>).</param>
    /// <param name="cancellationToken">Stops every training after its current batch, as for Fit (a job not started yet
    /// stops before its first batch); each outcome's history then says <see cref="StopReason.Cancelled"/>.</param>
    /// <returns>One outcome per job, in the jobs' order.</returns>
    /// <remarks>
    /// <para>Argument errors (a job's data or options that Fit would refuse) are thrown before any training starts, the
    /// message naming the job (<c>jobs[3]: </c> and Fit's message). A training that fails later is reported in its
    /// outcome's <see cref="TrainingOutcome.Failure"/> and does not stop the others: a
    /// <see cref="TrainingDivergedException"/>, and any other exception it throws too (a schedule that returns a bad rate,
    /// a callback that throws, a checkpoint that cannot be written).</para>
    /// <para>Scheduling: the jobs run on min(jobs, threads) threads, each job on one of them, a thread taking the next job
    /// in the list when it finishes one. With fewer jobs than threads, each job's Fit gets its share of the threads (so its
    /// steps use them); otherwise each trains on one thread. Either way no more than <paramref name="degreeOfParallelism"/>
    /// threads are busy, and each job's own <see cref="TrainingOptions.DegreeOfParallelism"/> is not used. The results do
    /// not depend on the thread count or on which thread trains which job.</para>
    /// <para>Vector lanes: jobs of one tiny network definition (every width, the input's included, below 16) and batch
    /// size that plain SGD trains (no optimizer, clipping or penalty; dense layers with built-in transfer functions)
    /// train in lock-step, 4 to 16 to a group, one network per float lane of a vector: one instruction advances every
    /// network of the group, each network still getting Fit's bits.
    /// A group is one of the items above, on one thread. While an epoch of such a job is in the lanes, its network holds
    /// the weights of the epoch's start (a <see cref="TrainingOptions.BatchCompleted"/> handler that reads them sees
    /// those); the reports, the validation and the checkpoints are Fit's.</para>
    /// <para>A job with <see cref="TrainingJob.Rows"/> trains on those rows in place, with the bits of
    /// <c>Fit(network, data.Subset(rows), options)</c>: the checks judge those rows, and a validation split picks the rows
    /// the split of the subset would.</para>
    /// <para>Threads: a job's callbacks (<see cref="TrainingOptions.Progress"/>, <see cref="TrainingOptions.BatchCompleted"/>)
    /// run on the thread that trains the job, so callbacks of different jobs may run at the same time on different threads:
    /// a callback shared by several jobs must be thread-safe. Data sets and options may be shared between jobs (they are
    /// only read).</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="jobs"/> or one of its jobs is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="degreeOfParallelism"/> is negative.</exception>
    /// <exception cref="ArgumentException">Two jobs share a network, an optimizer or a checkpoint path, or a job's arguments
    /// are invalid (see <see cref="Fit"/>).</exception>
    public static IReadOnlyList<TrainingOutcome> FitMany(IReadOnlyList<TrainingJob> jobs, int degreeOfParallelism = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ThrowHelper.CheckAtLeast(degreeOfParallelism, 0, nameof(degreeOfParallelism));
        CheckShared(jobs);
        var prepared = new PreparedJob[jobs.Count];
        for (int i = 0; i < jobs.Count; i++) prepared[i] = PrepareJob(i, jobs[i]);
        var outcomes = new TrainingOutcome[jobs.Count];
        int threads = degreeOfParallelism == 0 ? Environment.ProcessorCount : degreeOfParallelism;
        WorkScheduler.Run(WorkItem.Group(prepared, threads), threads, outcomes, cancellationToken);
        return outcomes;
    }

    // Fit's checks and split of job i, its errors named after the job.
    private static PreparedJob PrepareJob(int index, TrainingJob job)
    {
        int[]? rows = job.Rows is null ? null : job.Rows as int[] ?? [.. job.Rows];
        try
        {
            (DatasetRows training, DatasetRows? validation) = Prepare(job.Network, job.Data, rows, job.Options);
            return new PreparedJob(index, job, training, validation);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"jobs[{index}]: {MessageOf(e)}", "jobs", e);
        }
    }

    // What each job writes must be its own: the network it trains, the optimizer state it steps, the checkpoint file it saves.
    private static void CheckShared(IReadOnlyList<TrainingJob> jobs)
    {
        var networks = new Dictionary<Network, int>(ReferenceEqualityComparer.Instance);
        var optimizers = new Dictionary<Optimizer, int>(ReferenceEqualityComparer.Instance);
        var checkpoints = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < jobs.Count; i++)
        {
            TrainingJob job = jobs[i] ?? throw new ArgumentNullException(nameof(jobs), $"jobs[{i}] is null.");
            if (!networks.TryAdd(job.Network, i)) throw Shared(i, networks[job.Network], "trains the network", "network");
            if (job.Options.Optimizer is { } optimizer && !optimizers.TryAdd(optimizer, i))
            {
                throw Shared(i, optimizers[optimizer], "steps the optimizer (options.Optimizer, whose state a step changes)", "optimizer");
            }
            if (job.Options.CheckpointPath is { } path && !checkpoints.TryAdd(Path.GetFullPath(path), i))
            {
                throw Shared(i, checkpoints[Path.GetFullPath(path)], $"saves checkpoints to the file (options.CheckpointPath {path})", "checkpoint path");
            }
        }
    }

    private static ArgumentException Shared(int job, int earlier, string what, string noun) =>
        new($"jobs[{job}] {what} that jobs[{earlier}] uses too; each job needs its own {noun}.", "jobs");

    // An argument exception's message without the " (Parameter 'name')" the runtime appends to it.
    private static string MessageOf(ArgumentException e)
    {
        string message = e.Message;
        if (e.ParamName is null) return message;
        int at = message.IndexOf($" (Parameter '{e.ParamName}')", StringComparison.Ordinal);
        return at < 0 ? message : message[..at];
    }
}
