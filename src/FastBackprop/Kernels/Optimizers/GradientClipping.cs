using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// GradientClipping: the global L2 norm of the whole gradient buffer, and rescaling by it
// (Pascanu, Mikolov & Bengio 2013, "On the difficulty of training recurrent neural networks", Alg. 1):
//
//   ||g|| = sqrt(Σ_i g_i^2);   if ||g|| > c:  g_i = g_i c / ||g||
//
// Summation: float registers accumulate blocks of BlockLength elements; each block's sum is
// added to a double. So no float partial sum covers more than BlockLength terms, the error
// bound is that of a BlockLength-term float sum (independent of the buffer length), and the
// order is fixed for a given tier and length (run to run deterministic). If a square overflows
// float (|g_i| > ~1.8e19) the sum is redone in double, so a huge but finite gradient still gets
// a correct, finite norm whenever the norm itself fits in a float.
// Kernel handles any length, every tail. Kernel never allocates or reads past the span.
// ---------------------------------------------------------------------------------------------

/// <summary>Global L2 norm of a gradient buffer, and clipping by it.</summary>
public static class GradientClipping
{
    /// <summary>Elements per float partial sum; see the file header.</summary>
    internal const int BlockLength = 256;

    /// <summary>Effectively computes <c>sqrt(Σ_i values[i]²)</c>.</summary>
    /// <param name="values">Any length, 0 included (norm 0).</param>
    /// <returns>The norm, rounded to float (+∞ if it exceeds float's range; NaN if any element is NaN).</returns>
    /// <remarks>The summation order depends on the tier: results may differ in the last bits between
    /// CPUs. The relative error is at most about (BlockLength + 5) · 2^-24 / 2 in the worst case.</remarks>
    public static float Norm(ReadOnlySpan<float> values) => (float)Math.Sqrt(SumOfSquares(values));

    /// <summary>Computes the global norm <c>n = sqrt(Σ_i gradient[i]²)</c> and, when <c>n &gt; maxNorm</c>,
    /// scales every element in place by <c>maxNorm / n</c> so that the norm becomes <paramref name="maxNorm"/>.</summary>
    /// <param name="gradient">The whole flat gradient buffer, clipped in place.</param>
    /// <param name="maxNorm">c, the largest norm left untouched; finite and greater than 0.</param>
    /// <returns>The norm before clipping. When it is NaN or infinite the gradient is left unchanged, so that
    /// the caller sees the divergence instead of a silently rescaled NaN.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNorm"/> is not finite or not greater than 0.</exception>
    public static float ClipByNorm(Span<float> gradient, float maxNorm)
    {
        ThrowHelper.CheckPositiveFinite(maxNorm, nameof(maxNorm));
        double norm = Math.Sqrt(SumOfSquares(gradient));
        if (double.IsFinite(norm) && norm > maxNorm)
        {
            ScaleInPlace(gradient, (float)(maxNorm / norm));
        }
        return (float)norm;
    }

    // g_i *= scale, in place: one pass at the widest tier that fits.
    private static void ScaleInPlace(Span<float> gradient, float scale)
    {
        var kernel = new ScaleKernel(gradient, scale);
        VectorDispatch.Run(gradient.Length, ref kernel);
    }

    private static double SumOfSquares(ReadOnlySpan<float> values)
    {
        var kernel = new SumOfSquaresKernel(values);
        VectorDispatch.Run(values.Length, ref kernel);
        double sum = kernel.Sum;
        if (double.IsPositiveInfinity(sum))
        {
            // A float square overflowed; redo it in double (rare: only for |g_i| > ~1.8e19).
            sum = 0;
            foreach (float v in values) sum += (double)v * v;
        }
        return sum;
    }

    private readonly ref struct ScaleKernel(Span<float> gradient, float scale) : IVectorKernel
    {
        private readonly Span<float> g = gradient;
        private readonly float s = scale;

        public void Run<TSimd, TVector>() where TSimd : ISimd<TVector> where TVector : struct =>
            InPlace.Scale<TSimd, TVector>(ref MemoryMarshal.GetReference(g), g.Length, s);
    }

    private ref struct SumOfSquaresKernel(ReadOnlySpan<float> values) : IVectorKernel
    {
        private readonly ReadOnlySpan<float> x = values;

        public double Sum { get; private set; }

        public void Run<TSimd, TVector>() where TSimd : ISimd<TVector> where TVector : struct =>
            Sum = SumOfSquares<TSimd, TVector>(ref MemoryMarshal.GetReference(x), x.Length);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double SumOfSquares<TSimd, TVector>(ref float x, int n) where TSimd : ISimd<TVector> where TVector : struct
    {
        double total = 0;
        int i = 0;
        while (i <= n - TSimd.Count)
        {
            // Two accumulators: two independent FMA chains per block.
            int blockEnd = Math.Min(n, i + BlockLength);
            TVector a0 = TSimd.Zero, a1 = TSimd.Zero;
            for (; i <= blockEnd - 2 * TSimd.Count; i += 2 * TSimd.Count)
            {
                TVector v0 = TSimd.Load(ref Unsafe.Add(ref x, i));
                TVector v1 = TSimd.Load(ref Unsafe.Add(ref x, i + TSimd.Count));
                a0 = TSimd.MultiplyAdd(v0, v0, a0);
                a1 = TSimd.MultiplyAdd(v1, v1, a1);
            }
            if (i <= blockEnd - TSimd.Count)
            {
                TVector v0 = TSimd.Load(ref Unsafe.Add(ref x, i));
                a0 = TSimd.MultiplyAdd(v0, v0, a0);
                i += TSimd.Count;
            }
            total += TSimd.Sum(TSimd.Add(a0, a1));
        }
        float tail = 0f;
        for (; i < n; i++)
        {
            float v = Unsafe.Add(ref x, i);
            tail += v * v;
        }
        return total + tail;
    }
}
