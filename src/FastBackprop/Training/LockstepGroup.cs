namespace FastBackprop.Training;

/// <summary>The tick loop of one lock-step training (<see cref="LockstepTraining"/>): each run's lane state, the tick's rows, counts,
/// rates and results (allocated once), and the runs that left the lanes to train on alone.</summary>
internal sealed class LockstepGroup
{
    private enum LaneState
    {
        Idle,       // the run has ended (its outcome is set), or not started
        Training,   // the lane holds the run's weights
        Diverged,   // the lane's step was not finite: the run trains on alone after the lock-step loop
    }

    private readonly IReadOnlyList<PreparedJob> group;
    private readonly TrainingRun[] runs;
    private readonly LaneStep lanes;
    private readonly TrainingOutcome[] outcomes;
    private readonly LaneState[] states;
    private readonly int[] rows;
    private readonly int[] counts;
    private readonly float[] rates;
    private readonly StepResult[] results;
    private readonly int batchSize;

    public LockstepGroup(IReadOnlyList<PreparedJob> group, TrainingRun[] runs,
        LaneStep lanes, TrainingOutcome[] outcomes)
    {
        this.group = group;
        this.runs = runs;
        this.lanes = lanes;
        this.outcomes = outcomes;
        batchSize = lanes.BatchSize;
        states = new LaneState[runs.Length];
        rows = new int[runs.Length * batchSize];
        counts = new int[runs.Length];
        rates = new float[runs.Length];
        results = new StepResult[runs.Length];
    }

    /// <summary>Trains every run to its end (or to cancellation) and sets its outcome.</summary>
    public void Train(CancellationToken cancellationToken)
    {
        for (int i = 0; i < runs.Length; i++)
        {
            try
            {
                StartNextEpoch(i);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Fail(i, e);
            }
        }
        while (AnyTraining())
        {
            if (cancellationToken.IsCancellationRequested)
            {
                CancelAll();
                break;
            }
            Tick();
        }
        for (int i = 0; i < runs.Length; i++)
        {
            if (states[i] != LaneState.Diverged) continue;
            states[i] = LaneState.Idle;
            try
            {
                Succeed(i, runs[i].ContinueAlone(cancellationToken));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Fail(i, e);
            }
        }
    }

    // One step of every training lane: each run's next batch, one engine call, then each lane's batch completed.
    private void Tick()
    {
        for (int i = 0; i < runs.Length; i++)
        {
            counts[i] = 0;
            if (states[i] != LaneState.Training) continue;
            try
            {
                counts[i] = runs[i].NextBatch(rows.AsSpan(i * batchSize, batchSize), out rates[i]);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Fail(i, e);
            }
        }
        lanes.Run(rows, counts, rates, results);
        for (int i = 0; i < runs.Length; i++)
        {
            if (states[i] != LaneState.Training) continue;
            if (results[i].Failure is not null)
            {
                states[i] = LaneState.Diverged;   // its lane is not stored: the network keeps the epoch's start
                continue;
            }
            try
            {
                CompleteBatch(i);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Fail(i, e);
            }
        }
    }

    // The lane's finite step completes its run's batch; at the end of the epoch the lane goes back into the network, which
    // the run's end of epoch reads, and the next epoch (if any) starts.
    private void CompleteBatch(int lane)
    {
        TrainingRun run = runs[lane];
        run.CompleteDrivenBatch(results[lane].LossSum, lanes.Outputs(lane, counts[lane]));
        if (run.HasBatchLeft) return;
        lanes.Store(lane, run.Network.Parameters);
        states[lane] = LaneState.Idle;   // the network holds the run's weights now (early stopping may restore others)
        run.FinishDrivenEpoch();
        StartNextEpoch(lane);
    }

    // Begins the run's next epoch and loads its weights into its lane, or ends a run that has no epoch left.
    private void StartNextEpoch(int lane)
    {
        TrainingRun run = runs[lane];
        if (!run.HasEpochLeft)
        {
            Succeed(lane, run.Finish());
            return;
        }
        run.BeginDrivenEpoch();
        lanes.Load(lane, run.Network.Parameters);
        states[lane] = LaneState.Training;
    }

    // Every training run stops before its next batch, as a cancelled Fit: its lane's weights in its network, checkpoint saved.
    private void CancelAll()
    {
        for (int i = 0; i < runs.Length; i++)
        {
            if (states[i] != LaneState.Training) continue;
            try
            {
                lanes.Store(i, runs[i].Network.Parameters);
                states[i] = LaneState.Idle;
                Succeed(i, runs[i].Cancel());
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Fail(i, e);
            }
        }
    }

    private bool AnyTraining()
    {
        foreach (LaneState state in states)
        {
            if (state == LaneState.Training) return true;
        }
        return false;
    }

    private void Succeed(int lane, TrainingHistory history)
    {
        states[lane] = LaneState.Idle;
        outcomes[lane] = new TrainingOutcome(group[lane].Job, history, null);
    }

    // What one run's training threw ends that run alone, as it would have ended its Fit, with its network holding the
    // weights Fit's would (a lane that holds them stores them first); the exception is its outcome. Only a run's own work
    // is caught so: the engine's exceptions end the whole group.
    private void Fail(int lane, Exception e)
    {
        if (states[lane] == LaneState.Training) lanes.Store(lane, runs[lane].Network.Parameters);
        states[lane] = LaneState.Idle;
        outcomes[lane] = new TrainingOutcome(group[lane].Job, null, e);
    }
}
