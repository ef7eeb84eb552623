using System.Globalization;
using FastBackprop.Kernels;

namespace FastBackprop;

/// <summary>PyTorch's HuberLoss(delta): per output r = y - d, ½ r² for |r| ≤ δ and δ (|r| - ½ δ) beyond; E their mean;
/// ∂E/∂y_k = clamp(r_k, -δ, δ) / K. Mean over the outputs.</summary>
internal sealed class HuberLoss(float delta) : Loss
{
    public float Delta { get; } = delta;
    public override string Name => "huber(" + Delta.ToString("R", CultureInfo.InvariantCulture) + ")";
    public override bool MeanOverOutputs => true;
    public override string ToString() => "Huber(" + Delta.ToString("R", CultureInfo.InvariantCulture) + ")";

    internal override float Pattern(TransferFunction output, ReadOnlySpan<float> net, ReadOnlySpan<float> y, ReadOnlySpan<float> target, Span<float> signal) =>
        OutputDelta.Huber(y, target, Delta, signal);

    internal override double Reference(TransferFunction output, ReadOnlySpan<double> net, ReadOnlySpan<double> y, ReadOnlySpan<double> d, Span<double> signal)
    {
        double error = 0, delta = Delta;
        int count = y.Length;
        for (int k = 0; k < count; k++)
        {
            double r = y[k] - d[k], a = Math.Abs(r);
            error += (a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta)) / count;
            signal[k] = Math.Clamp(r, -delta, delta) / count;
        }
        return error;
    }

    // H = diag(1/K where |r| ≤ δ, else 0) in y.
    internal override void HessianFactorColumn(TransferFunction output, ReadOnlySpan<float> y, ReadOnlySpan<float> target, int k, Span<float> signal) =>
        DiagonalColumn(signal, k, Math.Abs(y[k] - target[k]) <= Delta ? 1f / y.Length : 0f);
}
