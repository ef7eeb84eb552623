using FastBackprop.Kernels;

namespace FastBackprop.Training;

/// <summary>RAdam (Liu et al. 2020, rectified Adam) as torch.optim.RAdam. See <see cref="RAdamUpdate"/> for the equations.</summary>
/// <remarks>State: buffer 0 the first moment m, buffer 1 the second moment v (both zero initially; v never negative).</remarks>
public sealed class RAdam : Optimizer
{
    /// <summary>Creates the optimizer with PyTorch's defaults.</summary>
    /// <param name="parameterCount">The length of the parameter buffer; at least 1.</param>
    /// <param name="beta1">beta1, in [0, 1).</param>
    /// <param name="beta2">beta2, in [0, 1).</param>
    /// <param name="epsilon">Added to √v; finite, &gt; 0.</param>
    /// <param name="weightDecay">lambda, coupled; finite, &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is NaN or outside its range.</exception>
    public RAdam(int parameterCount, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f)
        : base(parameterCount, 2)
    {
        Beta1 = HyperParameter.UnitInterval(beta1, nameof(beta1));
        Beta2 = HyperParameter.UnitInterval(beta2, nameof(beta2));
        Epsilon = HyperParameter.Positive(epsilon, nameof(epsilon));
        WeightDecay = HyperParameter.NonNegative(weightDecay, nameof(weightDecay));
    }

    /// <summary>beta1.</summary>
    public float Beta1 { get; }

    /// <summary>beta2.</summary>
    public float Beta2 { get; }

    /// <summary>epsilon.</summary>
    public float Epsilon { get; }

    /// <summary>lambda (coupled).</summary>
    public float WeightDecay { get; }

    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant($"radam (beta1 {Beta1}, beta2 {Beta2}, epsilon {Epsilon}, weight decay {WeightDecay})");

    private protected override void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate, long step) =>
        RAdamUpdate.Apply(parameters, gradient, StateBuffer(0), StateBuffer(1), learningRate, Beta1, Beta2, Epsilon, step, WeightDecay);

    private protected override bool IsValidState(int buffer, float value) => float.IsFinite(value) && (buffer == 0 || value >= 0f);
}
