using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// SmallDense: one fully connected layer narrower than one Vector512 (the derivation's 2-4-3-2),
// as plain scalar loops over refs, for the tiny-network plan.
//
// At these sizes a step is ~60 multiply-adds and 9 exponentials; what costs is everything
// around them: a call, a span slice, a bounds check or a tier dispatch per layer and operand.
// So these take refs and counts (the plan validated every shape once, when it was built),
// inline into the plan's layer loop, and run straight-line code up to four inputs.
//
//   NetSums:          net_k = b_k + Σ_j w_kj x_j                                (derivation (1))
//   BackwardUpdate:   s_j = Σ_k delta_k w_kj (old weights), then
//                     w_kj += scale delta_k x_j, b_k += scale delta_k           ((9)-(12), (17)-(18))
//   Update:           the same without s (the first layer: nothing below needs it)
//   Gradient:         g_kj = scale delta_k x_j, g_b = scale delta_k, s_j = Σ_k delta_k w_kj ((14), (16))
//
// Operands: W is units x inputs row-major with its units biases right after it; x has inputs
// values; net, delta have units; s has inputs and is overwritten. Nothing overlaps except as
// stated. Never allocates.
//
// Arithmetic: the same IEEE operations, element by element, as the span kernels a wider layer
// runs, so a network gives the same bits whichever plan runs it, on every CPU:
//   Σ_j w_kj x_j and Σ_k e_k² are canonical sums (Lanes16.cs) as in Gemv and OutputDelta. Every
//   width here is below 16, so element j is alone in lane j: the lane is w_kj x_j (fma(w, x, -0)
//   is the plain product) and the lanes past the width are -0, which the tree may skip (the
//   additive identity); what is left is a short fixed tree, no more work than a loop.
//   s_j = fma(delta_k, w_kj, s_j) from +0, k in order (GemvTransposed), w_kj = fma(a_k, x_j, w_kj)
//   with a_k = scale delta_k rounded (OuterProductUpdate), b_k += a_k (Dense: b + scale delta,
//   two roundings), g_kj = fma(a_k, x_j, +0) (OuterProductUpdate on a cleared matrix).
// ---------------------------------------------------------------------------------------------

/// <summary>Scalar per-layer loops for layers narrower than 16 units and inputs.</summary>
internal static class SmallDense
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void NetSums(ref float w, ref float x, ref float net, int units, int inputs)
    {
        ref float b = ref Unsafe.Add(ref w, units * inputs);
        for (int k = 0; k < units; k++)
        {
            Unsafe.Add(ref net, k) = Unsafe.Add(ref b, k) + Dot(ref Unsafe.Add(ref w, k * inputs), ref x, inputs);
        }
    }

    /// <summary>NetSums, then y = σ(net), for 1 to 4 units of 1 to 4 inputs in registers (where Vector128 is
    /// accelerated): x comes in one Vector128 (the layer below's σ, or the input; lanes past the inputs unread) and σ
    /// goes out in one, as well as to net and y. As NetSums and ElementwiseDriver.MapSmall, the same operations,
    /// without the values' trips through memory (four scalar stores read back by one vector load cannot be forwarded
    /// and wait for the stores to retire; a layer's outputs read back by the next layer wait for the forwarding).
    /// The padding lanes are +0, as MapSmall's; lanes are independent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LogisticLayer(ref float w, Vector128<float> x, ref float net, ref float y, int units, int inputs)
    {
        ref float b = ref Unsafe.Add(ref w, units * inputs);
        float n0 = b + Dot(ref w, x, inputs);
        float n1 = units > 1 ? Unsafe.Add(ref b, 1) + Dot(ref Unsafe.Add(ref w, inputs), x, inputs) : 0f;
        float n2 = units > 2 ? Unsafe.Add(ref b, 2) + Dot(ref Unsafe.Add(ref w, 2 * inputs), x, inputs) : 0f;
        float n3 = units > 3 ? Unsafe.Add(ref b, 3) + Dot(ref Unsafe.Add(ref w, 3 * inputs), x, inputs) : 0f;
        Vector128<float> r = Transcendental.Logistic<Simd128, Vector128<float>>(Vector128.Create(n0, n1, n2, n3));
        switch (units)
        {
            case 4:
                Unsafe.Add(ref net, 3) = n3;
                Unsafe.Add(ref y, 3) = r.GetElement(3);
                goto case 3;
            case 3:
                Unsafe.Add(ref net, 2) = n2;
                Unsafe.Add(ref y, 2) = r.GetElement(2);
                goto case 2;
            case 2:
                Unsafe.Add(ref net, 1) = n1;
                Unsafe.Add(ref y, 1) = r.GetElement(1);
                goto default;
            default:
                net = n0;
                y = r.ToScalar();
                return r;
        }
    }

    // Dot (1 to 4 elements) with x in a register.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(ref float row, Vector128<float> x, int length)
    {
        float p0 = row * x.ToScalar();
        if (length == 1) return p0;
        float p1 = Unsafe.Add(ref row, 1) * x.GetElement(1);
        if (length == 2) return p0 + p1;
        float p02 = p0 + Unsafe.Add(ref row, 2) * x.GetElement(2);
        return length == 3 ? p02 + p1 : p02 + (p1 + Unsafe.Add(ref row, 3) * x.GetElement(3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void BackwardUpdate(ref float w, ref float delta, ref float x, float scale, ref float s, int units, int inputs)
    {
        ref float b = ref Unsafe.Add(ref w, units * inputs);
        for (int j = 0; j < inputs; j++) Unsafe.Add(ref s, j) = 0f;
        for (int k = 0; k < units; k++)
        {
            float dk = Unsafe.Add(ref delta, k), a = scale * dk;
            BackwardRow(ref Unsafe.Add(ref w, k * inputs), ref s, ref x, dk, a, inputs);
            Unsafe.Add(ref b, k) += a;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Update(ref float w, ref float delta, ref float x, float scale, int units, int inputs)
    {
        ref float b = ref Unsafe.Add(ref w, units * inputs);
        for (int k = 0; k < units; k++)
        {
            ref float row = ref Unsafe.Add(ref w, k * inputs);
            float a = scale * Unsafe.Add(ref delta, k);
            for (int j = 0; j < inputs; j++)
            {
                ref float wkj = ref Unsafe.Add(ref row, j);
                wkj = SimdScalar.FusedMultiplyAdd(a, Unsafe.Add(ref x, j), wkj);
            }
            Unsafe.Add(ref b, k) += a;
        }
    }

    /// <summary>Writes the scaled gradient <paramref name="g"/> (same layout as W and b) and, when
    /// <paramref name="propagate"/>, the sums s from W.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Gradient(ref float w, ref float delta, ref float x, float scale, ref float g, ref float s, bool propagate, int units, int inputs)
    {
        ref float gb = ref Unsafe.Add(ref g, units * inputs);
        if (propagate)
        {
            for (int j = 0; j < inputs; j++) Unsafe.Add(ref s, j) = 0f;
        }
        for (int k = 0; k < units; k++)
        {
            float dk = Unsafe.Add(ref delta, k), a = scale * dk;
            ref float row = ref Unsafe.Add(ref w, k * inputs), gRow = ref Unsafe.Add(ref g, k * inputs);
            for (int j = 0; j < inputs; j++) Unsafe.Add(ref gRow, j) = SimdScalar.FusedMultiplyAdd(a, Unsafe.Add(ref x, j), 0f);   // a zero product comes out +0, as on a cleared matrix
            if (propagate)
            {
                for (int j = 0; j < inputs; j++)
                {
                    ref float sj = ref Unsafe.Add(ref s, j);
                    sj = SimdScalar.FusedMultiplyAdd(dk, Unsafe.Add(ref row, j), sj);
                }
            }
            Unsafe.Add(ref gb, k) = a;
        }
    }

    /// <summary>∂E/∂y_k = y_k - d_k into <paramref name="gradient"/>; returns E = ½ Σ_k (y_k - d_k)² (derivation (3)).
    /// OutputDelta.HalfSquaredError without its two span calls on a handful of outputs: the same bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HalfSquaredError(ref float y, ref float target, ref float gradient, int units)
    {
        // Up to four outputs the squares come from the differences in registers, in Dot's trees; beyond, through memory.
        switch (units)
        {
            case 1:
                float e = Difference(ref y, ref target, ref gradient, 0);
                return 0.5f * (e * e);
            case 2:
                float e0 = Difference(ref y, ref target, ref gradient, 0), e1 = Difference(ref y, ref target, ref gradient, 1);
                return 0.5f * ((e0 * e0) + (e1 * e1));
            case 3:
                e0 = Difference(ref y, ref target, ref gradient, 0);
                e1 = Difference(ref y, ref target, ref gradient, 1);
                float e2 = Difference(ref y, ref target, ref gradient, 2);
                return 0.5f * (((e0 * e0) + (e2 * e2)) + (e1 * e1));
            case 4:
                e0 = Difference(ref y, ref target, ref gradient, 0);
                e1 = Difference(ref y, ref target, ref gradient, 1);
                e2 = Difference(ref y, ref target, ref gradient, 2);
                float e3 = Difference(ref y, ref target, ref gradient, 3);
                return 0.5f * (((e0 * e0) + (e2 * e2)) + ((e1 * e1) + (e3 * e3)));
            default:
                for (int k = 0; k < units; k++) Difference(ref y, ref target, ref gradient, k);
                return 0.5f * DotLong(ref gradient, ref gradient, units);
        }
    }

    // gradient_k = y_k - d_k, returned as well.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Difference(ref float y, ref float target, ref float gradient, int k) =>
        Unsafe.Add(ref gradient, k) = Unsafe.Add(ref y, k) - Unsafe.Add(ref target, k);

    // Σ_j row_j x_j for length < 16, in the canonical order: lane j holds row_j x_j (the first
    // fused multiply-add of a lane, onto -0, is the plain product), the lanes past the length are
    // -0 and drop out, and the tree adds lanes (j, j + 8), (j, j + 4), (j, j + 2), (0, 1) among
    // those that exist. The widths of small networks are a handful, where a loop costs more in its
    // exit misprediction than in its multiply-adds: lengths up to 4 are straight-line code, chosen
    // by a jump table whose target repeats every step (the same layers in the same order), so the
    // predictor learns it; at those lengths only the last two levels of the tree have pairs.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(ref float row, ref float x, int length)
    {
        switch (length)
        {
            case 1: return row * x;
            case 2: return row * x + Unsafe.Add(ref row, 1) * Unsafe.Add(ref x, 1);
            case 3: return (row * x + Unsafe.Add(ref row, 2) * Unsafe.Add(ref x, 2)) + Unsafe.Add(ref row, 1) * Unsafe.Add(ref x, 1);
            case 4:
                return (row * x + Unsafe.Add(ref row, 2) * Unsafe.Add(ref x, 2))
                    + (Unsafe.Add(ref row, 1) * Unsafe.Add(ref x, 1) + Unsafe.Add(ref row, 3) * Unsafe.Add(ref x, 3));
            default:
                return DotLong(ref row, ref x, length);
        }
    }

    // Dot for 5 to 15 elements: the products in their lanes, -0 in the rest, the whole tree. Out of line, so that
    // its loops do not use up the inlining budget of the plan's layer loop, which Dot is inlined into.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float DotLong(ref float row, ref float x, int length)
    {
        Block16 lanes = default;
        ((Span<float>)lanes).Fill(-0f);
        for (int j = 0; j < length; j++) lanes[j] = Unsafe.Add(ref row, j) * Unsafe.Add(ref x, j);
        return Lanes16.Tree(lanes);
    }

    /// <summary>A logistic layer's whole in-place backward for 1 to 4 inputs: delta_k *= y_k (1 - y_k) (the
    /// logistic derivative operator's operations), then BackwardUpdate (or Update, without <paramref name="propagate"/>),
    /// each delta used from a register as soon as it is formed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LogisticBackwardUpdate(ref float w, ref float delta, ref float y, ref float x, float scale, ref float s, bool propagate, int units, int inputs) =>
        BackwardUpdateInRegisters(ref w, ref delta, ref y, ref x, scale, ref s, propagate, units, inputs);

    // BackwardUpdate for 1 to 4 inputs with s_j in registers: the sums are the step's critical path (they become the
    // layer below's deltas), and through memory each of their fused multiply-adds waited for a store to reach the
    // next load. The same operations in the same order per element: s_j from +0, k in order, the old weight. With y
    // (not a null ref), delta is first multiplied by the logistic derivative; without propagate, s is not written.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BackwardUpdateInRegisters(ref float w, ref float delta, ref float y, ref float x, float scale, ref float s, bool propagate, int units, int inputs)
    {
        ref float b = ref Unsafe.Add(ref w, units * inputs);
        float x0 = x, x1 = inputs > 1 ? Unsafe.Add(ref x, 1) : 0f, x2 = inputs > 2 ? Unsafe.Add(ref x, 2) : 0f, x3 = inputs > 3 ? Unsafe.Add(ref x, 3) : 0f;
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        bool logistic = !Unsafe.IsNullRef(ref y);
        for (int k = 0; k < units; k++)
        {
            float dk = Unsafe.Add(ref delta, k);
            if (logistic)
            {
                float yk = Unsafe.Add(ref y, k);
                dk *= yk * (1f - yk);   // LogisticDerivativeOperator: delta * (y * (1 - y))
                Unsafe.Add(ref delta, k) = dk;
            }
            float a = scale * dk;
            ref float row = ref Unsafe.Add(ref w, k * inputs);
            switch (inputs)
            {
                case 4:
                    BackwardElement(ref Unsafe.Add(ref row, 3), ref s3, x3, dk, a);
                    goto case 3;
                case 3:
                    BackwardElement(ref Unsafe.Add(ref row, 2), ref s2, x2, dk, a);
                    goto case 2;
                case 2:
                    BackwardElement(ref Unsafe.Add(ref row, 1), ref s1, x1, dk, a);
                    goto default;
                default:
                    BackwardElement(ref row, ref s0, x0, dk, a);
                    break;
            }
            Unsafe.Add(ref b, k) += a;
        }
        if (!propagate) return;
        switch (inputs)
        {
            case 4:
                Unsafe.Add(ref s, 3) = s3;
                goto case 3;
            case 3:
                Unsafe.Add(ref s, 2) = s2;
                goto case 2;
            case 2:
                Unsafe.Add(ref s, 1) = s1;
                goto default;
            default:
                s = s0;
                return;
        }
    }

    // s_j = fma(dk, w_j, s_j) (old weight), then w_j = fma(a, x_j, w_j), for one row; straight-line up to 4 as Dot.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BackwardRow(ref float row, ref float s, ref float x, float dk, float a, int length)
    {
        switch (length)
        {
            case 4:
                BackwardElement(ref Unsafe.Add(ref row, 3), ref Unsafe.Add(ref s, 3), Unsafe.Add(ref x, 3), dk, a);
                goto case 3;
            case 3:
                BackwardElement(ref Unsafe.Add(ref row, 2), ref Unsafe.Add(ref s, 2), Unsafe.Add(ref x, 2), dk, a);
                goto case 2;
            case 2:
                BackwardElement(ref Unsafe.Add(ref row, 1), ref Unsafe.Add(ref s, 1), Unsafe.Add(ref x, 1), dk, a);
                goto case 1;
            case 1:
                BackwardElement(ref row, ref s, x, dk, a);
                return;
            default:
                for (int j = 0; j < length; j++) BackwardElement(ref Unsafe.Add(ref row, j), ref Unsafe.Add(ref s, j), Unsafe.Add(ref x, j), dk, a);
                return;
        }
    }

    // s += dk w (the old weight), then w = fma(a, x, w): GemvTransposedUpdate's two operations on one element.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BackwardElement(ref float w, ref float s, float x, float dk, float a)
    {
        s = SimdScalar.FusedMultiplyAdd(dk, w, s);
        w = SimdScalar.FusedMultiplyAdd(a, x, w);
    }
}
