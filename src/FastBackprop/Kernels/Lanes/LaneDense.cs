using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels.Lanes;

// ---------------------------------------------------------------------------------------------
// LaneDense: one dense layer's products across network lanes, one register of lanes per call
// (refs moved to the register's first lane; elements 16 floats apart: LaneSums.cs). W is units x
// inputs row-major with its units biases after it, as in the flat layout; x, net, delta have one
// element per input or unit and row; s (the layer below's gradient) one per input and row.
// The order of every operation is LaneEngine.cs's header's (the network's own step).
// ---------------------------------------------------------------------------------------------

/// <summary>Dense layer kernels over lane blocks (see the file header).</summary>
internal static class LaneDense
{
    private const int Lanes = LaneSums.Stride;

    /// <summary>One pattern: net_k = b_k + canonical Σ_j w_kj x_j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void NetSums<TSimd, TVector>(ref float w, ref float x, ref float net, int units, int inputs)
        where TSimd : ISimd<TVector> where TVector : struct
    {
        ref float b = ref Unsafe.Add(ref w, (nint)units * inputs * Lanes);
        for (int k = 0; k < units; k++)
        {
            TVector dot = LaneSums.Dot<TSimd, TVector>(ref Unsafe.Add(ref w, (nint)k * inputs * Lanes), ref x, inputs);
            TSimd.Store(TSimd.Add(LaneSums.At<TSimd, TVector>(ref b, k), dot), ref Unsafe.Add(ref net, (nint)k * Lanes));
        }
    }

    /// <summary>A batch: Z[p, k] = b_k + Σ_j X[p, j] w_kj in Gemm's order, for every row.</summary>
    public static void NetSumsGemm<TSimd, TVector>(ref float w, ref float x, ref float net, int rows, int units, int inputs)
        where TSimd : ISimd<TVector> where TVector : struct
    {
        ref float b = ref Unsafe.Add(ref w, (nint)units * inputs * Lanes);
        for (int p = 0; p < rows; p++)
        {
            ref float xp = ref Unsafe.Add(ref x, (nint)p * inputs * Lanes);
            for (int k = 0; k < units; k++)
            {
                TVector z = LaneSums.GemmSum<TSimd, TVector>(ref xp, Lanes, ref Unsafe.Add(ref w, (nint)k * inputs * Lanes), Lanes, inputs,
                    LaneSums.At<TSimd, TVector>(ref b, k), hasStart: true);
                TSimd.Store(z, ref Unsafe.Add(ref net, ((nint)p * units + k) * Lanes));
            }
        }
    }

    /// <summary>One pattern in place: s_j = Σ_k delta_k w_kj (old weights, from +0, k in order; not when s is a null
    /// ref), w_kj = fma(a_k, x_j, w_kj), b_k = b_k + a_k, with a_k = scale · delta_k.</summary>
    public static void BackwardUpdate<TSimd, TVector>(ref float w, ref float delta, ref float x, TVector scale, ref float s, int units, int inputs)
        where TSimd : ISimd<TVector> where TVector : struct
    {
        ref float b = ref Unsafe.Add(ref w, (nint)units * inputs * Lanes);
        bool propagate = !Unsafe.IsNullRef(ref s);
        if (propagate)
        {
            for (int j = 0; j < inputs; j++) TSimd.Store(TSimd.Zero, ref Unsafe.Add(ref s, (nint)j * Lanes));
        }
        for (int k = 0; k < units; k++)
        {
            TVector dk = LaneSums.At<TSimd, TVector>(ref delta, k);
            TVector a = TSimd.Multiply(scale, dk);
            ref float row = ref Unsafe.Add(ref w, (nint)k * inputs * Lanes);
            for (int j = 0; j < inputs; j++)
            {
                nint at = (nint)j * Lanes;
                ref float wkj = ref Unsafe.Add(ref row, at);
                TVector old = TSimd.Load(ref wkj);
                if (propagate)
                {
                    ref float sj = ref Unsafe.Add(ref s, at);
                    TSimd.Store(TSimd.FusedMultiplyAdd(dk, old, TSimd.Load(ref sj)), ref sj);
                }
                TSimd.Store(TSimd.FusedMultiplyAdd(a, TSimd.Load(ref Unsafe.Add(ref x, at)), old), ref wkj);
            }
            ref float bk = ref Unsafe.Add(ref b, (nint)k * Lanes);
            TSimd.Store(TSimd.Add(TSimd.Load(ref bk), a), ref bk);
        }
    }

    /// <summary>A batch: dX[p, j] = Σ_k dZ[p, k] w_kj in Gemm's order (beta 0), from the weights before the update.</summary>
    public static void InputGradientGemm<TSimd, TVector>(ref float w, ref float dz, ref float dx, int rows, int units, int inputs)
        where TSimd : ISimd<TVector> where TVector : struct
    {
        for (int p = 0; p < rows; p++)
        {
            ref float dzp = ref Unsafe.Add(ref dz, (nint)p * units * Lanes);
            for (int j = 0; j < inputs; j++)
            {
                TVector sum = LaneSums.GemmSum<TSimd, TVector>(ref dzp, Lanes, ref Unsafe.Add(ref w, (nint)j * Lanes), (nint)inputs * Lanes, units, TSimd.Zero, hasStart: false);
                TSimd.Store(sum, ref Unsafe.Add(ref dx, ((nint)p * inputs + j) * Lanes));
            }
        }
    }

    /// <summary>A batch's fused SGD update: W = W + scale · Σ_p dZ[p, k] X[p, j] block by block in Gemm's order (only in
    /// the lanes where <paramref name="keep"/> is positive: Gemm skips a zero alpha), then
    /// b_k = (Σ_p dZ[p, k], rows in order) · scale + b_k. With <paramref name="masked"/>, row p counts only in the lanes
    /// whose mask register p is positive.</summary>
    public static void UpdateGemm<TSimd, TVector>(ref float w, ref float dz, ref float x, TVector scale, TVector keep, ref float mask, bool masked,
        int rows, int units, int inputs)
        where TSimd : ISimd<TVector> where TVector : struct
    {
        nint dzStride = (nint)units * Lanes, xStride = (nint)inputs * Lanes;
        for (int k = 0; k < units; k++)
        {
            ref float dzk = ref Unsafe.Add(ref dz, (nint)k * Lanes);
            ref float row = ref Unsafe.Add(ref w, (nint)k * inputs * Lanes);
            for (int j = 0; j < inputs; j++)
            {
                ref float xj = ref Unsafe.Add(ref x, (nint)j * Lanes);
                ref float wkj = ref Unsafe.Add(ref row, (nint)j * Lanes);
                TVector value = TSimd.Load(ref wkj);
                for (int p0 = 0; p0 < rows; p0 += Gemm.KC)
                {
                    int end = Math.Min(rows, p0 + Gemm.KC);
                    TVector ab = TSimd.Zero;
                    for (int p = p0; p < end; p++)
                    {
                        TVector product = TSimd.FusedMultiplyAdd(TSimd.Load(ref Unsafe.Add(ref dzk, p * dzStride)), TSimd.Load(ref Unsafe.Add(ref xj, p * xStride)), ab);
                        ab = masked ? TSimd.WherePositive(LaneSums.At<TSimd, TVector>(ref mask, p), product, ab) : product;
                    }
                    value = TSimd.Add(value, TSimd.Multiply(scale, ab));
                }
                TSimd.Store(TSimd.WherePositive(keep, value, TSimd.Load(ref wkj)), ref wkj);
            }
        }
        ref float b = ref Unsafe.Add(ref w, (nint)units * inputs * Lanes);
        for (int k = 0; k < units; k++)
        {
            ref float dzk = ref Unsafe.Add(ref dz, (nint)k * Lanes);
            TVector sum = TSimd.Load(ref dzk);
            for (int p = 1; p < rows; p++)
            {
                TVector added = TSimd.Add(sum, TSimd.Load(ref Unsafe.Add(ref dzk, p * dzStride)));
                sum = masked ? TSimd.WherePositive(LaneSums.At<TSimd, TVector>(ref mask, p), added, sum) : added;
            }
            ref float bk = ref Unsafe.Add(ref b, (nint)k * Lanes);
            TSimd.Store(TSimd.Add(TSimd.Multiply(sum, scale), TSimd.Load(ref bk)), ref bk);
        }
    }
}
