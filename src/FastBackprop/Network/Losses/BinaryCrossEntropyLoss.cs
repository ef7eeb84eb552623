using FastBackprop.Kernels;

namespace FastBackprop;

/// <summary>Binary cross-entropy over logistic outputs (multi-label): E = -Σ_k [d_k ln y_k + (1 - d_k) ln(1 - y_k)],
/// ∂E/∂net_k = y_k - d_k; the cross-entropy's logistic branch (the same bits). Sum over the outputs.</summary>
internal sealed class BinaryCrossEntropyLoss : Loss
{
    public override string Name => "bce";
    public override bool MeanOverOutputs => false;
    public override string ToString() => "BinaryCrossEntropy";
    internal override int CostPerElement => 64;
    internal override bool GivesNetGradient(TransferFunction output) => true;

    internal override string? OutputProblem(TransferFunction output) =>
        output is LogisticFunction ? null : "expected logistic in the output layer (independent labels; ce takes softmax).";

    internal override float Pattern(TransferFunction output, ReadOnlySpan<float> net, ReadOnlySpan<float> y, ReadOnlySpan<float> target, Span<float> signal) =>
        OutputDelta.LogisticCrossEntropy(net, y, target, signal);

    internal override double Reference(TransferFunction output, ReadOnlySpan<double> net, ReadOnlySpan<double> y, ReadOnlySpan<double> d, Span<double> signal) =>
        ReferenceLogistic(net, y, d, signal);

    /// <summary>E = -Σ [d_k ln y_k + (1 - d_k) ln(1 - y_k)], with ln y = -softplus(-net), ln(1 - y) = -softplus(net);
    /// ∂E/∂net_k = y_k - d_k.</summary>
    internal static double ReferenceLogistic(ReadOnlySpan<double> net, ReadOnlySpan<double> y, ReadOnlySpan<double> d, Span<double> signal)
    {
        double error = 0;
        for (int k = 0; k < y.Length; k++)
        {
            error += d[k] * Softplus(-net[k]) + (1 - d[k]) * Softplus(net[k]);
            signal[k] = y[k] - d[k];
        }
        return error;
    }

    internal override string? TargetProblem(TransferFunction output, ReadOnlySpan<float> target)
    {
        for (int k = 0; k < target.Length; k++)
        {
            if (!(target[k] >= 0f && target[k] <= 1f)) return $"target {k} is {target[k]}; binary cross-entropy expects targets in [0, 1].";
        }
        return null;
    }

    // H = diag(y (1 - y)) in net.
    internal override void HessianFactorColumn(TransferFunction output, ReadOnlySpan<float> y, ReadOnlySpan<float> target, int k, Span<float> signal) =>
        DiagonalColumn(signal, k, y[k] * (1f - y[k]));

    private static double Softplus(double x) => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));
}
