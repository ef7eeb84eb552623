using FastBackprop.Kernels;

namespace FastBackprop.Training;

/// <summary>Adam (Kingma and Ba 2015) with PyTorch's bias correction and epsilon outside the square root, and
/// optional coupled L2 weight decay (torch.optim.Adam's weight_decay). For decoupled decay use <see cref="AdamW"/>.
/// See <see cref="AdamUpdate"/> for the equations.</summary>
/// <remarks>State: buffer 0 the first moment m, buffer 1 the second moment v (both zero initially;
/// v is never negative). <see cref="Optimizer.StepCount"/> is the t of the bias correction.</remarks>
public sealed class Adam : Optimizer
{
    /// <summary>Creates the optimizer.</summary>
    /// <param name="parameterCount">The length of the parameter buffer; at least 1.</param>
    /// <param name="beta1">Decay of the first moment, in [0, 1).</param>
    /// <param name="beta2">Decay of the second moment, in [0, 1).</param>
    /// <param name="epsilon">Added to √v̂; finite, &gt; 0.</param>
    /// <param name="weightDecay">lambda, coupled: the gradient becomes g + lambda w; finite, &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is NaN or outside its range.</exception>
    public Adam(int parameterCount, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f)
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

    private protected override void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate, long step) =>
        AdamUpdate.Apply(parameters, gradient, StateBuffer(0), StateBuffer(1), learningRate, Beta1, Beta2, Epsilon, step, WeightDecay, decoupledWeightDecay: false);

    private protected override bool IsValidState(int buffer, float value) => float.IsFinite(value) && (buffer == 0 || value >= 0f);
}
