namespace FastBackprop.Training;

// ---------------------------------------------------------------------------------------------
// The epoch of a TrainingRun driven from outside, one batch at a time (LockstepTraining): the
// driver begins the epoch (order, rate, the divergence guard's mark of its start), reads each
// batch's rows and rate, makes the step elsewhere (a lane of a LaneStep), completes the batch
// with the step's loss and outputs (the same CompleteBatch as Fit's own loop: sums, BatchCompleted,
// the batch counter), then finishes the epoch (validation, report, plateau, early stopping,
// checkpoint) with the epoch's weights stored back into the network. The run's own BatchStep is
// not used on this path, except when a lane's step diverges: then the run takes its epoch up
// alone at the failing batch (ContinueAlone) and ends exactly as Fit would.
// ---------------------------------------------------------------------------------------------

/// <summary>The batch-at-a-time face of the run, for lock-step training (see the file header).</summary>
internal sealed partial class TrainingRun
{
    /// <summary>The network trained (the epoch's start while a lane holds its weights).</summary>
    public Network Network => network;

    /// <summary>The training rows.</summary>
    public DatasetRows Training => training;

    /// <summary>The run's options.</summary>
    public TrainingOptions Options => options;

    /// <summary>Patterns per batch after clamping to the training rows (the last batch of an epoch may hold fewer).</summary>
    public int BatchSize => source.BatchSize;

    /// <summary>Whether an epoch is left to train (none after the last one, or when early stopping ended the run).</summary>
    public bool HasEpochLeft => State.Epoch < options.Epochs && !State.EarlyStopped;

    /// <summary>Whether the epoch in progress has a batch left.</summary>
    public bool HasBatchLeft => State.Batch < source.BatchCount;

    /// <summary>Starts the next epoch as Fit does: its order, its rate, and the divergence guard's mark of its start (the
    /// network must hold the epoch's starting weights).</summary>
    public void BeginDrivenEpoch() => BeginEpoch();

    /// <summary>The batch in progress: writes its rows (row numbers of <see cref="DatasetRows.Data"/>, in batch order) to
    /// the start of <paramref name="rows"/> and returns their count; <paramref name="learningRate"/> is its step's rate.</summary>
    public int NextBatch(Span<int> rows, out float learningRate)
    {
        if (perStep) rate = StepRate(State.Batch);
        learningRate = rate;
        return source.Rows(State.Batch, rows);
    }

    /// <summary>Completes the batch in progress after a finite step made elsewhere with <paramref name="lossSum"/> and the
    /// output layer's rows <paramref name="outputs"/>: the epoch's sums, BatchCompleted, the next batch.</summary>
    public void CompleteDrivenBatch(float lossSum, ReadOnlySpan<float> outputs)
    {
        Batch batch = source.GatherScored(State.Batch);   // the targets or labels, and the weights, the sums read
        CompleteBatch(lossSum, outputs, batch);
    }

    /// <summary>Finishes the epoch whose weights the network holds again: validation, report, schedule, early stopping,
    /// checkpoint. True when early stopping ends the run.</summary>
    public bool FinishDrivenEpoch() => FinishEpoch();

    /// <summary>The run's history once no epoch is left (<see cref="HasEpochLeft"/> false).</summary>
    public TrainingHistory Finish() => State.EarlyStopped ? Stop(StopReason.EarlyStopped) : Complete();

    /// <summary>Stops the run as a cancelled Fit does before the batch in progress (the network holds the weights after the
    /// batch before it): saves the checkpoint and returns the history.</summary>
    public TrainingHistory Cancel()
    {
        SaveCheckpoint();
        return Stop(StopReason.Cancelled);
    }

    /// <summary>After a lane's step of the batch in progress was not finite: restores the weights, optimizer state and
    /// generator of before that batch from the epoch's mark (the network still holds the epoch's start) and trains the
    /// rest of the run with its own steps, from that batch on, so that the divergence is met and handled (halving and
    /// replay, or the exception) exactly as in Fit.</summary>
    /// <exception cref="TrainingDivergedException">As Fit.</exception>
    public TrainingHistory ContinueAlone(CancellationToken cancellationToken)
    {
        guard.RestoreBeforeStep(State.Batch);
        if (!TrainBatches(cancellationToken)) return Stop(StopReason.Cancelled);
        if (FinishEpoch()) return Stop(StopReason.EarlyStopped);
        return TrainRemainingEpochs(cancellationToken);
    }
}
