namespace FastBackprop.Training;

/// <summary>What early stopping (and <see cref="ReduceOnPlateauSchedule"/>) watch at the end of every epoch: the
/// validation figure when there is validation data, else the training figure of the epoch.</summary>
public enum MonitoredMetric
{
    /// <summary>The mean loss E per pattern; lower is better (Keras's and PyTorch's mode "min").</summary>
    Loss,

    /// <summary>The fraction of patterns classified right; higher is better (mode "max"). Classification (labelled)
    /// data only.</summary>
    Accuracy,
}
