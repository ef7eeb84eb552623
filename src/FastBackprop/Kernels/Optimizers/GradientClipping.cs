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
// Summation: the buffer is cut into blocks of BlockLength elements (the last may be shorter);
// each block's Σ g_i² is a canonical sum (Lanes16.cs: 16 lanes of fused multiply-adds from -0,
// the fixed tree), and the block sums are added to a double in block order. So each square
// passes through at most BlockLength / 16 + 4 float roundings, the error bound does not grow
// with the buffer, and the order depends on nothing but the length: the norm has the same
// bits at every vector tier and on every CPU. Two blocks run side by side, as two independent
// sums (two FMA chains); that changes no operation of either. If a square overflows float
// (|g_i| > ~1.8e19) the sum is redone in double, in index order, so a huge but finite gradient
// still gets a correct, finite norm whenever the norm itself fits in a float.
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
    /// <remarks>The summation order is fixed (see the file header), so the result is the same bits on every CPU and
    /// vector tier. Each square passes through at most BlockLength / 16 + 4 float roundings (fused multiply-adds and
    /// the tree), one double addition per block and the final rounding to float.</remarks>
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
        VectorDispatch.RunLanes(ref kernel);
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

    private ref struct SumOfSquaresKernel(ReadOnlySpan<float> values) : ILanesKernel
    {
        private readonly ReadOnlySpan<float> x = values;

        public double Sum { get; private set; }

        public void Run<TLanes>() where TLanes : struct, ILanes16<TLanes> =>
            Sum = SumOfSquares<TLanes>(ref MemoryMarshal.GetReference(x), x.Length);
    }

    /// <summary>Σ over blocks b in order of (double) canonical-sum(g_i², i in block b).</summary>
    // Out of line and fully optimised: compiled once with the whole inlining budget for the lane operations.
    // Inlined into its caller's tier-1 body instead, the budget ran out and the lane operations stayed calls
    // (the W3a step ran 5x slower).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static double SumOfSquares<TLanes>(ref float x, int n) where TLanes : struct, ILanes16<TLanes>
    {
        double total = 0;
        int i = 0;
        for (; i + 2 * BlockLength <= n; i += 2 * BlockLength)
        {
            ref float x0 = ref Unsafe.Add(ref x, i);
            ref float x1 = ref Unsafe.Add(ref x0, BlockLength);
            TLanes a0 = TLanes.NegativeZero, a1 = a0;
            for (int j = 0; j < BlockLength; j += Lanes16.Count)
            {
                TLanes v0 = TLanes.Load(ref Unsafe.Add(ref x0, j)), v1 = TLanes.Load(ref Unsafe.Add(ref x1, j));
                a0 = TLanes.FusedMultiplyAdd(v0, v0, a0);
                a1 = TLanes.FusedMultiplyAdd(v1, v1, a1);
            }
            total += TLanes.Sum(a0);
            total += TLanes.Sum(a1);
        }
        for (; i < n; i += BlockLength)
        {
            ref float xi = ref Unsafe.Add(ref x, i);
            total += Lanes16.Dot<TLanes>(ref xi, ref xi, Math.Min(BlockLength, n - i));
        }
        return total;
    }
}
