using System.Globalization;

namespace FastBackprop;

// ---------------------------------------------------------------------------------------------
// A user-defined loss from its value and derivative per output: E_p = Σ_k e(y_k, d_k), or the
// mean over the K outputs when MeanOverOutputs; ∂E/∂y_k = e'(y_k, d_k) (/ K). The output layer
// applies f'. The float path calls Value and Derivative in double per element (a user's loss is
// not vectorised); the reference calls the same in double.
//
// Check (before first use and on registering): Derivative(y, d) against central differences of
// Value(·, d) at DerivativeCheck's points y and targets d in {-1.7, 0, 0.3, 1, 2.6}, with
// DerivativeCheck's Richardson estimate and tolerance; a wrong one throws with the worst point.
// ---------------------------------------------------------------------------------------------

/// <summary>Base of user-defined losses: define the value e(y, d) of one output and its derivative ∂e/∂y in double;
/// E_p is their sum over the outputs (or mean, if <see cref="MeanOverOutputs"/> is overridden to true) and the signal
/// ∂E_p/∂y, to which the output layer applies f'. The derivative is checked against central differences of the
/// value before the loss is first used or registered; register it (<see cref="Loss.Register"/>) to save and load models
/// that use it. Any output transfer function; targets must be finite.</summary>
public abstract class ElementwiseLoss : Loss
{
    // The targets the derivative is checked at.
    private static readonly double[] CheckedTargets = [-1.7, 0, 0.3, 1, 2.6];

    // 1 once this instance's Derivative has passed the check.
    private int derivativeChecked;

    /// <summary>For derived losses.</summary>
    protected ElementwiseLoss()
    {
    }

    /// <inheritdoc/>
    /// <remarks>False (a sum over the outputs) unless overridden.</remarks>
    public override bool MeanOverOutputs => false;

    /// <summary>e(y, d): the loss of one output <paramref name="output"/> against its target <paramref name="target"/>.</summary>
    public abstract double Value(double output, double target);

    /// <summary>∂e/∂y at (<paramref name="output"/>, <paramref name="target"/>).</summary>
    public abstract double Derivative(double output, double target);

    internal override float Pattern(TransferFunction output, ReadOnlySpan<float> net, ReadOnlySpan<float> y, ReadOnlySpan<float> target, Span<float> signal)
    {
        ThrowHelper.CheckLength(target.Length, y.Length, nameof(target));
        ThrowHelper.CheckLength(signal.Length, y.Length, nameof(signal));
        double scale = MeanOverOutputs ? 1.0 / y.Length : 1.0, sum = 0;
        for (int k = 0; k < y.Length; k++)
        {
            sum += Value(y[k], target[k]);
            signal[k] = (float)(Derivative(y[k], target[k]) * scale);
        }
        return (float)(sum * scale);
    }

    internal override double Reference(TransferFunction output, ReadOnlySpan<double> net, ReadOnlySpan<double> y, ReadOnlySpan<double> d, Span<double> signal)
    {
        double scale = MeanOverOutputs ? 1.0 / y.Length : 1.0, sum = 0;
        for (int k = 0; k < y.Length; k++)
        {
            sum += Value(y[k], d[k]);
            signal[k] = Derivative(y[k], d[k]) * scale;
        }
        return sum * scale;
    }

    // H = diag(∂²e/∂y²) (/ K), by central differences of Derivative, clamped at 0 so that the Gauss-Newton matrix stays
    // positive semi-definite.
    internal override void HessianFactorColumn(TransferFunction output, ReadOnlySpan<float> y, ReadOnlySpan<float> target, int k, Span<float> signal)
    {
        double x = y[k], h = 1e-4 * Math.Max(1.0, Math.Abs(x));
        double second = (Derivative(x + h, target[k]) - Derivative(x - h, target[k])) / (2 * h) * (MeanOverOutputs ? 1.0 / y.Length : 1.0);
        DiagonalColumn(signal, k, second > 0 && double.IsFinite(second) ? (float)second : 0f);
    }

    /// <summary>Checks Derivative against central differences of Value the first time this instance is used or registered.</summary>
    /// <exception cref="ArgumentException">The derivative is wrong (named <paramref name="paramName"/>).</exception>
    internal void EnsureDerivativeChecked(string paramName)
    {
        if (Volatile.Read(ref derivativeChecked) != 0) return;
        foreach (double d in CheckedTargets)
        {
            DerivativeCheck.Mismatch worst = DerivativeCheck.Compare(y => Value(y, d), y => Derivative(y, d));
            if (worst.Failures > 0)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"loss '{Name}' has a wrong Derivative: at output {worst.X:R} and target {d:R} (the worst of {worst.Failures} outputs checked at that target) " +
                    $"Derivative is {worst.Analytic:R}, but central differences of Value give {worst.Numeric:R} (tolerance {worst.Tolerance:E2})."), paramName);
            }
        }
        Volatile.Write(ref derivativeChecked, 1);
    }
}
