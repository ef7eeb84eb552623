using System.Runtime.CompilerServices;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// SmallLayer: one layer's forward, f'(net) product and fused backward+update as plain scalar
// loops, for networks whose every width is below one Vector512 (the derivation's 2-4-3-2).
// At those sizes a step is a few dozen multiply-adds, and the cost of the general path is all
// call overhead: argument checks, tier dispatch, and a TensorPrimitives call per activation.
// Here each layer is one call with the transfer function evaluated inline per element.
//
//   forward:   net_k = b_k + Σ_j w_kj x_j;  y_k = f(net_k)         (derivation (1), (2))
//   derivative: delta_k *= f'(net_k)                               ((7), (9)-(12))
//   backward:  s_j = Σ_k delta_k w_kj (old weights); w_kj += scale delta_k x_j; b_k += scale delta_k
//
// Operands as in Gemv / GemvTransposedUpdate (W units x inputs row-major). The caller (Network)
// has validated every length once per step, so these do not re-check. Never allocates.
// ---------------------------------------------------------------------------------------------

/// <summary>Scalar per-layer kernels for small networks (every width below 16).</summary>
internal static class SmallLayer
{
    /// <summary>net = W x + b, y = f(net).</summary>
    public static void Forward(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> net, Span<float> y, ScalarForm form, float slope)
    {
        int inputs = x.Length;
        for (int k = 0; k < net.Length; k++)
        {
            ReadOnlySpan<float> row = weights.Slice(k * inputs, inputs);
            float sum = bias[k];
            for (int j = 0; j < row.Length; j++) sum += row[j] * x[j];
            net[k] = sum;
        }
        if (form == ScalarForm.Softmax)
        {
            Softmax(net, y);
            return;
        }
        for (int k = 0; k < net.Length; k++) y[k] = Function(form, slope, net[k]);
    }

    /// <summary>delta = delta ⊙ f'(net) (for softmax, the Jacobian product y ⊙ (delta - delta·y)).</summary>
    public static void MultiplyByDerivative(ReadOnlySpan<float> net, ReadOnlySpan<float> y, Span<float> delta, ScalarForm form, float slope)
    {
        switch (form)
        {
            case ScalarForm.Logistic:
                for (int k = 0; k < delta.Length; k++) delta[k] *= y[k] * (1f - y[k]);
                break;
            case ScalarForm.Tanh:
                for (int k = 0; k < delta.Length; k++) delta[k] *= 1f - y[k] * y[k];
                break;
            case ScalarForm.Rectifier:
                for (int k = 0; k < delta.Length; k++) delta[k] = net[k] > 0f ? delta[k] : slope * delta[k];
                break;
            case ScalarForm.Softmax:
                float dot = 0f;
                for (int k = 0; k < delta.Length; k++) dot += delta[k] * y[k];
                for (int k = 0; k < delta.Length; k++) delta[k] = y[k] * (delta[k] - dot);
                break;
            default:
                break;   // identity: f' = 1
        }
    }

    /// <summary>sums = Wᵀ delta from the old weights (skipped when <paramref name="sums"/> is empty: the
    /// first layer has no deltas below it), then W += scale · delta ⊗ x and b += scale · delta.</summary>
    public static void BackwardUpdate(Span<float> weights, Span<float> bias, ReadOnlySpan<float> delta, ReadOnlySpan<float> x, float scale, Span<float> sums)
    {
        int inputs = x.Length;
        if (sums.IsEmpty)
        {
            for (int k = 0; k < delta.Length; k++)
            {
                Span<float> row = weights.Slice(k * inputs, inputs);
                float a = scale * delta[k];
                for (int j = 0; j < row.Length; j++) row[j] += a * x[j];
                bias[k] += a;
            }
            return;
        }
        sums.Clear();
        for (int k = 0; k < delta.Length; k++)
        {
            Span<float> row = weights.Slice(k * inputs, inputs);
            float d = delta[k], a = scale * d;
            for (int j = 0; j < row.Length; j++)
            {
                float w = row[j];
                sums[j] += d * w;
                row[j] = w + a * x[j];
            }
            bias[k] += a;
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
