using FastBackprop.Kernels;

namespace FastBackprop.Training;

/// <summary>NAdam (Dozat 2016: Adam with Nesterov momentum) as torch.optim.NAdam, with its momentum schedule.
/// See <see cref="NAdamUpdate"/> for the equations.</summary>
/// <remarks>State: buffer 0 the first moment m, buffer 1 the second moment v (both zero initially; v never negative),
/// and the momentum product Π_{j&lt;=t} mu_j (1 initially), which checkpoints with them.</remarks>
public sealed class NAdam : Optimizer
{
    private double momentumProduct = 1;

    /// <summary>Creates the optimizer with PyTorch's defaults (its learning rate is 0.002).</summary>
    /// <param name="parameterCount">The length of the parameter buffer; at least 1.</param>
    /// <param name="beta1">beta1, in [0, 1).</param>
    /// <param name="beta2">beta2, in [0, 1).</param>
    /// <param name="epsilon">Added to the bias-corrected √v; finite, &gt; 0.</param>
    /// <param name="momentumDecay">psi of the schedule mu_t = beta1 (1 - 0.5 · 0.96^(t psi)); finite, &gt;= 0.</param>
    /// <param name="weightDecay">lambda, coupled; finite, &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is NaN or outside its range.</exception>
    public NAdam(int parameterCount, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float momentumDecay = 4e-3f, float weightDecay = 0f)
        : base(parameterCount, 2)
    {
        Beta1 = HyperParameter.UnitInterval(beta1, nameof(beta1));
        Beta2 = HyperParameter.UnitInterval(beta2, nameof(beta2));
        Epsilon = HyperParameter.Positive(epsilon, nameof(epsilon));
        MomentumDecay = HyperParameter.NonNegative(momentumDecay, nameof(momentumDecay));
        WeightDecay = HyperParameter.NonNegative(weightDecay, nameof(weightDecay));
    }

    /// <summary>beta1.</summary>
    public float Beta1 { get; }

    /// <summary>beta2.</summary>
    public float Beta2 { get; }

    /// <summary>epsilon.</summary>
    public float Epsilon { get; }

    /// <summary>psi.</summary>
    public float MomentumDecay { get; }

    /// <summary>lambda (coupled).</summary>
    public float WeightDecay { get; }

    /// <summary>Π_{j&lt;=t} mu_j after the last step (1 before the first).</summary>
    internal double MomentumProduct => momentumProduct;

    /// <inheritdoc/>
    public override string ToString() =>
        FormattableString.Invariant($"nadam (beta1 {Beta1}, beta2 {Beta2}, epsilon {Epsilon}, momentum decay {MomentumDecay}, weight decay {WeightDecay})");

    private protected override void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate, long step) =>
        momentumProduct = NAdamUpdate.Apply(parameters, gradient, StateBuffer(0), StateBuffer(1), learningRate, Beta1, Beta2, Epsilon, MomentumDecay, step, momentumProduct, WeightDecay);

    private protected override void ExchangeHistory(ref StateSerializer s) => s.Double(ref momentumProduct);

    private protected override void InitializeState() => momentumProduct = 1;

    private protected override string? InvalidState() =>
        momentumProduct is >= 0 and <= 1 ? base.InvalidState() : $"the momentum product is {momentumProduct}; expected a number in [0, 1].";

    private protected override bool IsValidState(int buffer, float value) => float.IsFinite(value) && (buffer == 0 || value >= 0f);
}
