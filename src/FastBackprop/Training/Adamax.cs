using FastBackprop.Kernels;

namespace FastBackprop.Training;

/// <summary>Adamax (Kingma and Ba 2015, the infinity-norm variant of Adam) as torch.optim.Adamax.
/// See <see cref="AdamaxUpdate"/> for the equations.</summary>
/// <remarks>State: buffer 0 the first moment m, buffer 1 the infinity norm u (both zero initially; u never negative).</remarks>
public sealed class Adamax : Optimizer
{
    /// <summary>Creates the optimizer with PyTorch's defaults (its learning rate is 0.002).</summary>
    /// <param name="parameterCount">The length of the parameter buffer; at least 1.</param>
    /// <param name="beta1">Decay of the first moment, in [0, 1).</param>
    /// <param name="beta2">Decay of the infinity norm, in [0, 1).</param>
    /// <param name="epsilon">Added to |g|; finite, &gt; 0.</param>
    /// <param name="weightDecay">lambda, coupled; finite, &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is NaN or outside its range.</exception>
    public Adamax(int parameterCount, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f)
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
    public override string ToString() => FormattableString.Invariant($"adamax (beta1 {Beta1}, beta2 {Beta2}, epsilon {Epsilon}, weight decay {WeightDecay})");

    private protected override void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate, long step) =>
        AdamaxUpdate.Apply(parameters, gradient, StateBuffer(0), StateBuffer(1), learningRate, Beta1, Beta2, Epsilon, step, WeightDecay);

    private protected override bool IsValidState(int buffer, float value) => float.IsFinite(value) && (buffer == 0 || value >= 0f);
}
