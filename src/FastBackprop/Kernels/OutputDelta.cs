using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// OutputDelta: the error E of one pattern and the output layer's ∂E/∂y or ∂E/∂net.
//
//   half squared error:   E = ½ Σ_k (d_k - y_k)²,  ∂E/∂y_k = y_k - d_k   (the derivation's (3), (7))
//   softmax + CE:         E = -Σ_k d_k ln y_k,      ∂E/∂net_k = y_k - d_k
//   logistic + CE:        E = -Σ_k [d_k ln y_k + (1-d_k) ln(1-y_k)],  ∂E/∂net_k = y_k - d_k
//
// The cross-entropies are computed from the net sums (log-sum-exp, softplus), never as ln y:
// y rounds to 0 or 1 in float long before the loss itself is large, and ln 0 is -∞.
// Operands: all spans one element per output unit.
// Bits: the differences are single IEEE subtractions; Σ_k (y_k - d_k)² is a canonical dot
// product (Lanes16: 16 lanes, fused multiply-adds, the fixed tree), and the cross-entropies sum
// in double, one term after the other. So E and the signal have the same bits at every vector
// tier and on every CPU, up to the libm exp and log the cross-entropies call.
// ---------------------------------------------------------------------------------------------

/// <summary>Loss values and output-layer error signals.</summary>
public static partial class OutputDelta
{
    /// <summary>Computes <c>dEdy[k] = output[k] - target[k]</c> and returns <c>E = ½ Σ_k dEdy[k]²</c>.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    /// <remarks>The sum is in the canonical 16-lane order (fused multiply-adds): the same bits on every CPU and tier.</remarks>
    public static float HalfSquaredError(ReadOnlySpan<float> output, ReadOnlySpan<float> target, Span<float> dEdy)
    {
        ThrowHelper.CheckLength(target.Length, output.Length, nameof(target));
        ThrowHelper.CheckLength(dEdy.Length, output.Length, nameof(dEdy));
        TensorPrimitives.Subtract(output, target, dEdy);
        return HalfSquaredSum(dEdy);
    }

    /// <summary>½ Σ_k difference[k]² in the canonical 16-lane order: the half squared error of one pattern from its
    /// y - d, for <see cref="HalfSquaredError"/> and for a batch's rows one by one (SampleWeighting).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]   // every TrainStep's output layer
    internal static float HalfSquaredSum(ReadOnlySpan<float> difference)
    {
        ref float e = ref MemoryMarshal.GetReference(difference);
        return 0.5f * Lanes16.Dot(ref e, ref e, difference.Length);
    }

    /// <summary>For a softmax output: computes <c>delta[k] = output[k] - target[k]</c> (= ∂E/∂net_k) and
    /// returns <c>E = -Σ_k target[k] ln softmax(net)_k</c>, evaluated as
    /// <c>-Σ_k target[k] (net[k] - m - ln Σ_j e^(net[j] - m))</c> with m = max net.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static float SoftmaxCrossEntropy(ReadOnlySpan<float> net, ReadOnlySpan<float> output, ReadOnlySpan<float> target, Span<float> delta)
    {
        CheckLengths(net, output, target, delta);
        TensorPrimitives.Subtract(output, target, delta);
        float max = TensorPrimitives.Max(net);
        // The loss's e^x and ln in double come from the C library: PortableMath's cost the digits training 15% (ten
        // per pattern), and the double result is rounded to the float returned, so a last-bit difference between
        // platforms reaches it about once in 2^29 losses; the deltas, and so the weights, never depend on it.
        double sum = 0;
        for (int k = 0; k < net.Length; k++) sum += Math.Exp((double)net[k] - max);   // in double: a float difference would cost ~|net| ulps of a tiny E
        double logSum = max + Math.Log(sum);
        double e = 0;
        for (int k = 0; k < net.Length; k++)
        {
            if (target[k] != 0f) e -= target[k] * (net[k] - logSum);
        }
        return (float)e;
    }

    /// <summary>For logistic outputs: computes <c>delta[k] = output[k] - target[k]</c> (= ∂E/∂net_k) and returns
    /// <c>E = Σ_k [softplus(net[k]) - target[k] net[k]]</c>, which equals the binary cross-entropy
    /// <c>-Σ_k [t ln y + (1 - t) ln(1 - y)]</c> with softplus(x) = ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|).</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static float LogisticCrossEntropy(ReadOnlySpan<float> net, ReadOnlySpan<float> output, ReadOnlySpan<float> target, Span<float> delta)
    {
        CheckLengths(net, output, target, delta);
        TensorPrimitives.Subtract(output, target, delta);
        double e = 0;
        for (int k = 0; k < net.Length; k++)
        {
            double x = net[k];
            e += Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x))) - target[k] * x;
        }
        return (float)e;
    }

    private static void CheckLengths(ReadOnlySpan<float> net, ReadOnlySpan<float> output, ReadOnlySpan<float> target, Span<float> delta)
    {
        ThrowHelper.CheckLength(output.Length, net.Length, nameof(output));
        ThrowHelper.CheckLength(target.Length, net.Length, nameof(target));
        ThrowHelper.CheckLength(delta.Length, net.Length, nameof(delta));
    }
}
