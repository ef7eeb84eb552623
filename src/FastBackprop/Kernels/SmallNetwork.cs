using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// SmallNetwork: a whole forward pass, or a whole backward pass with the update, of a network
// whose every width is below one Vector512 (the derivation's 2-4-3-2), as one call of plain
// scalar loops over the flat buffers (llm.c style: parameters, net sums, outputs and deltas
// each one array, layers found by offsets).
//
// At these sizes a step is ~60 multiply-adds and 9 exponentials; what costs is everything
// around them: a call, a span slice, a bounds check or a tier dispatch per layer and operand.
// Here the shape comes in as small offset tables, the loops run on refs, and the transfer
// function is evaluated inline per element (scalar MathF.Exp: measured faster here than a
// TensorPrimitives call on four floats, whose fixed cost outweighs its vector exp).
//
//   forward:   net_k = b_k + Σ_j w_kj y_j;  y_k = f(net_k)                  (derivation (1), (2))
//   backward:  for the layer below: s_j = Σ_k delta_k w_kj (old weights),
//              delta_j = s_j f'(net_j)                                      ((9)-(12))
//              w_kj += scale delta_k y_j, b_k += scale delta_k              ((14), (16)-(18); scale = -eta)
//
// Layout: layer l has Inputs = widths[l], Units = widths[l + 1]; its weights (Units x Inputs
// row-major) start at parameters[weightOffsets[l]], its biases right after; its units start at
// nets/outputs/deltas[unitOffsets[l]]. The caller (Network) has validated every length and
// offset once, when the network was built, and the input/target lengths per step: these trust them.
// The output layer's deltas must already hold ∂E/∂net when Backward is called. Never allocates.
// ---------------------------------------------------------------------------------------------

/// <summary>Whole-network scalar forward and backward+update for small networks (every width below 16).</summary>
internal static class SmallNetwork
{
    /// <summary>The forward pass of every layer: nets and outputs of all layers.</summary>
    public static void Forward(ReadOnlySpan<int> widths, ReadOnlySpan<int> weightOffsets, ReadOnlySpan<int> unitOffsets,
        ReadOnlySpan<ScalarForm> forms, ReadOnlySpan<float> slopes,
        ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> nets, Span<float> outputs)
    {
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float netBase = ref MemoryMarshal.GetReference(nets);
        ref float outBase = ref MemoryMarshal.GetReference(outputs);
        ref float x = ref MemoryMarshal.GetReference(input);
        for (int l = 0; l < forms.Length; l++)
        {
            int inputs = widths[l], units = widths[l + 1];
            ref float w = ref Unsafe.Add(ref p, weightOffsets[l]);
            ref float b = ref Unsafe.Add(ref w, units * inputs);
            ref float net = ref Unsafe.Add(ref netBase, unitOffsets[l]);
            ref float y = ref Unsafe.Add(ref outBase, unitOffsets[l]);
            for (int k = 0; k < units; k++)
            {
                Unsafe.Add(ref net, k) = Unsafe.Add(ref b, k) + Dot(ref Unsafe.Add(ref w, k * inputs), ref x, inputs);
            }
            Activate(forms[l], slopes[l], ref net, ref y, units);
            x = ref y;
        }
    }

    /// <summary>The backward pass with the update, from the output layer's deltas down.</summary>
    public static void BackwardUpdate(ReadOnlySpan<int> widths, ReadOnlySpan<int> weightOffsets, ReadOnlySpan<int> unitOffsets,
        ReadOnlySpan<ScalarForm> forms, ReadOnlySpan<float> slopes,
        Span<float> parameters, ReadOnlySpan<float> input, ReadOnlySpan<float> nets, ReadOnlySpan<float> outputs, Span<float> deltas, float scale)
    {
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float netBase = ref MemoryMarshal.GetReference(nets);
        ref float outBase = ref MemoryMarshal.GetReference(outputs);
        ref float deltaBase = ref MemoryMarshal.GetReference(deltas);
        for (int l = forms.Length - 1; l >= 0; l--)
        {
            int inputs = widths[l], units = widths[l + 1];
            ref float w = ref Unsafe.Add(ref p, weightOffsets[l]);
            ref float b = ref Unsafe.Add(ref w, units * inputs);
            ref float d = ref Unsafe.Add(ref deltaBase, unitOffsets[l]);
            if (l == 0)
            {
                ref float x0 = ref MemoryMarshal.GetReference(input);
                for (int k = 0; k < units; k++)
                {
                    ref float row = ref Unsafe.Add(ref w, k * inputs);
                    float a = scale * Unsafe.Add(ref d, k);
                    for (int j = 0; j < inputs; j++) Unsafe.Add(ref row, j) += a * Unsafe.Add(ref x0, j);
                    Unsafe.Add(ref b, k) += a;
                }
                return;
            }
            int below = unitOffsets[l - 1];
            ref float x = ref Unsafe.Add(ref outBase, below);
            ref float s = ref Unsafe.Add(ref deltaBase, below);
            for (int j = 0; j < inputs; j++) Unsafe.Add(ref s, j) = 0f;
            for (int k = 0; k < units; k++)
            {
                float dk = Unsafe.Add(ref d, k), a = scale * dk;
                BackwardRow(ref Unsafe.Add(ref w, k * inputs), ref s, ref x, dk, a, inputs);
                Unsafe.Add(ref b, k) += a;
            }
            MultiplyByDerivative(forms[l - 1], slopes[l - 1], ref Unsafe.Add(ref netBase, below), ref x, ref s, inputs);
        }
    }

    // Σ_j row_j x_j. The widths of small networks are a handful, where a loop costs more in its
    // exit misprediction than in its multiply-adds: lengths up to 4 are straight-line code, chosen
    // by a jump table whose target repeats every step (the same layers in the same order), so the
    // predictor learns it. The additions run left to right, in the same order as the loop.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(ref float row, ref float x, int length)
    {
        switch (length)
        {
            case 1: return row * x;
            case 2: return row * x + Unsafe.Add(ref row, 1) * Unsafe.Add(ref x, 1);
            case 3: return row * x + Unsafe.Add(ref row, 1) * Unsafe.Add(ref x, 1) + Unsafe.Add(ref row, 2) * Unsafe.Add(ref x, 2);
            case 4:
                return row * x + Unsafe.Add(ref row, 1) * Unsafe.Add(ref x, 1) + Unsafe.Add(ref row, 2) * Unsafe.Add(ref x, 2)
                    + Unsafe.Add(ref row, 3) * Unsafe.Add(ref x, 3);
            default:
                float sum = 0f;
                for (int j = 0; j < length; j++) sum += Unsafe.Add(ref row, j) * Unsafe.Add(ref x, j);
                return sum;
        }
    }

    // s_j += dk w_j (old weight), then w_j += a x_j, for one row; straight-line up to 4 as Dot.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BackwardRow(ref float row, ref float s, ref float x, float dk, float a, int length)
    {
        switch (length)
        {
            case 4:
                Unsafe.Add(ref s, 3) += dk * Unsafe.Add(ref row, 3);
                Unsafe.Add(ref row, 3) += a * Unsafe.Add(ref x, 3);
                goto case 3;
            case 3:
                Unsafe.Add(ref s, 2) += dk * Unsafe.Add(ref row, 2);
                Unsafe.Add(ref row, 2) += a * Unsafe.Add(ref x, 2);
                goto case 2;
            case 2:
                Unsafe.Add(ref s, 1) += dk * Unsafe.Add(ref row, 1);
                Unsafe.Add(ref row, 1) += a * Unsafe.Add(ref x, 1);
                goto case 1;
            case 1:
                s += dk * row;
                row += a * x;
                return;
            default:
                for (int j = 0; j < length; j++)
                {
                    ref float wkj = ref Unsafe.Add(ref row, j);
                    Unsafe.Add(ref s, j) += dk * wkj;
                    wkj += a * Unsafe.Add(ref x, j);
                }
                return;
        }
    }

    /// <summary>The output layer's half squared error: delta_k = (y_k - d_k) f'(net_k) (derivation (7)),
    /// returning E = ½ Σ_k (y_k - d_k)² (3). The same as OutputDelta.HalfSquaredError followed by the
    /// f' product, without two span calls on a handful of outputs.</summary>
    public static float HalfSquaredErrorDelta(ReadOnlySpan<float> net, ReadOnlySpan<float> y, ReadOnlySpan<float> target, Span<float> delta, ScalarForm form, float slope)
    {
        float sum = 0f;
        for (int k = 0; k < y.Length; k++)
        {
            float e = delta[k] = y[k] - target[k];   // ∂E/∂y_k = y_k - d_k
            sum += e * e;
        }
        MultiplyByDerivative(form, slope, ref MemoryMarshal.GetReference(net), ref MemoryMarshal.GetReference(y), ref MemoryMarshal.GetReference(delta), y.Length);
        return 0.5f * sum;
    }

    /// <summary>delta ⊙= f'(net) for one layer (softmax: the Jacobian product y ⊙ (delta - delta·y)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyByDerivative(ScalarForm form, float slope, ref float net, ref float y, ref float delta, int units)
    {
        switch (form)
        {
            case ScalarForm.Logistic:
                for (int k = 0; k < units; k++) { float yk = Unsafe.Add(ref y, k); Unsafe.Add(ref delta, k) *= yk * (1f - yk); }
                break;
            case ScalarForm.Tanh:
                for (int k = 0; k < units; k++) { float yk = Unsafe.Add(ref y, k); Unsafe.Add(ref delta, k) *= 1f - yk * yk; }
                break;
            case ScalarForm.Rectifier:
                for (int k = 0; k < units; k++) { if (!(Unsafe.Add(ref net, k) > 0f)) Unsafe.Add(ref delta, k) *= slope; }
                break;
            case ScalarForm.Softmax:
                float dot = 0f;
                for (int k = 0; k < units; k++) dot += Unsafe.Add(ref delta, k) * Unsafe.Add(ref y, k);
                for (int k = 0; k < units; k++) Unsafe.Add(ref delta, k) = Unsafe.Add(ref y, k) * (Unsafe.Add(ref delta, k) - dot);
                break;
            default:
                break;   // identity: f' = 1
        }
    }

    private static void Activate(ScalarForm form, float slope, ref float net, ref float y, int units)
    {
        switch (form)
        {
            case ScalarForm.Logistic:
                for (int k = 0; k < units; k++) Unsafe.Add(ref y, k) = 1f / (1f + MathF.Exp(-Unsafe.Add(ref net, k)));
                return;
            case ScalarForm.Tanh:
                for (int k = 0; k < units; k++) Unsafe.Add(ref y, k) = MathF.Tanh(Unsafe.Add(ref net, k));
                return;
            case ScalarForm.Rectifier:
                for (int k = 0; k < units; k++)
                {
                    float v = Unsafe.Add(ref net, k);
                    Unsafe.Add(ref y, k) = v > 0f ? v : slope == 0f ? 0f : slope * v;
                }
                return;
            case ScalarForm.Softmax:
                float max = float.NegativeInfinity;
                for (int k = 0; k < units; k++) max = MathF.Max(max, Unsafe.Add(ref net, k));
                float sum = 0f;
                for (int k = 0; k < units; k++) sum += Unsafe.Add(ref y, k) = MathF.Exp(Unsafe.Add(ref net, k) - max);
                float inverse = 1f / sum;
                for (int k = 0; k < units; k++) Unsafe.Add(ref y, k) *= inverse;
                return;
            default:
                for (int k = 0; k < units; k++) Unsafe.Add(ref y, k) = Unsafe.Add(ref net, k);
                return;
        }
    }
}
