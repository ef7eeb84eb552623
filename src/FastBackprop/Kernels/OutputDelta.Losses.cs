using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// OutputDelta for the losses reduced by the mean over the K outputs (PyTorch's reduction='mean')
// and for label-smoothed softmax cross-entropy. One pattern per call; all spans one element per
// output unit; lengths checked.
//
//   mean squared error:   E = (1/K) Σ (y - d)²,   ∂E/∂y = (y - d) · (2/K)
//   mean absolute error:  E = (1/K) Σ |y - d|,     ∂E/∂y = sign(y - d) / K   (0 at y = d)
//   Huber(δ):             E = (1/K) Σ h(y - d),    ∂E/∂y = clamp(y - d, -δ, δ) / K
//                         h(r) = ½ r² for |r| ≤ δ, δ (|r| - ½ δ) beyond
//   Poisson, log link:    E = (1/K) Σ (e^net - d net), ∂E/∂net = (y - d) / K   (y = e^net)
//   smoothed softmax CE:  t = (1 - ε) d + ε/K, E = -Σ t ln softmax(net), ∂E/∂net = y - t
//
// Bits: each signal element is a fixed sequence of IEEE operations on its own element; the mean
// squared error's Σ is the canonical 16-lane dot product (Lanes16), the others sum in double, one
// term after the other. So E and the signal are the same at every vector tier, up to the libm
// exp/log that Poisson's and the cross-entropy's E call (never their signals).
// ---------------------------------------------------------------------------------------------

public static partial class OutputDelta
{
    /// <summary>Computes <c>dEdy[k] = (output[k] - target[k]) · (2/K)</c> and returns <c>E = (1/K) Σ_k (output[k] - target[k])²</c>.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static float MeanSquaredError(ReadOnlySpan<float> output, ReadOnlySpan<float> target, Span<float> dEdy)
    {
        ThrowHelper.CheckLength(target.Length, output.Length, nameof(target));
        ThrowHelper.CheckLength(dEdy.Length, output.Length, nameof(dEdy));
        TensorPrimitives.Subtract(output, target, dEdy);
        ref float r = ref MemoryMarshal.GetReference(dEdy);
        float sum = Lanes16.Dot(ref r, ref r, dEdy.Length);
        TensorPrimitives.Multiply(dEdy, 2f / dEdy.Length, dEdy);
        return sum / dEdy.Length;
    }

    /// <summary>Computes <c>dEdy[k] = sign(output[k] - target[k]) / K</c> (0 where they are equal, NaN for a NaN difference)
    /// and returns <c>E = (1/K) Σ_k |output[k] - target[k]|</c>.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static float MeanAbsoluteError(ReadOnlySpan<float> output, ReadOnlySpan<float> target, Span<float> dEdy)
    {
        ThrowHelper.CheckLength(target.Length, output.Length, nameof(target));
        ThrowHelper.CheckLength(dEdy.Length, output.Length, nameof(dEdy));
        float step = 1f / output.Length;
        double sum = 0;
        for (int k = 0; k < output.Length; k++)
        {
            float r = output[k] - target[k];
            sum += Math.Abs(r);
            dEdy[k] = r > 0f ? step : r < 0f ? -step : r * 0f;   // r * 0: 0 at r = 0, NaN stays NaN
        }
        return (float)(sum / output.Length);
    }

    /// <summary>Computes <c>dEdy[k] = clamp(r_k, -delta, delta) / K</c> with r = output - target and returns
    /// <c>E = (1/K) Σ_k h(r_k)</c>, h(r) = ½ r² for |r| ≤ delta, delta (|r| - ½ delta) beyond (PyTorch's HuberLoss).</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static float Huber(ReadOnlySpan<float> output, ReadOnlySpan<float> target, float delta, Span<float> dEdy)
    {
        ThrowHelper.CheckLength(target.Length, output.Length, nameof(target));
        ThrowHelper.CheckLength(dEdy.Length, output.Length, nameof(dEdy));
        int count = output.Length;
        double sum = 0;
        for (int k = 0; k < count; k++)
        {
            float r = output[k] - target[k];
            double a = Math.Abs((double)r);
            sum += a <= delta ? 0.5 * a * a : delta * (a - 0.5 * delta);
            dEdy[k] = Math.Clamp(r, -delta, delta) / count;
        }
        return (float)(sum / count);
    }

    /// <summary>For exponential outputs (output = e^net): computes <c>delta[k] = (output[k] - target[k]) / K</c> (= ∂E/∂net_k)
    /// and returns <c>E = (1/K) Σ_k (e^net[k] - target[k] net[k])</c> (PyTorch's PoissonNLLLoss, log_input=True, full=False).</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static float Poisson(ReadOnlySpan<float> net, ReadOnlySpan<float> output, ReadOnlySpan<float> target, Span<float> delta)
    {
        CheckLengths(net, output, target, delta);
        int count = net.Length;
        double sum = 0;
        for (int k = 0; k < count; k++)
        {
            sum += Math.Exp(net[k]) - (double)target[k] * net[k];   // e^net in double: the float y overflows first
            delta[k] = (output[k] - target[k]) / count;
        }
        return (float)(sum / count);
    }

    /// <summary>For a softmax output with label smoothing <paramref name="smoothing"/> = ε: with t_k = (1 - ε) target[k] + ε/K,
    /// computes <c>delta[k] = output[k] - t_k</c> (= ∂E/∂net_k when the targets sum to 1) and returns
    /// <c>E = -Σ_k t_k ln softmax(net)_k</c> (PyTorch's CrossEntropyLoss with label_smoothing = ε), the logarithm by
    /// log-sum-exp as <see cref="SoftmaxCrossEntropy"/>.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static float SmoothedSoftmaxCrossEntropy(ReadOnlySpan<float> net, ReadOnlySpan<float> output, ReadOnlySpan<float> target, float smoothing, Span<float> delta)
    {
        CheckLengths(net, output, target, delta);
        int count = net.Length;
        float keep = 1f - smoothing, spread = smoothing / count;
        float max = TensorPrimitives.Max(net);
        double sum = 0;
        for (int k = 0; k < count; k++) sum += Math.Exp((double)net[k] - max);
        double logSum = max + Math.Log(sum), e = 0, keepD = 1.0 - smoothing, spreadD = (double)smoothing / count;
        for (int k = 0; k < count; k++)
        {
            delta[k] = output[k] - (keep * target[k] + spread);
            e -= (keepD * target[k] + spreadD) * (net[k] - logSum);
        }
        return (float)e;
    }
}
