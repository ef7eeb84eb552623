using FastBackprop.Kernels;

namespace FastBackprop.Training;

/// <summary>RMSProp (Tieleman and Hinton 2012) as torch.optim.RMSprop without momentum or centring, with optional
/// coupled L2 weight decay. See <see cref="RmsPropUpdate"/> for the equations.</summary>
/// <remarks>State: one buffer, the running mean square s (zero initially, never negative).</remarks>
public sealed class RmsProp : Optimizer
{
    /// <summary>Creates the optimizer.</summary>
    /// <param name="parameterCount">The length of the parameter buffer; at least 1.</param>
    /// <param name="rho">Decay of the running mean square (PyTorch's alpha), in [0, 1).</param>
    /// <param name="epsilon">Added to √s; finite, &gt; 0.</param>
    /// <param name="weightDecay">lambda, coupled; finite, &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is NaN or outside its range.</exception>
    public RmsProp(int parameterCount, float rho = 0.99f, float epsilon = 1e-8f, float weightDecay = 0f)
        : base(parameterCount, 1)
    {
        Rho = HyperParameter.UnitInterval(rho, nameof(rho));
        Epsilon = HyperParameter.Positive(epsilon, nameof(epsilon));
        WeightDecay = HyperParameter.NonNegative(weightDecay, nameof(weightDecay));
    }

    /// <summary>rho.</summary>
    public float Rho { get; }

    /// <summary>epsilon.</summary>
    public float Epsilon { get; }

    /// <summary>lambda (coupled).</summary>
    public float WeightDecay { get; }

    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant($"rmsprop (rho {Rho}, epsilon {Epsilon}, weight decay {WeightDecay})");

    private protected override void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate, long step) =>
        RmsPropUpdate.Apply(parameters, gradient, StateBuffer(0), learningRate, Rho, Epsilon, WeightDecay);

    private protected override bool IsValidState(int buffer, float value) => float.IsFinite(value) && value >= 0f;
}
