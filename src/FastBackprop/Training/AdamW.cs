using FastBackprop.Kernels;

namespace FastBackprop.Training;

/// <summary>AdamW (Loshchilov and Hutter 2019): Adam with decoupled weight decay <c>w -= eta lambda w</c> applied
/// before the Adam step, as torch.optim.AdamW. See <see cref="AdamUpdate"/> for the equations.</summary>
/// <remarks>State: buffer 0 the first moment m, buffer 1 the second moment v (both zero initially).</remarks>
public sealed class AdamW : Optimizer
{
    /// <summary>Creates the optimizer.</summary>
    /// <param name="parameterCount">The length of the parameter buffer; at least 1.</param>
    /// <param name="beta1">Decay of the first moment, in [0, 1).</param>
    /// <param name="beta2">Decay of the second moment, in [0, 1).</param>
    /// <param name="epsilon">Added to √v̂; finite, &gt; 0.</param>
    /// <param name="weightDecay">lambda, decoupled; finite, &gt;= 0 (PyTorch's default 0.01).</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is NaN or outside its range.</exception>
    public AdamW(int parameterCount, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0.01f)
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

    /// <summary>lambda (decoupled).</summary>
    public float WeightDecay { get; }

    private protected override void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate, long step) =>
        AdamUpdate.Apply(parameters, gradient, StateBuffer(0), StateBuffer(1), learningRate, Beta1, Beta2, Epsilon, step, WeightDecay, decoupledWeightDecay: true);

    private protected override bool IsValidState(int buffer, float value) => float.IsFinite(value) && (buffer == 0 || value >= 0f);
}
