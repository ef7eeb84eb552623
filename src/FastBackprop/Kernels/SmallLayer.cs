using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// SmallLayer: one layer's forward, f'(net) product and fused backward+update as plain scalar
// loops, for networks whose every width is below one Vector512 (the derivation's 2-4-3-2).
// At those sizes a step is a few dozen multiply-adds, and the cost of the general path is all
// call overhead: argument checks, tier dispatch, and a span call per activation. Here each layer
// is one call, the loops run on refs without bounds checks, and the transfer function is
// evaluated inline per element (TensorPrimitives only from four units up, where its Vector128
// exp beats four scalar ones).
//
//   forward:    net_k = b_k + Σ_j w_kj x_j;  y_k = f(net_k)        (derivation (1), (2))
//   derivative: delta_k *= f'(net_k)                               ((7), (9)-(12))
//   backward:   s_j = Σ_k delta_k w_kj (old weights); w_kj += scale delta_k x_j; b_k += scale delta_k
//
// Operands as in Gemv / GemvTransposedUpdate (W units x inputs row-major, units = net.Length,
// inputs = x.Length). The caller has validated every length once per step: these kernels trust
// weights.Length == units * inputs and the other lengths, and do not re-check. Never allocates.
// ---------------------------------------------------------------------------------------------

/// <summary>Scalar per-layer kernels for small networks (every width below 16).</summary>
internal static class SmallLayer
{
    /// <summary>net = W x + b, y = f(net).</summary>
    public static void Forward(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> net, Span<float> y, ScalarForm form, float slope)
    {
        int inputs = x.Length, units = net.Length;
        ref float w = ref MemoryMarshal.GetReference(weights);
        ref float b = ref MemoryMarshal.GetReference(bias);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float n = ref MemoryMarshal.GetReference(net);
        for (int k = 0; k < units; k++)
        {
            ref float row = ref Unsafe.Add(ref w, k * inputs);
            float sum = Unsafe.Add(ref b, k);
            for (int j = 0; j < inputs; j++) sum += Unsafe.Add(ref row, j) * Unsafe.Add(ref xr, j);
            Unsafe.Add(ref n, k) = sum;
        }
        switch (form)
        {
            case ScalarForm.Softmax:
                Softmax(net, y);
                return;
            case ScalarForm.Logistic when units >= 4:
                Activation.Logistic(net, y);
                return;
            case ScalarForm.Tanh when units >= 4:
                Activation.Tanh(net, y);
                return;
        }
        ref float yr = ref MemoryMarshal.GetReference(y);
        for (int k = 0; k < units; k++) Unsafe.Add(ref yr, k) = Function(form, slope, Unsafe.Add(ref n, k));
    }

    /// <summary>delta = delta ⊙ f'(net) (for softmax, the Jacobian product y ⊙ (delta - delta·y)).</summary>
    public static void MultiplyByDerivative(ReadOnlySpan<float> net, ReadOnlySpan<float> y, Span<float> delta, ScalarForm form, float slope)
    {
        int units = delta.Length;
        ref float n = ref MemoryMarshal.GetReference(net);
        ref float yr = ref MemoryMarshal.GetReference(y);
        ref float d = ref MemoryMarshal.GetReference(delta);
        switch (form)
        {
            case ScalarForm.Logistic:
                for (int k = 0; k < units; k++) { float yk = Unsafe.Add(ref yr, k); Unsafe.Add(ref d, k) *= yk * (1f - yk); }
                break;
            case ScalarForm.Tanh:
                for (int k = 0; k < units; k++) { float yk = Unsafe.Add(ref yr, k); Unsafe.Add(ref d, k) *= 1f - yk * yk; }
                break;
            case ScalarForm.Rectifier:
                for (int k = 0; k < units; k++) { if (!(Unsafe.Add(ref n, k) > 0f)) Unsafe.Add(ref d, k) *= slope; }
                break;
            case ScalarForm.Softmax:
                float dot = 0f;
                for (int k = 0; k < units; k++) dot += Unsafe.Add(ref d, k) * Unsafe.Add(ref yr, k);
                for (int k = 0; k < units; k++) Unsafe.Add(ref d, k) = Unsafe.Add(ref yr, k) * (Unsafe.Add(ref d, k) - dot);
                break;
            default:
                break;   // identity: f' = 1
        }
    }

    /// <summary>sums = Wᵀ delta from the old weights (skipped when <paramref name="sums"/> is empty: the
    /// first layer has no deltas below it), then W += scale · delta ⊗ x and b += scale · delta.</summary>
    public static void BackwardUpdate(Span<float> weights, Span<float> bias, ReadOnlySpan<float> delta, ReadOnlySpan<float> x, float scale, Span<float> sums)
    {
        int inputs = x.Length, units = delta.Length;
        ref float w = ref MemoryMarshal.GetReference(weights);
        ref float b = ref MemoryMarshal.GetReference(bias);
        ref float d = ref MemoryMarshal.GetReference(delta);
        ref float xr = ref MemoryMarshal.GetReference(x);
        if (sums.IsEmpty)
        {
            for (int k = 0; k < units; k++)
            {
                ref float row = ref Unsafe.Add(ref w, k * inputs);
                float a = scale * Unsafe.Add(ref d, k);
                for (int j = 0; j < inputs; j++) Unsafe.Add(ref row, j) += a * Unsafe.Add(ref xr, j);
                Unsafe.Add(ref b, k) += a;
            }
            return;
        }
        ref float s = ref MemoryMarshal.GetReference(sums);
        sums.Clear();
        for (int k = 0; k < units; k++)
        {
            ref float row = ref Unsafe.Add(ref w, k * inputs);
            float dk = Unsafe.Add(ref d, k), a = scale * dk;
            for (int j = 0; j < inputs; j++)
            {
                ref float wkj = ref Unsafe.Add(ref row, j);
                Unsafe.Add(ref s, j) += dk * wkj;
                wkj += a * Unsafe.Add(ref xr, j);
            }
            Unsafe.Add(ref b, k) += a;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Function(ScalarForm form, float slope, float x) => form switch
    {
        ScalarForm.Logistic => 1f / (1f + MathF.Exp(-x)),
        ScalarForm.Tanh => MathF.Tanh(x),
        ScalarForm.Rectifier => x > 0f ? x : slope == 0f ? 0f : slope * x,
        _ => x,
    };

    private static void Softmax(ReadOnlySpan<float> net, Span<float> y)
    {
        float max = float.NegativeInfinity;
        foreach (float v in net) max = MathF.Max(max, v);
        float sum = 0f;
        for (int k = 0; k < net.Length; k++) sum += y[k] = MathF.Exp(net[k] - max);
        float inverse = 1f / sum;
        for (int k = 0; k < net.Length; k++) y[k] *= inverse;
    }
}
