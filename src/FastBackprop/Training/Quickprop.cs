using FastBackprop.Kernels;

namespace FastBackprop.Training;

/// <summary>Quickprop (Fahlman 1988) as FANN implements it: per weight, a jump to the minimum of the parabola through
/// the last two slopes, bounded by a maximum growth factor, plus a gradient step. A full-batch method. See
/// <see cref="QuickpropUpdate"/> for the equations.</summary>
/// <remarks>State: buffer 0 the last change of each weight, buffer 1 the last slope -(g + lambda w) (both zero initially).</remarks>
public sealed class Quickprop : Optimizer
{
    /// <summary>Creates the optimizer with FANN's defaults.</summary>
    /// <param name="parameterCount">The length of the parameter buffer; at least 1.</param>
    /// <param name="maximumGrowth">mu, the largest ratio of a step to the one before; finite, &gt; 0 (FANN: 1.75).</param>
    /// <param name="weightDecay">lambda, on the mean gradient; finite, &gt;= 0. FANN's quickprop_decay -1e-4 is added to
    /// slopes summed over its N patterns: lambda = 1e-4 / N matches it.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is NaN or outside its range.</exception>
    public Quickprop(int parameterCount, float maximumGrowth = 1.75f, float weightDecay = 0f)
        : base(parameterCount, 2)
    {
        MaximumGrowth = HyperParameter.Positive(maximumGrowth, nameof(maximumGrowth));
        WeightDecay = HyperParameter.NonNegative(weightDecay, nameof(weightDecay));
    }

    /// <summary>mu.</summary>
    public float MaximumGrowth { get; }

    /// <summary>lambda.</summary>
    public float WeightDecay { get; }

    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant($"quickprop (maximum growth {MaximumGrowth}, weight decay {WeightDecay})");

    private protected override void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate, long step) =>
        QuickpropUpdate.Apply(parameters, gradient, StateBuffer(0), StateBuffer(1), learningRate, MaximumGrowth, WeightDecay);
}
