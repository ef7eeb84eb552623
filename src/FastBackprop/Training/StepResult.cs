namespace FastBackprop.Training;

/// <summary>Which value of a step was NaN or infinite.</summary>
internal enum NonFiniteValue
{
    /// <summary>The batch's loss.</summary>
    Loss,

    /// <summary>The gradient, before the update.</summary>
    Gradient,

    /// <summary>A weight or bias, after the update.</summary>
    Weight,
}

/// <summary>What one training step did: the batch's summed loss Σ_p E_p (before the update) and, if the step
/// diverged, which value became non-finite and in which layer first.</summary>
internal readonly struct StepResult
{
    private StepResult(float lossSum, NonFiniteValue? failure, int layer)
    {
        LossSum = lossSum;
        Failure = failure;
        Layer = layer;
    }

    /// <summary>Σ_p E_p of the batch, before the update.</summary>
    public float LossSum { get; }

    /// <summary>The value that became non-finite; null when every value stayed finite.</summary>
    public NonFiniteValue? Failure { get; }

    /// <summary>The 0-based layer where the non-finite value appeared first (meaningful with a <see cref="Failure"/>).</summary>
    public int Layer { get; }

    public static StepResult Finite(float lossSum) => new(lossSum, null, 0);

    public static StepResult Diverged(float lossSum, NonFiniteValue failure, int layer) => new(lossSum, failure, layer);
}
