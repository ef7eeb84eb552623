using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels.Lanes;

// ---------------------------------------------------------------------------------------------
// LaneSums: the sums of one network's training step, computed for a register's worth of
// networks at once (the vector-lane engine: Training/VectorLaneStep.cs).
//
// Layout: every value of a network is one of 16 lanes: element e of lane i is at [e * 16 + i].
// A kernel here gets refs already moved to its first lane (a multiple of TSimd.Count) and reads
// one register at every element, 16 floats apart (Stride); lane i of the register is network i.
// So each network gets exactly the IEEE operations its own step gives it, in the same order:
//
//   Canonical   Σ_j a_j b_j in Lanes16's order (element j in accumulator j mod 16, each from
//               -0 by fused multiply-adds, then the fixed tree): the per-pattern net sums (Gemv,
//               SmallDense), the half squared error and softmax's sums. The first element of an
//               accumulator is the plain product and absent accumulators (-0) are skipped, as
//               Lanes16.cs's fact (1) allows; up to 4 elements the tree is in registers.
//   Gemm        Σ_q a_q b_q in Gemm's order: q ascending in blocks of Gemm.KC, each block from +0 by
//               fused multiply-adds, merged C = C + AB (beta = 1) or C = AB (first block, beta = 0):
//               the mini-batch products (forward NT, backward NN, the fused update TN).
//
// A long dot product keeps its 16 accumulators in registers; the plain sum and the masked block sum
// (short, off the hot path) keep theirs in a scratch of 16 registers (16 x Count floats).
// Nothing here allocates, checks bounds or branches on the width.
// ---------------------------------------------------------------------------------------------

/// <summary>Canonical and Gemm-order sums across network lanes (see the file header).</summary>
internal static class LaneSums
{
    /// <summary>Floats between one element's registers and the next: 16 lanes.</summary>
    public const int Stride = Lanes16.Count;

    /// <summary>The register at element <paramref name="e"/> (stride 16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector At<TSimd, TVector>(ref float x, int e) where TSimd : ISimd<TVector> where TVector : struct =>
        TSimd.Load(ref Unsafe.Add(ref x, (nint)e * Stride));

    /// <summary>Σ_j a_j b_j, j &lt; n, per lane in the canonical 16-lane order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Dot<TSimd, TVector>(ref float a, ref float b, int n) where TSimd : ISimd<TVector> where TVector : struct =>
        n is >= 1 and <= 4 ? Dot<TSimd, TVector>(Quad<TSimd, TVector>(ref a, n), Quad<TSimd, TVector>(ref b, n), n) : DotLong<TSimd, TVector>(ref a, ref b, n);

    /// <summary>Σ_j a_j b_j for 1 ≤ n ≤ 4 elements in registers, in the canonical order: p0, p0 + p1, (p0 + p2) + p1,
    /// (p0 + p2) + (p1 + p3) (element j alone in accumulator j; the absent ones, -0, skipped).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Dot<TSimd, TVector>(LaneQuad<TVector> a, LaneQuad<TVector> b, int n) where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector p0 = TSimd.Multiply(a.V0, b.V0);
        if (n == 1) return p0;
        TVector p1 = TSimd.Multiply(a.V1, b.V1);
        if (n == 2) return TSimd.Add(p0, p1);
        TVector p02 = TSimd.Add(p0, TSimd.Multiply(a.V2, b.V2));
        return n == 3 ? TSimd.Add(p02, p1) : TSimd.Add(p02, TSimd.Add(p1, TSimd.Multiply(a.V3, b.V3)));
    }

    /// <summary>The registers of elements 0 .. n - 1 (1 ≤ n ≤ 4); the others left zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LaneQuad<TVector> Quad<TSimd, TVector>(ref float first, int n) where TSimd : ISimd<TVector> where TVector : struct
    {
        LaneQuad<TVector> q = default;
        q.V0 = TSimd.Load(ref first);
        if (n > 1) q.V1 = At<TSimd, TVector>(ref first, 1);
        if (n > 2) q.V2 = At<TSimd, TVector>(ref first, 2);
        if (n > 3) q.V3 = At<TSimd, TVector>(ref first, 3);
        return q;
    }

    /// <summary>Σ_j x_j, j &lt; n (n ≥ 1), per lane in the canonical order of a plain sum (-0 + x = x for the first element).</summary>
    public static TVector Sum<TSimd, TVector>(ref float x, int n, ref float scratch) where TSimd : ISimd<TVector> where TVector : struct
    {
        int used = Math.Min(n, Stride);
        for (int l = 0; l < used; l++) TSimd.Store(At<TSimd, TVector>(ref x, l), ref Accumulator<TSimd, TVector>(ref scratch, l));
        for (int j = Stride; j < n; j++)
        {
            ref float acc = ref Accumulator<TSimd, TVector>(ref scratch, j % Stride);
            TSimd.Store(TSimd.Add(TSimd.Load(ref acc), At<TSimd, TVector>(ref x, j)), ref acc);
        }
        return Tree<TSimd, TVector>(ref scratch, used);
    }

    /// <summary>Σ_i e_i² over the <paramref name="rows"/> x <paramref name="width"/> block of e in the canonical order
    /// of the whole block (element i = p · width + k in accumulator i mod 16: HalfSquaredErrorLoss on a batch), where
    /// row p counts only in the lanes whose <paramref name="mask"/> (one register per row) is positive.</summary>
    public static TVector MaskedSquares<TSimd, TVector>(ref float e, ref float mask, int rows, int width, ref float scratch)
        where TSimd : ISimd<TVector> where TVector : struct
    {
        for (int l = 0; l < Stride; l++) TSimd.Store(TSimd.Create(-0f), ref Accumulator<TSimd, TVector>(ref scratch, l));
        int i = 0;
        for (int p = 0; p < rows; p++)
        {
            TVector m = At<TSimd, TVector>(ref mask, p);
            for (int k = 0; k < width; k++, i++)
            {
                ref float acc = ref Accumulator<TSimd, TVector>(ref scratch, i % Stride);
                TVector ei = At<TSimd, TVector>(ref e, i), old = TSimd.Load(ref acc);
                TSimd.Store(TSimd.WherePositive(m, TSimd.FusedMultiplyAdd(ei, ei, old), old), ref acc);
            }
        }
        return Tree<TSimd, TVector>(ref scratch, Stride);   // the accumulators no row reached are -0: the identity
    }

    /// <summary><paramref name="start"/> + Σ_q a_q b_q (q &lt; n) in Gemm's order, a and b read every
    /// <paramref name="strideA"/> and <paramref name="strideB"/> floats; without <paramref name="hasStart"/> the first
    /// block is the result itself (beta = 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector GemmSum<TSimd, TVector>(ref float a, nint strideA, ref float b, nint strideB, int n, TVector start, bool hasStart)
        where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector c = start;
        for (int q0 = 0; q0 < n; q0 += Gemm.KC)
        {
            int end = Math.Min(n, q0 + Gemm.KC);
            TVector ab = TSimd.Zero;
            for (int q = q0; q < end; q++)
            {
                ab = TSimd.FusedMultiplyAdd(TSimd.Load(ref Unsafe.Add(ref a, q * strideA)), TSimd.Load(ref Unsafe.Add(ref b, q * strideB)), ab);
            }
            c = q0 == 0 && !hasStart ? ab : TSimd.Add(c, ab);
        }
        return c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref float Accumulator<TSimd, TVector>(ref float scratch, int l) where TSimd : ISimd<TVector> where TVector : struct =>
        ref Unsafe.Add(ref scratch, l * TSimd.Count);

    // Dot for n = 0 or n > 4: the 16 accumulators in registers (where the width has enough), each from -0 (so its
    // first fused multiply-add is the plain product), whole blocks of 16 elements, the tail into the first
    // accumulators, then the whole tree (accumulators no element reached are -0, the identity).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static TVector DotLong<TSimd, TVector>(ref float a, ref float b, int n) where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector a0 = TSimd.Create(-0f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        TVector a8 = a0, a9 = a0, a10 = a0, a11 = a0, a12 = a0, a13 = a0, a14 = a0, a15 = a0;
        int j = 0;
        for (; j + Stride <= n; j += Stride)
        {
            ref float x = ref Unsafe.Add(ref a, (nint)j * Stride);
            ref float y = ref Unsafe.Add(ref b, (nint)j * Stride);
            a0 = Fma<TSimd, TVector>(ref x, ref y, 0, a0);
            a1 = Fma<TSimd, TVector>(ref x, ref y, 1, a1);
            a2 = Fma<TSimd, TVector>(ref x, ref y, 2, a2);
            a3 = Fma<TSimd, TVector>(ref x, ref y, 3, a3);
            a4 = Fma<TSimd, TVector>(ref x, ref y, 4, a4);
            a5 = Fma<TSimd, TVector>(ref x, ref y, 5, a5);
            a6 = Fma<TSimd, TVector>(ref x, ref y, 6, a6);
            a7 = Fma<TSimd, TVector>(ref x, ref y, 7, a7);
            a8 = Fma<TSimd, TVector>(ref x, ref y, 8, a8);
            a9 = Fma<TSimd, TVector>(ref x, ref y, 9, a9);
            a10 = Fma<TSimd, TVector>(ref x, ref y, 10, a10);
            a11 = Fma<TSimd, TVector>(ref x, ref y, 11, a11);
            a12 = Fma<TSimd, TVector>(ref x, ref y, 12, a12);
            a13 = Fma<TSimd, TVector>(ref x, ref y, 13, a13);
            a14 = Fma<TSimd, TVector>(ref x, ref y, 14, a14);
            a15 = Fma<TSimd, TVector>(ref x, ref y, 15, a15);
        }
        int tail = n - j;
        if (tail > 0)
        {
            ref float x = ref Unsafe.Add(ref a, (nint)j * Stride);
            ref float y = ref Unsafe.Add(ref b, (nint)j * Stride);
            a0 = Fma<TSimd, TVector>(ref x, ref y, 0, a0);
            if (tail > 1) a1 = Fma<TSimd, TVector>(ref x, ref y, 1, a1);
            if (tail > 2) a2 = Fma<TSimd, TVector>(ref x, ref y, 2, a2);
            if (tail > 3) a3 = Fma<TSimd, TVector>(ref x, ref y, 3, a3);
            if (tail > 4) a4 = Fma<TSimd, TVector>(ref x, ref y, 4, a4);
            if (tail > 5) a5 = Fma<TSimd, TVector>(ref x, ref y, 5, a5);
            if (tail > 6) a6 = Fma<TSimd, TVector>(ref x, ref y, 6, a6);
            if (tail > 7) a7 = Fma<TSimd, TVector>(ref x, ref y, 7, a7);
            if (tail > 8) a8 = Fma<TSimd, TVector>(ref x, ref y, 8, a8);
            if (tail > 9) a9 = Fma<TSimd, TVector>(ref x, ref y, 9, a9);
            if (tail > 10) a10 = Fma<TSimd, TVector>(ref x, ref y, 10, a10);
            if (tail > 11) a11 = Fma<TSimd, TVector>(ref x, ref y, 11, a11);
            if (tail > 12) a12 = Fma<TSimd, TVector>(ref x, ref y, 12, a12);
            if (tail > 13) a13 = Fma<TSimd, TVector>(ref x, ref y, 13, a13);
            if (tail > 14) a14 = Fma<TSimd, TVector>(ref x, ref y, 14, a14);
        }
        // (i, i + 8), (i, i + 4), (i, i + 2), (0, 1)
        a0 = TSimd.Add(a0, a8);
        a1 = TSimd.Add(a1, a9);
        a2 = TSimd.Add(a2, a10);
        a3 = TSimd.Add(a3, a11);
        a4 = TSimd.Add(a4, a12);
        a5 = TSimd.Add(a5, a13);
        a6 = TSimd.Add(a6, a14);
        a7 = TSimd.Add(a7, a15);
        a0 = TSimd.Add(a0, a4);
        a1 = TSimd.Add(a1, a5);
        a2 = TSimd.Add(a2, a6);
        a3 = TSimd.Add(a3, a7);
        return TSimd.Add(TSimd.Add(a0, a2), TSimd.Add(a1, a3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Fma<TSimd, TVector>(ref float a, ref float b, int e, TVector acc) where TSimd : ISimd<TVector> where TVector : struct =>
        TSimd.FusedMultiplyAdd(At<TSimd, TVector>(ref a, e), At<TSimd, TVector>(ref b, e), acc);

    // The canonical tree over the first `used` accumulators (the others are -0, which every level may skip):
    // (i, i + 8), (i, i + 4), (i, i + 2), (0, 1) among those that exist.
    private static TVector Tree<TSimd, TVector>(ref float scratch, int used) where TSimd : ISimd<TVector> where TVector : struct
    {
        for (int half = Stride / 2; half >= 1; half /= 2)
        {
            for (int i = 0; i < half && i + half < used; i++)
            {
                ref float low = ref Accumulator<TSimd, TVector>(ref scratch, i);
                TSimd.Store(TSimd.Add(TSimd.Load(ref low), TSimd.Load(ref Accumulator<TSimd, TVector>(ref scratch, i + half))), ref low);
            }
            used = Math.Min(used, half);
        }
        return TSimd.Load(ref scratch);
    }
}

/// <summary>Up to four registers of values (one layer's units, or the elements of a short dot product), element k in
/// V{k} (the rest unused): a struct of four fields, which the JIT keeps in registers.</summary>
internal struct LaneQuad<TVector> where TVector : struct
{
    public TVector V0, V1, V2, V3;
}
