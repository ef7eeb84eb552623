using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// Gemv: the forward net sums of one layer for one pattern.
//
//   net_k = b_k + Σ_j w_kj y_j        (derivation: net_k = Σ_j y_j w_jk, bias as a unit with y = 1)
//
// Operands: W is rows x cols, row-major, row k = the incoming weights of unit k; b has rows
// elements; y has cols elements; net has rows elements.
// Caller guarantees: net overlaps neither W, b nor y.
// Kernel handles: any rows >= 0 and cols >= 0, including 1 and every tail of every width.
// Kernel never: allocates, reads past any span, reads net.
// ---------------------------------------------------------------------------------------------

/// <summary>Matrix-vector product with bias: the net sums of a fully connected layer.</summary>
public static class Gemv
{
    /// <summary>Effectively computes <c>net[k] = bias[k] + Σ_j weights[k * x.Length + j] * x[j]</c>
    /// for every <c>k</c> in <c>[0, net.Length)</c>.</summary>
    /// <param name="weights">Row-major <c>net.Length x x.Length</c> matrix; row k holds unit k's incoming weights.</param>
    /// <param name="bias">One bias per output; same length as <paramref name="net"/>.</param>
    /// <param name="x">The layer's input (the previous layer's outputs).</param>
    /// <param name="net">Destination: the net sums.</param>
    /// <exception cref="ArgumentException">A length does not match the shapes above.</exception>
    /// <remarks>NaN or infinity in an input propagates to the sums it touches. The summation order
    /// depends on the vector tier, so results may differ in the last bits between CPUs.</remarks>
    public static void Multiply(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> net)
    {
        int rows = net.Length, cols = x.Length;
        ThrowHelper.CheckMatrix(weights.Length, rows, cols, nameof(weights));
        ThrowHelper.CheckLength(bias.Length, rows, nameof(bias));
        var kernel = new Kernel(weights, bias, x, net);
        VectorDispatch.Run(cols, ref kernel);
    }

    private readonly ref struct Kernel(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> net) : IVectorKernel
    {
        private readonly ReadOnlySpan<float> w = weights, b = bias, y = x;
        private readonly Span<float> sums = net;

        public void Run<TSimd, TVector>() where TSimd : ISimd<TVector> where TVector : struct =>
            Core<TSimd, TVector>(ref MemoryMarshal.GetReference(w), ref MemoryMarshal.GetReference(b),
                ref MemoryMarshal.GetReference(y), ref MemoryMarshal.GetReference(sums), sums.Length, y.Length);
    }

    // Four rows at a time share each load of x, and give four independent FMA chains.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Core<TSimd, TVector>(ref float w, ref float b, ref float x, ref float net, int rows, int cols)
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
            TVector a0 = TSimd.Zero, a1 = TSimd.Zero, a2 = TSimd.Zero, a3 = TSimd.Zero;
            int j = 0;
            for (; j <= vectorEnd; j += TSimd.Count)
            {
                TVector xv = TSimd.Load(ref Unsafe.Add(ref x, j));
                a0 = TSimd.MultiplyAdd(TSimd.Load(ref Unsafe.Add(ref w0, j)), xv, a0);
                a1 = TSimd.MultiplyAdd(TSimd.Load(ref Unsafe.Add(ref w1, j)), xv, a1);
                a2 = TSimd.MultiplyAdd(TSimd.Load(ref Unsafe.Add(ref w2, j)), xv, a2);
                a3 = TSimd.MultiplyAdd(TSimd.Load(ref Unsafe.Add(ref w3, j)), xv, a3);
            }
            float s0 = TSimd.Sum(a0), s1 = TSimd.Sum(a1), s2 = TSimd.Sum(a2), s3 = TSimd.Sum(a3);
            for (; j < cols; j++)
            {
                float xj = Unsafe.Add(ref x, j);
                s0 += Unsafe.Add(ref w0, j) * xj;
                s1 += Unsafe.Add(ref w1, j) * xj;
                s2 += Unsafe.Add(ref w2, j) * xj;
                s3 += Unsafe.Add(ref w3, j) * xj;
            }
            Unsafe.Add(ref net, k) = Unsafe.Add(ref b, k) + s0;
            Unsafe.Add(ref net, k + 1) = Unsafe.Add(ref b, k + 1) + s1;
            Unsafe.Add(ref net, k + 2) = Unsafe.Add(ref b, k + 2) + s2;
            Unsafe.Add(ref net, k + 3) = Unsafe.Add(ref b, k + 3) + s3;
        }
        for (; k < rows; k++)
        {
            ref float wk = ref Unsafe.Add(ref w, (nint)k * cols);
            TVector a = TSimd.Zero;
            int j = 0;
            for (; j <= vectorEnd; j += TSimd.Count)
            {
                a = TSimd.MultiplyAdd(TSimd.Load(ref Unsafe.Add(ref wk, j)), TSimd.Load(ref Unsafe.Add(ref x, j)), a);
            }
            float s = TSimd.Sum(a);
            for (; j < cols; j++) s += Unsafe.Add(ref wk, j) * Unsafe.Add(ref x, j);
            Unsafe.Add(ref net, k) = Unsafe.Add(ref b, k) + s;
        }
    }
}
