using System.Globalization;
using FastBackprop.Kernels;

namespace FastBackprop;

/// <summary>Cross-entropy, fused with its output function: over softmax, -Σ_k t_k ln y_k with t = (1 - ε) d + ε/K
/// (ε the label smoothing, PyTorch's CrossEntropyLoss); over logistic outputs (ε = 0 only), the binary cross-entropy
/// of each output. ∂E/∂net_k = y_k - t_k. Sum over the outputs.</summary>
internal sealed class CrossEntropyLoss(float smoothing) : Loss
{
    /// <summary>How far the targets of a pattern may sum from 1 over a softmax output: a bound that soft targets printed
    /// with 6 decimals meet for up to about a hundred classes.</summary>
    internal const double DistributionTolerance = 1e-4;

    public float Smoothing { get; } = smoothing;
    public override string Name => Smoothing == 0f ? "ce" : "ce(" + Smoothing.ToString("R", CultureInfo.InvariantCulture) + ")";
    public override bool MeanOverOutputs => false;
    public override string ToString() => Smoothing == 0f ? "CrossEntropy" : "CrossEntropy(label smoothing " + Smoothing.ToString("R", CultureInfo.InvariantCulture) + ")";

    // A row takes an exponential per element and a logarithm in double.
    internal override int CostPerElement => 64;

    internal override bool GivesNetGradient(TransferFunction output) => true;

    internal override string? OutputProblem(TransferFunction output) => (output, Smoothing) switch
    {
        (SoftmaxFunction, _) => null,
        (LogisticFunction, 0f) => null,
        (LogisticFunction, _) => "expected softmax in the output layer: label smoothing is defined over a softmax's classes (use bce for independent logistic outputs).",
        _ => "expected softmax or logistic in the output layer.",
    };

    internal override float Pattern(TransferFunction output, ReadOnlySpan<float> net, ReadOnlySpan<float> y, ReadOnlySpan<float> target, Span<float> signal)
    {
        if (output is not SoftmaxFunction) return OutputDelta.LogisticCrossEntropy(net, y, target, signal);
        return Smoothing == 0f
            ? OutputDelta.SoftmaxCrossEntropy(net, y, target, signal)
            : OutputDelta.SmoothedSoftmaxCrossEntropy(net, y, target, Smoothing, signal);
    }

    internal override double Reference(TransferFunction output, ReadOnlySpan<double> net, ReadOnlySpan<double> y, ReadOnlySpan<double> d, Span<double> signal)
    {
        if (output is not SoftmaxFunction) return BinaryCrossEntropyLoss.ReferenceLogistic(net, y, d, signal);
        // E = -Σ t_k ln y_k, ln y_k = net_k - ln Σ_j e^net_j (shifted by the max for range), t = (1 - ε) d + ε/K
        double max = double.NegativeInfinity, sum = 0, error = 0, eps = Smoothing;
        foreach (double x in net) max = Math.Max(max, x);
        foreach (double x in net) sum += Math.Exp(x - max);
        double logSum = max + Math.Log(sum);
        for (int k = 0; k < y.Length; k++)
        {
            double t = (1 - eps) * d[k] + eps / y.Length;
            error -= t * (net[k] - logSum);
            signal[k] = y[k] - t;   // ∂E/∂net_k = y_k - t_k (Σ t = 1)
        }
        return error;
    }

    internal override string? TargetProblem(TransferFunction output, ReadOnlySpan<float> target)
    {
        double sum = 0;
        for (int k = 0; k < target.Length; k++)
        {
            if (!(target[k] >= 0f && target[k] <= 1f)) return $"target {k} is {target[k]}; cross-entropy expects targets in [0, 1].";
            sum += target[k];
        }
        if (output is SoftmaxFunction && Math.Abs(sum - 1) > DistributionTolerance)
        {
            return $"the targets sum to {sum}; cross-entropy over a softmax output expects a probability distribution (summing to 1 within {DistributionTolerance}), such as a one-hot code.";
        }
        return null;
    }

    // Softmax: H = diag(y) - y yᵀ, whose square root has columns √y_k (e_k - y) (Schraudolph 2002; independent of the
    // targets, smoothed or not, since they sum to 1). Logistic: H = diag(y (1 - y)).
    internal override void HessianFactorColumn(TransferFunction output, ReadOnlySpan<float> y, ReadOnlySpan<float> target, int k, Span<float> signal)
    {
        if (output is SoftmaxFunction)
        {
            float root = MathF.Sqrt(y[k]);
            for (int j = 0; j < signal.Length; j++) signal[j] = root * ((j == k ? 1f : 0f) - y[j]);
            return;
        }
        DiagonalColumn(signal, k, y[k] * (1f - y[k]));
    }
}
