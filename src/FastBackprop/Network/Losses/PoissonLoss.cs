using FastBackprop.Kernels;

namespace FastBackprop;

/// <summary>Poisson negative log-likelihood with the log link (PyTorch's PoissonNLLLoss, log_input=True, full=False) over an
/// exponential output y = e^net: E = (1/K) Σ_k (e^net_k - d_k net_k), ∂E/∂net_k = (y_k - d_k) / K. Mean over the outputs.</summary>
internal sealed class PoissonLoss : Loss
{
    public override string Name => "poisson";
    public override bool MeanOverOutputs => true;
    public override string ToString() => "Poisson";
    internal override int CostPerElement => 32;
    internal override bool GivesNetGradient(TransferFunction output) => true;

    internal override string? OutputProblem(TransferFunction output) =>
        output is ExponentialFunction ? null : "expected exp in the output layer (the log link: the net sum is the log rate, the output e^net the rate).";

    internal override float Pattern(TransferFunction output, ReadOnlySpan<float> net, ReadOnlySpan<float> y, ReadOnlySpan<float> target, Span<float> signal) =>
        OutputDelta.Poisson(net, y, target, signal);

    internal override double Reference(TransferFunction output, ReadOnlySpan<double> net, ReadOnlySpan<double> y, ReadOnlySpan<double> d, Span<double> signal)
    {
        double error = 0;
        int count = y.Length;
        for (int k = 0; k < count; k++)
        {
            error += (Math.Exp(net[k]) - d[k] * net[k]) / count;   // E = (1/K) Σ (e^net_k - d_k net_k)
            signal[k] = (y[k] - d[k]) / count;                      // ∂E/∂net_k = (e^net_k - d_k) / K
        }
        return error;
    }

    internal override string? TargetProblem(TransferFunction output, ReadOnlySpan<float> target)
    {
        for (int k = 0; k < target.Length; k++)
        {
            if (!(target[k] >= 0f && float.IsFinite(target[k]))) return $"target {k} is {target[k]}; the Poisson loss expects counts or rates, finite and at least 0.";
        }
        return null;
    }

    // H = diag(y / K) in net.
    internal override void HessianFactorColumn(TransferFunction output, ReadOnlySpan<float> y, ReadOnlySpan<float> target, int k, Span<float> signal) =>
        DiagonalColumn(signal, k, y[k] / y.Length);
}
