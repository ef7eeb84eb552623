using FastBackprop.Kernels;

namespace FastBackprop;

/// <summary>E = (1/K) Σ_k (y_k - d_k)², ∂E/∂y_k = 2 (y_k - d_k) / K (PyTorch's MSELoss). Mean over the outputs.</summary>
internal sealed class MeanSquaredErrorLoss : Loss
{
    public override string Name => "mse";
    public override bool MeanOverOutputs => true;
    public override string ToString() => "MeanSquaredError";

    internal override float Pattern(TransferFunction output, ReadOnlySpan<float> net, ReadOnlySpan<float> y, ReadOnlySpan<float> target, Span<float> signal) =>
        OutputDelta.MeanSquaredError(y, target, signal);

    internal override double Reference(TransferFunction output, ReadOnlySpan<double> net, ReadOnlySpan<double> y, ReadOnlySpan<double> d, Span<double> signal)
    {
        double error = 0;
        int count = y.Length;
        for (int k = 0; k < count; k++)
        {
            error += (y[k] - d[k]) * (y[k] - d[k]) / count;   // E = (1/K) Σ (y_k - d_k)²
            signal[k] = 2 * (y[k] - d[k]) / count;             // ∂E/∂y_k = 2 (y_k - d_k) / K
        }
        return error;
    }

    // H = (2/K) I in y.
    internal override void HessianFactorColumn(TransferFunction output, ReadOnlySpan<float> y, ReadOnlySpan<float> target, int k, Span<float> signal) =>
        DiagonalColumn(signal, k, 2f / y.Length);
}
