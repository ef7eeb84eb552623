using FastBackprop.Kernels;

namespace FastBackprop;

/// <summary>E = (1/K) Σ_k |y_k - d_k|, ∂E/∂y_k = sign(y_k - d_k) / K with the subgradient 0 at y_k = d_k (PyTorch's
/// L1Loss). Mean over the outputs.</summary>
internal sealed class MeanAbsoluteErrorLoss : Loss
{
    public override string Name => "mae";
    public override bool MeanOverOutputs => true;
    public override string ToString() => "MeanAbsoluteError";

    internal override float Pattern(TransferFunction output, ReadOnlySpan<float> net, ReadOnlySpan<float> y, ReadOnlySpan<float> target, Span<float> signal) =>
        OutputDelta.MeanAbsoluteError(y, target, signal);

    internal override double Reference(TransferFunction output, ReadOnlySpan<double> net, ReadOnlySpan<double> y, ReadOnlySpan<double> d, Span<double> signal)
    {
        double error = 0;
        int count = y.Length;
        for (int k = 0; k < count; k++)
        {
            error += Math.Abs(y[k] - d[k]) / count;          // E = (1/K) Σ |y_k - d_k|
            signal[k] = Math.Sign(y[k] - d[k]) / (double)count;   // ∂E/∂y_k = sign(y_k - d_k) / K, 0 at y_k = d_k
        }
        return error;
    }

    // H = 0 wherever E is differentiable: the Gauss-Newton matrix is 0, and Levenberg-Marquardt's damping alone steps.
    internal override void HessianFactorColumn(TransferFunction output, ReadOnlySpan<float> y, ReadOnlySpan<float> target, int k, Span<float> signal) =>
        signal.Clear();
}
