namespace FastBackprop.Training;

/// <summary>Metrics of one finished epoch.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="TrainingLoss">Mean error E per training pattern, measured during the epoch (before each batch's update).</param>
/// <param name="TrainingAccuracy">Fraction of training patterns classified right during the epoch; null without class labels.</param>
/// <param name="TrainingMeanSquaredError">Mean of (y - d)² over training patterns and outputs; null for classification data.</param>
/// <param name="Validation">The validation metrics after the epoch, or null without validation data.</param>
/// <param name="LearningRate">The learning rate the epoch ended with.</param>
/// <param name="Elapsed">Wall time of the epoch, validation included.</param>
/// <param name="PatternsPerSecond">Training patterns per second of the epoch.</param>
public sealed record EpochReport(
    int Epoch,
    double TrainingLoss,
    double? TrainingAccuracy,
    double? TrainingMeanSquaredError,
    Evaluation? Validation,
    float LearningRate,
    TimeSpan Elapsed,
    double PatternsPerSecond);

/// <summary>Progress of one batch.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Batch">0-based batch index within the epoch.</param>
/// <param name="BatchCount">Batches per epoch.</param>
/// <param name="Loss">Mean error E per pattern of the batch.</param>
/// <param name="PatternsDone">Patterns trained so far in this epoch.</param>
public readonly record struct BatchReport(int Epoch, int Batch, int BatchCount, double Loss, int PatternsDone);

/// <summary>Why training ended.</summary>
public enum StopReason
{
    /// <summary>All epochs ran.</summary>
    Completed,

    /// <summary>Early stopping: no improvement for the patience; the best epoch's weights were restored (with
    /// <see cref="TrainingOptions.RestoreBestWeights"/>, if an epoch had a finite monitored figure: see
    /// <see cref="TrainingHistory.Weights"/>).</summary>
    EarlyStopped,

    /// <summary>The cancellation token fired; the network holds the weights after the last whole batch.</summary>
    Cancelled,
}

/// <summary>Which weights <see cref="Trainer.Fit"/> leaves in the network.</summary>
public enum FinalWeights
{
    /// <summary>The weights after the last batch trained: when <see cref="TrainingOptions.RestoreBestWeights"/> does not
    /// apply (it is off, or there is neither validation data nor a patience), after a cancellation, or when no epoch had
    /// a finite monitored figure (so no weights were kept to restore).</summary>
    LastBatch,

    /// <summary>The weights at the end of <see cref="TrainingHistory.BestEpoch"/>, restored by
    /// <see cref="TrainingOptions.RestoreBestWeights"/>, whether early stopping ended the run or all epochs ran.</summary>
    BestEpoch,
}

/// <summary>What <see cref="Trainer.Fit"/> returns: the per-epoch reports, why it stopped and which weights the network holds.</summary>
/// <param name="Epochs">One report per finished epoch, including epochs before a resume.</param>
/// <param name="StopReason">Why training ended.</param>
/// <param name="BestEpoch">1-based epoch with the best finite monitored figure (<see cref="TrainingOptions.Monitor"/>: the
/// lowest loss or the highest accuracy, validation if any, else training; improvements by more than
/// <see cref="TrainingOptions.EarlyStoppingMinDelta"/> only); 0 if none.</param>
/// <param name="LearningRateHalvings">How often divergence halved the learning rate.</param>
/// <param name="Weights">Which weights the network holds now.</param>
public sealed record TrainingHistory(IReadOnlyList<EpochReport> Epochs, StopReason StopReason, int BestEpoch, int LearningRateHalvings,
    FinalWeights Weights = FinalWeights.LastBatch);
