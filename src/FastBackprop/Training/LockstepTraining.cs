using FastBackprop.Data;

namespace FastBackprop.Training;

// ---------------------------------------------------------------------------------------------
// Lock-step training: up to LaneStep.Capacity runs of one network shape and one batch size, each a
// TrainingRun with its own order, seed, rate, schedule, epochs, validation, early stopping,
// callbacks and checkpoint, stepped together batch by batch through one LaneStep (lane i = run i).
//
// Each tick gathers every running lane's next batch (its rows and rate), makes one LaneStep.Run,
// and completes each lane's batch in its run. A run whose epoch ends stores its lane back into its
// network, finishes the epoch there (validation, early stopping's copies and checkpoints read
// network.Parameters as in Fit), begins its next epoch and loads the lane again; runs move on
// independently, so a run with fewer batches per epoch simply starts its next epoch sooner, and a
// run that has ended leaves its lane idle (no rows). No run waits for another.
//
// A lane whose step is not finite leaves the lanes: its run's network still holds the epoch's
// start, which its divergence guard marked, so after the other runs end it restores the weights
// of before the failing batch from that mark (replaying the epoch's finite steps with its own
// BatchStep, the same bits) and trains on alone from the failing batch, where it meets the same
// divergence and handles it as Fit does (halving and replay, or TrainingDivergedException).
// Cancellation is checked before every tick, as Fit checks it before every batch: each running
// run stores its lane, saves its checkpoint and returns a cancelled history.
// ---------------------------------------------------------------------------------------------

/// <summary>What an engine binds lane i to: the run's network (its definition; its weights reach the lane through
/// <see cref="LaneStep.Load"/>), the data set the lane's rows number, the run's options, and the generator the
/// run's steps draw dropout masks from (an engine that supports dropout must draw from it as the run's own
/// BatchStep would; one that does not never touches it).</summary>
internal sealed record LaneBinding(Network Network, Dataset Data, TrainingOptions Options, SeededRandom LayerRandom);

/// <summary>Makes the engine for one group: one lane per binding, batches of up to <paramref name="batchSize"/> rows.</summary>
internal delegate LaneStep LaneEngineFactory(IReadOnlyList<LaneBinding> lanes, int batchSize);

/// <summary>Whether an engine can hold a run of <paramref name="definition"/> with <paramref name="options"/> in a lane,
/// at batches of <paramref name="batchSize"/> rows (after clamping) of <paramref name="data"/> (VectorLaneStep.Supports).</summary>
internal delegate bool LaneSupport(NetworkDefinition definition, TrainingOptions options, int batchSize, Dataset data);

/// <summary>Trains a group of compatible jobs together through one <see cref="LaneStep"/>, each with Fit's bits (see the
/// file header), on the calling thread: each run's own steps and validation use one thread (whatever its options'
/// DegreeOfParallelism, which changes no bit).</summary>
internal static class LockstepTraining
{
    /// <summary>The default engine: <see cref="VectorLaneStep"/>, one run per vector lane (each lane's data set bound).</summary>
    public static LaneStep VectorEngine(IReadOnlyList<LaneBinding> lanes, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(lanes);
        var data = new Dataset[lanes.Count];
        for (int i = 0; i < data.Length; i++) data[i] = lanes[i].Data;
        return new VectorLaneStep(lanes[0].Network.Definition, data, batchSize, lanes.Count);
    }

    /// <summary>As <see cref="CanShare(PreparedJob, PreparedJob, LaneSupport)"/>
    /// for the default engine (<see cref="VectorLaneStep.Supports"/>).</summary>
    public static bool CanShare(PreparedJob first,
        PreparedJob second) => CanShare(first, second, VectorLaneStep.Supports);

    /// <summary>As <see cref="Fit(IReadOnlyList{PreparedJob}, LaneEngineFactory, CancellationToken)"/>
    /// with the default engine (<see cref="VectorEngine"/>); the group must pass <see cref="CanShare(PreparedJob, PreparedJob)"/>.</summary>
    public static TrainingOutcome[] Fit(IReadOnlyList<PreparedJob> group, CancellationToken cancellationToken) =>
        Fit(group, VectorEngine, cancellationToken);

    /// <summary>Whether two prepared jobs may share lanes: the same network definition (by value: layers, widths,
    /// transfer functions, loss), the same batch size after clamping to each job's training rows, and an engine that
    /// supports both.</summary>
    public static bool CanShare(PreparedJob first,
        PreparedJob second, LaneSupport supports)
    {
        ArgumentNullException.ThrowIfNull(supports);
        NetworkDefinition definition = first.Job.Network.Definition;
        int batchSize = BatchSize(first);
        return definition.Equals(second.Job.Network.Definition) && batchSize == BatchSize(second)
            && supports(definition, first.Job.Options, batchSize, first.Training.Data)
            && supports(definition, second.Job.Options, batchSize, second.Training.Data);
    }

    /// <summary>The batch size a prepared job trains with: its option, clamped to its training rows (as BatchSource does).</summary>
    public static int BatchSize(PreparedJob job) =>
        Math.Min(job.Job.Options.BatchSize, job.Training.Count);

    /// <summary>Trains every job of <paramref name="group"/> in lock-step through one engine from <paramref name="engine"/>;
    /// each job's network, history, callbacks, checkpoints and failure are those <see cref="Trainer.Fit"/> gives it alone.</summary>
    /// <param name="group">1 to <see cref="LaneStep.Capacity"/> jobs, checked and split as Trainer.Fit checks and splits
    /// them (training rows, validation rows or null), of one network definition and one batch size (see
    /// CanShare), no two sharing a network.</param>
    /// <param name="engine">Makes the lane engine for the group.</param>
    /// <param name="cancellationToken">Stops every run before its next batch, as for Fit (checkpoints saved).</param>
    /// <remarks>A run's BatchCompleted handler gets exactly Fit's reports, but while its epoch is in a lane the network holds
    /// the epoch's starting weights (they are stored back at the epoch's end, before validation and Progress). A run whose
    /// lane step diverges finishes alone after the other runs.</remarks>
    /// <returns>One outcome per job, in the group's order. Whatever a run's training throws (a TrainingDivergedException,
    /// an exception from its schedule, callbacks or checkpoint file) is its outcome's Failure, with its network holding the
    /// weights Fit would leave; the other runs go on.</returns>
    /// <exception cref="ArgumentException">The group is empty or too large, or its jobs differ in definition or batch size.</exception>
    public static TrainingOutcome[] Fit(IReadOnlyList<PreparedJob> group,
        LaneEngineFactory engine, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(engine);
        CheckGroup(group);
        var runs = new TrainingRun[group.Count];
        try
        {
            var bindings = new LaneBinding[group.Count];
            for (int i = 0; i < runs.Length; i++)
            {
                (_, TrainingJob job, DatasetRows training, DatasetRows? validation) = group[i];
                // One thread: the group trains on the caller's thread (a scheduler runs groups side by side), and a run's own
                // steps and validation give the same bits at any thread count.
                runs[i] = new TrainingRun(job.Network, training, validation, job.Options, threads: 1);
                bindings[i] = new LaneBinding(job.Network, training.Data, job.Options, runs[i].State.LayerRandom);
            }
            using LaneStep lanes = engine(bindings, BatchSize(group[0]));
            if (lanes.Lanes != runs.Length || lanes.BatchSize != runs[0].BatchSize)
            {
                throw new InvalidOperationException($"The lane engine holds {lanes.Lanes} lanes of batches of {lanes.BatchSize}; expected {runs.Length} lanes of {runs[0].BatchSize}.");
            }
            var outcomes = new TrainingOutcome[runs.Length];
            new LockstepGroup(group, runs, lanes, outcomes).Train(cancellationToken);
            return outcomes;
        }
        finally
        {
            foreach (TrainingRun? run in runs) run?.Dispose();
        }
    }

    private static void CheckGroup(IReadOnlyList<PreparedJob> group)
    {
        if (group.Count is 0 or > LaneStep.Capacity)
        {
            throw new ArgumentException($"group holds {group.Count} jobs; lock-step training takes 1 to {LaneStep.Capacity}.", nameof(group));
        }
        NetworkDefinition definition = group[0].Job.Network.Definition;
        int batchSize = BatchSize(group[0]);
        var networks = new HashSet<Network>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < group.Count; i++)
        {
            if (!networks.Add(group[i].Job.Network)) throw new ArgumentException($"group[{i}] trains a network that an earlier job trains too.", nameof(group));
            if (!definition.Equals(group[i].Job.Network.Definition))
            {
                throw new ArgumentException($"group[{i}]'s network is {group[i].Job.Network.Definition}, group[0]'s is {definition}; lock-step training needs one definition.", nameof(group));
            }
            if (BatchSize(group[i]) != batchSize)
            {
                throw new ArgumentException($"group[{i}] trains in batches of {BatchSize(group[i])}, group[0] in batches of {batchSize} (after clamping to the training rows); lock-step training needs one batch size.", nameof(group));
            }
        }
    }
}
