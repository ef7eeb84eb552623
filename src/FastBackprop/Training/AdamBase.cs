using FastBackprop.Kernels;

namespace FastBackprop.Training;

/// <summary>What <see cref="Adam"/> and <see cref="AdamW"/> share: the moments, their hyper-parameters and the
/// <see cref="AdamUpdate"/> kernel; they differ only in how the weight decay enters.</summary>
/// <remarks>State: buffer 0 the first moment m, buffer 1 the second moment v (both zero initially;
/// v is never negative). <see cref="Optimizer.StepCount"/> is the t of the bias correction.</remarks>
public abstract class AdamBase : Optimizer
{
    private readonly bool decoupled;

    private protected AdamBase(int parameterCount, float beta1, float beta2, float epsilon, float weightDecay, bool decoupled)
        : base(parameterCount, 2)
    {
        Beta1 = HyperParameter.UnitInterval(beta1, nameof(beta1));
        Beta2 = HyperParameter.UnitInterval(beta2, nameof(beta2));
        Epsilon = HyperParameter.Positive(epsilon, nameof(epsilon));
        WeightDecay = HyperParameter.NonNegative(weightDecay, nameof(weightDecay));
        this.decoupled = decoupled;
    }

    /// <summary>beta1.</summary>
    public float Beta1 { get; }

    /// <summary>beta2.</summary>
    public float Beta2 { get; }

    /// <summary>epsilon.</summary>
    public float Epsilon { get; }

    /// <summary>lambda: coupled (added to the gradient) for <see cref="Adam"/>, decoupled for <see cref="AdamW"/>.</summary>
    public float WeightDecay { get; }

    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant(
        $"{(decoupled ? "adamw" : "adam")} (beta1 {Beta1}, beta2 {Beta2}, epsilon {Epsilon}, weight decay {WeightDecay}{(decoupled ? " decoupled" : "")})");

    private protected sealed override void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate, long step) =>
        AdamUpdate.Apply(parameters, gradient, StateBuffer(0), StateBuffer(1), learningRate, Beta1, Beta2, Epsilon, step, WeightDecay, decoupled);

    internal sealed override bool ChecksFiniteness => true;

    private protected sealed override bool ApplyChecked(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate, long step) =>
        AdamUpdate.ApplyChecked(parameters, gradient, StateBuffer(0), StateBuffer(1), learningRate, Beta1, Beta2, Epsilon, step, WeightDecay, decoupled);

    private protected sealed override bool IsValidState(int buffer, float value) => float.IsFinite(value) && (buffer == 0 || value >= 0f);
}
