using FastBackprop.Kernels;

namespace FastBackprop;

/// <summary>E = ½ Σ_k (d_k - y_k)² (the derivation's (3)), ∂E/∂y_k = y_k - d_k; the output layer applies f' (7).</summary>
internal sealed class HalfSquaredErrorLoss : Loss
{
    public override string Name => "hse";
    public override bool MeanOverOutputs => false;
    public override string ToString() => "HalfSquaredError";

    // One canonical 16-lane reduction over whatever span it is given: one pattern, or a whole block of rows at once.
    internal override bool SumsWholeBlock => true;

    internal override float Pattern(TransferFunction output, ReadOnlySpan<float> net, ReadOnlySpan<float> y, ReadOnlySpan<float> target, Span<float> signal) =>
        OutputDelta.HalfSquaredError(y, target, signal);

    internal override double Reference(TransferFunction output, ReadOnlySpan<double> net, ReadOnlySpan<double> y, ReadOnlySpan<double> d, Span<double> signal)
    {
        double error = 0;
        for (int k = 0; k < y.Length; k++)
        {
            error += 0.5 * (d[k] - y[k]) * (d[k] - y[k]);   // (3): E = ½ Σ (d_k - y_k)²
            signal[k] = y[k] - d[k];                           // ∂E/∂y_k = -(d_k - y_k)
        }
        return error;
    }

    // H = I in y: the Gauss-Newton matrix of the residuals y - d.
    internal override void HessianFactorColumn(TransferFunction output, ReadOnlySpan<float> y, ReadOnlySpan<float> target, int k, Span<float> signal) =>
        DiagonalColumn(signal, k, 1f);
}
