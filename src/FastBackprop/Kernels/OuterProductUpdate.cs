using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// OuterProductUpdate: a rank-1 update of a weight matrix.
//
//   W_kj += scale * delta_k * y_j
//
// With scale = -eta this is the derivation's w_jk -= eta * dE/dw_jk, dE/dw_jk = delta_k y_j;
// with scale = 1 on a cleared matrix it writes the gradient itself.
// Operands: W is rows x cols row-major; delta has rows elements; y has cols elements.
// Caller guarantees: W overlaps neither delta nor y.
// Kernel handles: any rows >= 0, cols >= 0, every tail. Kernel never allocates or reads past a span.
// Arithmetic: a_k = scale * delta_k (one rounding), then W_kj = fma(a_k, y_j, W_kj) (one rounding),
// in the registers and in the scalar tail alike: each element gets the same two IEEE operations at
// every vector tier, so the result is the same bits on every CPU.
// ---------------------------------------------------------------------------------------------

/// <summary>Rank-1 update <c>W += scale · delta ⊗ y</c>: the weight update of one pattern.</summary>
public static class OuterProductUpdate
{
    /// <summary>Effectively computes <c>matrix[k * y.Length + j] += scale * delta[k] * y[j]</c> for all k, j.</summary>
    /// <param name="matrix">Row-major <c>delta.Length x y.Length</c> matrix, updated in place.</param>
    /// <param name="delta">One value per row.</param>
    /// <param name="y">One value per column.</param>
    /// <param name="scale">Multiplier; <c>-eta</c> for a gradient-descent step.</param>
    /// <exception cref="ArgumentException">A length does not match the shapes above.</exception>
    /// <remarks>Each element is <c>fma(scale * delta[k], y[j], matrix[k, j])</c>: the same bits on every CPU and vector tier.</remarks>
    public static void Apply(Span<float> matrix, ReadOnlySpan<float> delta, ReadOnlySpan<float> y, float scale)
    {
        int rows = delta.Length, cols = y.Length;
        ThrowHelper.CheckMatrix(matrix.Length, rows, cols, nameof(matrix));
        var kernel = new Kernel(matrix, delta, y, scale);
        VectorDispatch.Run(cols, ref kernel);
    }

    private readonly ref struct Kernel(Span<float> matrix, ReadOnlySpan<float> delta, ReadOnlySpan<float> y, float scale) : IVectorKernel
    {
        private readonly Span<float> w = matrix;
        private readonly ReadOnlySpan<float> d = delta, x = y;
        private readonly float a = scale;

        public void Run<TSimd, TVector>() where TSimd : ISimd<TVector> where TVector : struct =>
            Core<TSimd, TVector>(ref MemoryMarshal.GetReference(w), ref MemoryMarshal.GetReference(d), ref MemoryMarshal.GetReference(x), a, d.Length, x.Length);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Core<TSimd, TVector>(ref float w, ref float delta, ref float y, float scale, int rows, int cols)
        where TSimd : ISimd<TVector>
        where TVector : struct
    {
        int vectorEnd = cols - TSimd.Count;
        for (int k = 0; k < rows; k++)
        {
            ref float wk = ref Unsafe.Add(ref w, (nint)k * cols);
            float a = scale * Unsafe.Add(ref delta, k);
            TVector av = TSimd.Create(a);
            int j = 0;
            for (; j <= vectorEnd; j += TSimd.Count)
            {
                TVector updated = TSimd.FusedMultiplyAdd(av, TSimd.Load(ref Unsafe.Add(ref y, j)), TSimd.Load(ref Unsafe.Add(ref wk, j)));
                TSimd.Store(updated, ref Unsafe.Add(ref wk, j));
            }
            for (; j < cols; j++)
            {
                ref float e = ref Unsafe.Add(ref wk, j);
                e = SimdScalar.FusedMultiplyAdd(a, Unsafe.Add(ref y, j), e);
            }
        }
    }
}
