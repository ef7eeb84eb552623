using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// GemvTransposed: the backpropagated sums of one layer for one pattern.
//
//   forward:  net_k = Σ_j w_kj y_j
//   backward: s_j   = Σ_k delta_k w_kj      (derivation: the Σ_k delta_k w_jk of delta_j)
//
// Operands: W is rows x cols, row-major (row k = unit k's incoming weights); delta has rows
// elements; s has cols elements.
// Caller guarantees: s overlaps neither W nor delta.
// Kernel handles: any rows >= 0 and cols >= 0, every tail.
// Kernel never: allocates, reads past any span, reads s before writing it.
// Walking W row by row (an axpy per row) keeps the access to W contiguous; s lives in L1.
// Order: each s_j starts at +0 and takes s_j = fma(delta_k, w_kj, s_j) for k = 0, 1, ... in
// turn, in the registers and in the scalar tail alike (four rows per pass only saves loads and
// stores of s; it applies the same four fused steps in the same order). No sum crosses lanes, so
// s has the same bits at every vector tier and on every CPU.
// ---------------------------------------------------------------------------------------------

/// <summary>Transposed matrix-vector product: the sums Σ_k delta_k w_kj that feed hidden deltas.</summary>
public static class GemvTransposed
{
    /// <summary>Effectively computes <c>sums[j] = Σ_k delta[k] * weights[k * sums.Length + j]</c>
    /// for every <c>j</c> in <c>[0, sums.Length)</c>.</summary>
    /// <param name="weights">Row-major <c>delta.Length x sums.Length</c> matrix.</param>
    /// <param name="delta">One value per row of <paramref name="weights"/>.</param>
    /// <param name="sums">Destination, one value per column; overwritten.</param>
    /// <exception cref="ArgumentException">A length does not match the shapes above.</exception>
    /// <remarks>Each sum is accumulated over k in increasing order, one fused multiply-add per term, from +0:
    /// the same bits on every CPU and vector tier.</remarks>
    public static void Multiply(ReadOnlySpan<float> weights, ReadOnlySpan<float> delta, Span<float> sums)
    {
        int rows = delta.Length, cols = sums.Length;
        ThrowHelper.CheckMatrix(weights.Length, rows, cols, nameof(weights));
        sums.Clear();
        var kernel = new Kernel(weights, delta, sums);
        VectorDispatch.Run(cols, ref kernel);
    }

    private readonly ref struct Kernel(ReadOnlySpan<float> weights, ReadOnlySpan<float> delta, Span<float> sums) : IVectorKernel
    {
        private readonly ReadOnlySpan<float> w = weights, d = delta;
        private readonly Span<float> s = sums;

        public void Run<TSimd, TVector>() where TSimd : ISimd<TVector> where TVector : struct =>
            Core<TSimd, TVector>(ref MemoryMarshal.GetReference(w), ref MemoryMarshal.GetReference(d), ref MemoryMarshal.GetReference(s), d.Length, s.Length);
    }

    // Four rows per pass over s: one load and one store of s per four rows of W.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Core<TSimd, TVector>(ref float w, ref float delta, ref float s, int rows, int cols)
        where TSimd : ISimd<TVector>
        where TVector : struct
    {
        int vectorEnd = cols - TSimd.Count;
        int k = 0;
        for (; k + 4 <= rows; k += 4)
        {
            ref float w0 = ref Unsafe.Add(ref w, (nint)k * cols);
            ref float w1 = ref Unsafe.Add(ref w0, cols);
            ref float w2 = ref Unsafe.Add(ref w1, cols);
            ref float w3 = ref Unsafe.Add(ref w2, cols);
            float d0 = Unsafe.Add(ref delta, k), d1 = Unsafe.Add(ref delta, k + 1);
            float d2 = Unsafe.Add(ref delta, k + 2), d3 = Unsafe.Add(ref delta, k + 3);
            TVector v0 = TSimd.Create(d0), v1 = TSimd.Create(d1), v2 = TSimd.Create(d2), v3 = TSimd.Create(d3);
            int j = 0;
            for (; j <= vectorEnd; j += TSimd.Count)
            {
                TVector acc = TSimd.Load(ref Unsafe.Add(ref s, j));
                acc = TSimd.FusedMultiplyAdd(v0, TSimd.Load(ref Unsafe.Add(ref w0, j)), acc);
                acc = TSimd.FusedMultiplyAdd(v1, TSimd.Load(ref Unsafe.Add(ref w1, j)), acc);
                acc = TSimd.FusedMultiplyAdd(v2, TSimd.Load(ref Unsafe.Add(ref w2, j)), acc);
                acc = TSimd.FusedMultiplyAdd(v3, TSimd.Load(ref Unsafe.Add(ref w3, j)), acc);
                TSimd.Store(acc, ref Unsafe.Add(ref s, j));
            }
            for (; j < cols; j++)
            {
                // The four fused steps of the vector body, in its order.
                ref float sj = ref Unsafe.Add(ref s, j);
                float acc = SimdScalar.FusedMultiplyAdd(d0, Unsafe.Add(ref w0, j), sj);
                acc = SimdScalar.FusedMultiplyAdd(d1, Unsafe.Add(ref w1, j), acc);
                acc = SimdScalar.FusedMultiplyAdd(d2, Unsafe.Add(ref w2, j), acc);
                sj = SimdScalar.FusedMultiplyAdd(d3, Unsafe.Add(ref w3, j), acc);
            }
        }
        for (; k < rows; k++)
        {
            ref float wk = ref Unsafe.Add(ref w, (nint)k * cols);
            float dk = Unsafe.Add(ref delta, k);
            TVector vk = TSimd.Create(dk);
            int j = 0;
            for (; j <= vectorEnd; j += TSimd.Count)
            {
                TVector acc = TSimd.FusedMultiplyAdd(vk, TSimd.Load(ref Unsafe.Add(ref wk, j)), TSimd.Load(ref Unsafe.Add(ref s, j)));
                TSimd.Store(acc, ref Unsafe.Add(ref s, j));
            }
            for (; j < cols; j++)
            {
                ref float sj = ref Unsafe.Add(ref s, j);
                sj = SimdScalar.FusedMultiplyAdd(dk, Unsafe.Add(ref wk, j), sj);
            }
        }
    }
}
