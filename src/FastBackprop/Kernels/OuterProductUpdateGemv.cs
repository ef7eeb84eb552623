using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// OuterProductUpdateGemv: the first layer's update for pattern t and its net sums for pattern
// t + 1, in one pass over W.
//
//   W_kj += scale * delta_k * y_j          (pattern t: derivation (17)-(18), scale = -eta)
//   net_k = b_k + Σ_j W_kj x_j             (pattern t + 1, with the weights just updated)
//
// Online training reads the first layer's weights twice per pattern, once to update them and
// once in the next pattern's forward pass; for an MNIST-sized first layer (784 x 256, 800 KB,
// most of the network) that traffic is the step. Fusing the two halves it. Each element gets
// exactly the operations of OuterProductUpdate followed by Gemv (same multiply-adds, same
// summation order), so the results are bit-identical to the two kernels in sequence.
// Operands: W rows x cols row-major; delta rows; y cols; b rows (already updated); x cols; net rows.
// Caller guarantees: net overlaps nothing else; W overlaps neither delta, y, b nor x.
// Kernel handles: any rows >= 0, cols >= 0, every tail. Never allocates or reads past a span.
// ---------------------------------------------------------------------------------------------

/// <summary>Rank-1 update of W followed by the product with the next input, in one pass over W.</summary>
public static class OuterProductUpdateGemv
{
    /// <summary>Effectively computes <c>matrix[k, j] += scale * delta[k] * y[j]</c> for all k, j, then
    /// <c>net[k] = bias[k] + Σ_j matrix[k, j] * x[j]</c> with the updated matrix.</summary>
    /// <param name="matrix">Row-major <c>delta.Length x y.Length</c> weights, updated in place.</param>
    /// <param name="delta">One value per row.</param>
    /// <param name="y">The input the update is for; one value per column.</param>
    /// <param name="scale">Multiplier of the update; <c>-eta</c> for gradient descent.</param>
    /// <param name="bias">One bias per row, as it should enter the next sums.</param>
    /// <param name="x">The next input; same length as <paramref name="y"/>.</param>
    /// <param name="net">Destination, one sum per row.</param>
    /// <exception cref="ArgumentException">A length does not match the shapes above.</exception>
    public static void Apply(Span<float> matrix, ReadOnlySpan<float> delta, ReadOnlySpan<float> y, float scale,
        ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> net)
    {
        int rows = delta.Length, cols = y.Length;
        ThrowHelper.CheckMatrix(matrix.Length, rows, cols, nameof(matrix));
        ThrowHelper.CheckLength(bias.Length, rows, nameof(bias));
        ThrowHelper.CheckLength(x.Length, cols, nameof(x));
        ThrowHelper.CheckLength(net.Length, rows, nameof(net));
        var kernel = new Kernel(matrix, delta, y, scale, bias, x, net);
        VectorDispatch.Run(cols, ref kernel);
    }

    private readonly ref struct Kernel(Span<float> matrix, ReadOnlySpan<float> delta, ReadOnlySpan<float> y, float scale,
        ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> net) : IVectorKernel
    {
        private readonly Span<float> w = matrix, sums = net;
        private readonly ReadOnlySpan<float> d = delta, previous = y, b = bias, next = x;
        private readonly float a = scale;

        public void Run<TSimd, TVector>() where TSimd : ISimd<TVector> where TVector : struct =>
            Core<TSimd, TVector>(ref MemoryMarshal.GetReference(w), ref MemoryMarshal.GetReference(d), ref MemoryMarshal.GetReference(previous), a,
                ref MemoryMarshal.GetReference(b), ref MemoryMarshal.GetReference(next), ref MemoryMarshal.GetReference(sums), d.Length, previous.Length);
    }

    // Rows four at a time, as Gemv: each load of y and x serves four rows, and the four dot
    // products accumulate exactly as Gemv's do.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Core<TSimd, TVector>(ref float w, ref float delta, ref float y, float scale, ref float bias, ref float x, ref float net, int rows, int cols)
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
            float a0 = scale * Unsafe.Add(ref delta, k), a1 = scale * Unsafe.Add(ref delta, k + 1);
            float a2 = scale * Unsafe.Add(ref delta, k + 2), a3 = scale * Unsafe.Add(ref delta, k + 3);
            TVector av0 = TSimd.Create(a0), av1 = TSimd.Create(a1), av2 = TSimd.Create(a2), av3 = TSimd.Create(a3);
            TVector s0 = TSimd.Zero, s1 = TSimd.Zero, s2 = TSimd.Zero, s3 = TSimd.Zero;
            int j = 0;
            for (; j <= vectorEnd; j += TSimd.Count)
            {
                TVector yv = TSimd.Load(ref Unsafe.Add(ref y, j)), xv = TSimd.Load(ref Unsafe.Add(ref x, j));
                TVector v0 = TSimd.MultiplyAdd(av0, yv, TSimd.Load(ref Unsafe.Add(ref w0, j)));
                TVector v1 = TSimd.MultiplyAdd(av1, yv, TSimd.Load(ref Unsafe.Add(ref w1, j)));
                TVector v2 = TSimd.MultiplyAdd(av2, yv, TSimd.Load(ref Unsafe.Add(ref w2, j)));
                TVector v3 = TSimd.MultiplyAdd(av3, yv, TSimd.Load(ref Unsafe.Add(ref w3, j)));
                TSimd.Store(v0, ref Unsafe.Add(ref w0, j));
                TSimd.Store(v1, ref Unsafe.Add(ref w1, j));
                TSimd.Store(v2, ref Unsafe.Add(ref w2, j));
                TSimd.Store(v3, ref Unsafe.Add(ref w3, j));
                s0 = TSimd.MultiplyAdd(v0, xv, s0);
                s1 = TSimd.MultiplyAdd(v1, xv, s1);
                s2 = TSimd.MultiplyAdd(v2, xv, s2);
                s3 = TSimd.MultiplyAdd(v3, xv, s3);
            }
            float t0 = TSimd.Sum(s0), t1 = TSimd.Sum(s1), t2 = TSimd.Sum(s2), t3 = TSimd.Sum(s3);
            for (; j < cols; j++)
            {
                float yj = Unsafe.Add(ref y, j), xj = Unsafe.Add(ref x, j);
                ref float e0 = ref Unsafe.Add(ref w0, j);
                ref float e1 = ref Unsafe.Add(ref w1, j);
                ref float e2 = ref Unsafe.Add(ref w2, j);
                ref float e3 = ref Unsafe.Add(ref w3, j);
                e0 += a0 * yj;
                e1 += a1 * yj;
                e2 += a2 * yj;
                e3 += a3 * yj;
                t0 += e0 * xj;
                t1 += e1 * xj;
                t2 += e2 * xj;
                t3 += e3 * xj;
            }
            Unsafe.Add(ref net, k) = Unsafe.Add(ref bias, k) + t0;
            Unsafe.Add(ref net, k + 1) = Unsafe.Add(ref bias, k + 1) + t1;
            Unsafe.Add(ref net, k + 2) = Unsafe.Add(ref bias, k + 2) + t2;
            Unsafe.Add(ref net, k + 3) = Unsafe.Add(ref bias, k + 3) + t3;
        }
        for (; k < rows; k++)
        {
            ref float wk = ref Unsafe.Add(ref w, (nint)k * cols);
            float a = scale * Unsafe.Add(ref delta, k);
            TVector av = TSimd.Create(a), s = TSimd.Zero;
            int j = 0;
            for (; j <= vectorEnd; j += TSimd.Count)
            {
                TVector v = TSimd.MultiplyAdd(av, TSimd.Load(ref Unsafe.Add(ref y, j)), TSimd.Load(ref Unsafe.Add(ref wk, j)));
                TSimd.Store(v, ref Unsafe.Add(ref wk, j));
                s = TSimd.MultiplyAdd(v, TSimd.Load(ref Unsafe.Add(ref x, j)), s);
            }
            float t = TSimd.Sum(s);
            for (; j < cols; j++)
            {
                ref float e = ref Unsafe.Add(ref wk, j);
                e += a * Unsafe.Add(ref y, j);
                t += e * Unsafe.Add(ref x, j);
            }
            Unsafe.Add(ref net, k) = Unsafe.Add(ref bias, k) + t;
        }
    }
}
