using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// GemvTransposedUpdate: backward sums and weight update of one layer in one pass over W.
//
//   s_j   = Σ_k delta_k w_kj            (with the OLD weights: delta_j needs them, derivation (9)-(12))
//   w_kj += scale * delta_k * y_j       (scale = -eta: derivation (17)-(18))
//
// Each element of W is loaded once, used for s, updated and stored: half the memory traffic of
// GemvTransposed followed by OuterProductUpdate, which matters once W leaves the cache.
// Operands: W rows x cols row-major; delta rows; y cols; s cols.
// Caller guarantees: s overlaps neither W, delta nor y; W overlaps neither delta nor y.
// Kernel handles: any rows >= 0, cols >= 0, every tail. Kernel never allocates or reads past a span.
// Arithmetic, per element, in the registers and in the scalar tail alike: s_j starts at +0 and
// takes s_j = fma(delta_k, w_kj, s_j) for k = 0, 1, ... in turn (GemvTransposed's order), and
// w_kj = fma(a_k, y_j, w_kj) with a_k = scale * delta_k rounded (OuterProductUpdate's). No sum
// crosses lanes, so both outputs have the same bits at every vector tier and on every CPU.
// ---------------------------------------------------------------------------------------------

/// <summary>Fused backward product and rank-1 update: <c>s = Wᵀ delta</c> from the old weights,
/// then <c>W += scale · delta ⊗ y</c>, in one pass over each weight row.</summary>
public static class GemvTransposedUpdate
{
    /// <summary>Effectively computes, for the weights before the call,
    /// <c>sums[j] = Σ_k delta[k] * matrix[k * y.Length + j]</c>, and then
    /// <c>matrix[k * y.Length + j] += scale * delta[k] * y[j]</c>.</summary>
    /// <param name="matrix">Row-major <c>delta.Length x y.Length</c> matrix, updated in place.</param>
    /// <param name="delta">One value per row.</param>
    /// <param name="y">One value per column: the layer's input.</param>
    /// <param name="scale">Multiplier of the update; <c>-eta</c> for gradient descent.</param>
    /// <param name="sums">Destination, same length as <paramref name="y"/>; overwritten.</param>
    /// <exception cref="ArgumentException">A length does not match the shapes above.</exception>
    /// <remarks>Bit-identical to <see cref="GemvTransposed.Multiply"/> followed by <see cref="OuterProductUpdate.Apply"/>,
    /// and the same bits on every CPU and vector tier.</remarks>
    public static void Apply(Span<float> matrix, ReadOnlySpan<float> delta, ReadOnlySpan<float> y, float scale, Span<float> sums)
    {
        int rows = delta.Length, cols = y.Length;
        ThrowHelper.CheckMatrix(matrix.Length, rows, cols, nameof(matrix));
        ThrowHelper.CheckLength(sums.Length, cols, nameof(sums));
        sums.Clear();
        var kernel = new Kernel(matrix, delta, y, scale, sums);
        VectorDispatch.Run(cols, ref kernel);
    }

    private readonly ref struct Kernel(Span<float> matrix, ReadOnlySpan<float> delta, ReadOnlySpan<float> y, float scale, Span<float> sums) : IVectorKernel
    {
        private readonly Span<float> w = matrix, s = sums;
        private readonly ReadOnlySpan<float> d = delta, x = y;
        private readonly float a = scale;

        public void Run<TSimd, TVector>() where TSimd : ISimd<TVector> where TVector : struct =>
            Core<TSimd, TVector>(ref MemoryMarshal.GetReference(w), ref MemoryMarshal.GetReference(d), ref MemoryMarshal.GetReference(x), a,
                ref MemoryMarshal.GetReference(s), d.Length, x.Length);
    }

    // Two rows per pass over s and y: each s/y load serves two weight rows.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Core<TSimd, TVector>(ref float w, ref float delta, ref float y, float scale, ref float s, int rows, int cols)
        where TSimd : ISimd<TVector>
        where TVector : struct
    {
        int vectorEnd = cols - TSimd.Count;
        int k = 0;
        for (; k + 2 <= rows; k += 2)
        {
            ref float w0 = ref Unsafe.Add(ref w, (nint)k * cols);
            ref float w1 = ref Unsafe.Add(ref w0, cols);
            float d0 = Unsafe.Add(ref delta, k), d1 = Unsafe.Add(ref delta, k + 1);
            float a0 = scale * d0, a1 = scale * d1;
            TVector dv0 = TSimd.Create(d0), dv1 = TSimd.Create(d1), av0 = TSimd.Create(a0), av1 = TSimd.Create(a1);
            int j = 0;
            for (; j <= vectorEnd; j += TSimd.Count)
            {
                TVector yv = TSimd.Load(ref Unsafe.Add(ref y, j));
                TVector wv0 = TSimd.Load(ref Unsafe.Add(ref w0, j));
                TVector wv1 = TSimd.Load(ref Unsafe.Add(ref w1, j));
                TVector acc = TSimd.Load(ref Unsafe.Add(ref s, j));
                acc = TSimd.FusedMultiplyAdd(dv0, wv0, acc);
                acc = TSimd.FusedMultiplyAdd(dv1, wv1, acc);
                TSimd.Store(acc, ref Unsafe.Add(ref s, j));
                TSimd.Store(TSimd.FusedMultiplyAdd(av0, yv, wv0), ref Unsafe.Add(ref w0, j));
                TSimd.Store(TSimd.FusedMultiplyAdd(av1, yv, wv1), ref Unsafe.Add(ref w1, j));
            }
            for (; j < cols; j++)
            {
                float yj = Unsafe.Add(ref y, j);
                ref float e0 = ref Unsafe.Add(ref w0, j);
                ref float e1 = ref Unsafe.Add(ref w1, j);
                ref float sj = ref Unsafe.Add(ref s, j);
                sj = SimdScalar.FusedMultiplyAdd(d1, e1, SimdScalar.FusedMultiplyAdd(d0, e0, sj));   // the vector body's two steps, in order
                e0 = SimdScalar.FusedMultiplyAdd(a0, yj, e0);
                e1 = SimdScalar.FusedMultiplyAdd(a1, yj, e1);
            }
        }
        for (; k < rows; k++)
        {
            ref float wk = ref Unsafe.Add(ref w, (nint)k * cols);
            float dk = Unsafe.Add(ref delta, k);
            float ak = scale * dk;
            TVector dv = TSimd.Create(dk), av = TSimd.Create(ak);
            int j = 0;
            for (; j <= vectorEnd; j += TSimd.Count)
            {
                TVector wv = TSimd.Load(ref Unsafe.Add(ref wk, j));
                TSimd.Store(TSimd.FusedMultiplyAdd(dv, wv, TSimd.Load(ref Unsafe.Add(ref s, j))), ref Unsafe.Add(ref s, j));
                TSimd.Store(TSimd.FusedMultiplyAdd(av, TSimd.Load(ref Unsafe.Add(ref y, j)), wv), ref Unsafe.Add(ref wk, j));
            }
            for (; j < cols; j++)
            {
                ref float e = ref Unsafe.Add(ref wk, j);
                ref float sj = ref Unsafe.Add(ref s, j);
                sj = SimdScalar.FusedMultiplyAdd(dk, e, sj);
                e = SimdScalar.FusedMultiplyAdd(ak, Unsafe.Add(ref y, j), e);
            }
        }
    }
}
