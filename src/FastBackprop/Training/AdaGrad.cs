using FastBackprop.Kernels;

namespace FastBackprop.Training;

/// <summary>AdaGrad (Duchi, Hazan and Singer 2011) as torch.optim.Adagrad: per-parameter rates that shrink with the
/// sum of squared gradients. See <see cref="AdaGradUpdate"/> for the equations.</summary>
/// <remarks>State: one buffer, the sum of squared gradients s (the initial accumulator value initially, never negative).
/// <see cref="Optimizer.StepCount"/> is the t of the rate decay.</remarks>
public sealed class AdaGrad : Optimizer
{
    /// <summary>Creates the optimizer with PyTorch's defaults.</summary>
    /// <param name="parameterCount">The length of the parameter buffer; at least 1.</param>
    /// <param name="epsilon">Added to √s; finite, &gt; 0.</param>
    /// <param name="learningRateDecay">eta_decay: the rate of step t is eta / (1 + (t - 1) eta_decay); finite, &gt;= 0.</param>
    /// <param name="initialAccumulator">s before the first step; finite, &gt;= 0.</param>
    /// <param name="weightDecay">lambda, coupled; finite, &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is NaN or outside its range.</exception>
    public AdaGrad(int parameterCount, float epsilon = 1e-10f, float learningRateDecay = 0f, float initialAccumulator = 0f, float weightDecay = 0f)
        : base(parameterCount, 1)
    {
        Epsilon = HyperParameter.Positive(epsilon, nameof(epsilon));
        LearningRateDecay = HyperParameter.NonNegative(learningRateDecay, nameof(learningRateDecay));
        InitialAccumulator = HyperParameter.NonNegative(initialAccumulator, nameof(initialAccumulator));
        WeightDecay = HyperParameter.NonNegative(weightDecay, nameof(weightDecay));
        InitializeState();
    }

    /// <summary>epsilon.</summary>
    public float Epsilon { get; }

    /// <summary>eta_decay.</summary>
    public float LearningRateDecay { get; }

    /// <summary>s before the first step.</summary>
    public float InitialAccumulator { get; }

    /// <summary>lambda (coupled).</summary>
    public float WeightDecay { get; }

    /// <inheritdoc/>
    public override string ToString() => Fmt($"adagrad (epsilon {Epsilon}, lr-decay {LearningRateDecay}, initial accumulator {InitialAccumulator}, weight decay {WeightDecay})");

    private protected override void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate, long step) =>
        AdaGradUpdate.Apply(parameters, gradient, StateBuffer(0), learningRate, Epsilon, step, LearningRateDecay, WeightDecay);

    private protected override void InitializeState() => StateBuffer(0).Fill(InitialAccumulator);

    private protected override bool IsValidState(int buffer, float value) => float.IsFinite(value) && value >= 0f;

    private static string Fmt(FormattableString text) => FormattableString.Invariant(text);
}
