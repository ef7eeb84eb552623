namespace FastBackprop.Training;

/// <summary>Training produced a NaN or infinite loss, gradient or weight. The network holds the
/// last finite weights (those before the failing batch).</summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception with a plain message.</summary>
    public TrainingDivergedException()
        : base("Training diverged.")
    {
    }

    /// <summary>Creates the exception with a plain message.</summary>
    public TrainingDivergedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a plain message and a cause.</summary>
    public TrainingDivergedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal TrainingDivergedException(int epoch, int batch, int layer, string what, float learningRate)
        : base($"training diverged in epoch {epoch}, batch {batch}: a non-finite {what} in layer {layer} at learning rate {learningRate}; the network keeps the weights before that batch.")
    {
        Epoch = epoch;
        Batch = batch;
        Layer = layer;
    }

    /// <summary>1-based epoch of the failing batch.</summary>
    public int Epoch { get; }

    /// <summary>0-based batch index within the epoch.</summary>
    public int Batch { get; }

    /// <summary>0-based index of the first layer where a non-finite value appeared.</summary>
    public int Layer { get; }
}
