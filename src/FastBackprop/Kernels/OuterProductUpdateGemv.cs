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
// exactly the operations of OuterProductUpdate (a_k = scale * delta_k rounded, then
// W_kj = fma(a_k, y_j, W_kj)) followed by Gemv (the canonical 16-lane sum of fma(W_kj, x_j, .),
// then + b_k), so the results are bit-identical to the two kernels in sequence, at every tier.
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
    /// <remarks>Bit-identical to <see cref="OuterProductUpdate.Apply"/> followed by <see cref="Gemv.Multiply"/>,
    /// and the same bits on every CPU and vector tier.</remarks>
    public static void Apply(Span<float> matrix, ReadOnlySpan<float> delta, ReadOnlySpan<float> y, float scale,
        ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> net)
    {
        int rows = delta.Length, cols = y.Length;
        ThrowHelper.CheckMatrix(matrix.Length, rows, cols, nameof(matrix));
        ThrowHelper.CheckLength(bias.Length, rows, nameof(bias));
        ThrowHelper.CheckLength(x.Length, cols, nameof(x));
        ThrowHelper.CheckLength(net.Length, rows, nameof(net));
        var kernel = new Kernel(matrix, delta, y, scale, bias, x, net);
        VectorDispatch.RunLanes(ref kernel);
    }

    private readonly ref struct Kernel(Span<float> matrix, ReadOnlySpan<float> delta, ReadOnlySpan<float> y, float scale,
        ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> net) : ILanesKernel
    {
        private readonly Span<float> w = matrix, sums = net;
        private readonly ReadOnlySpan<float> d = delta, previous = y, b = bias, next = x;
        private readonly float a = scale;

        public void Run<TLanes>() where TLanes : struct, ILanes16<TLanes> =>
            Core<TLanes>(ref MemoryMarshal.GetReference(w), ref MemoryMarshal.GetReference(d), ref MemoryMarshal.GetReference(previous), a,
                ref MemoryMarshal.GetReference(b), ref MemoryMarshal.GetReference(next), ref MemoryMarshal.GetReference(sums), d.Length, previous.Length);
    }

    /// <summary>The kernel with the 16 lanes of <typeparamref name="TLanes"/>.</summary>
    // Rows four at a time, as Gemv: each load of y and x serves four rows, and the four sums
    // accumulate exactly as Gemv's do. The partial last block is updated element by element (the
    // same fused multiply-add; a padded store would write past the row), then enters the sums as
    // one padded block, as in Gemv.
    // Out of line and fully optimised: compiled once with the whole inlining budget for the lane operations.
    // Inlined into its caller's tier-1 body instead, the budget ran out and the lane operations stayed calls
    // (the W3a step ran 5x slower).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void Core<TLanes>(ref float w, ref float delta, ref float y, float scale, ref float bias, ref float x, ref float net, int rows, int cols)
        where TLanes : struct, ILanes16<TLanes>
    {
        int tail = cols % Lanes16.Count, full = cols - tail;
        TLanes xTail = tail > 0 ? TLanes.LoadFirst(ref Unsafe.Add(ref x, full), tail, -0f) : TLanes.NegativeZero;
        // Four rows per block only where a row's 16 lanes are one register, two where they are two: four rows'
        // sums, weights and factors in two registers each outgrow the 16 registers of AVX2 and spill (2.4x slower
        // at Vector256). The grouping of rows changes no row's operations.
        int k = 0;
        if (typeof(TLanes) == typeof(Lanes256))
        {
            for (; k + 2 <= rows; k += 2) TwoRows(ref w, ref delta, ref y, scale, ref bias, ref x, ref net, k, cols, xTail);
        }
        int blockEnd = typeof(TLanes) == typeof(Lanes512) ? rows - 3 : 0;
        for (; k < blockEnd; k += 4)
        {
            ref float w0 = ref Unsafe.Add(ref w, (nint)k * cols);
            ref float w1 = ref Unsafe.Add(ref w0, cols);
            ref float w2 = ref Unsafe.Add(ref w1, cols);
            ref float w3 = ref Unsafe.Add(ref w2, cols);
            float a0 = scale * Unsafe.Add(ref delta, k), a1 = scale * Unsafe.Add(ref delta, k + 1);
            float a2 = scale * Unsafe.Add(ref delta, k + 2), a3 = scale * Unsafe.Add(ref delta, k + 3);
            TLanes av0 = TLanes.Create(a0), av1 = TLanes.Create(a1), av2 = TLanes.Create(a2), av3 = TLanes.Create(a3);
            TLanes s0 = TLanes.NegativeZero, s1 = s0, s2 = s0, s3 = s0;
            for (int j = 0; j < full; j += Lanes16.Count)
            {
                TLanes yv = TLanes.Load(ref Unsafe.Add(ref y, j)), xv = TLanes.Load(ref Unsafe.Add(ref x, j));
                TLanes v0 = TLanes.FusedMultiplyAdd(av0, yv, TLanes.Load(ref Unsafe.Add(ref w0, j)));
                TLanes v1 = TLanes.FusedMultiplyAdd(av1, yv, TLanes.Load(ref Unsafe.Add(ref w1, j)));
                TLanes v2 = TLanes.FusedMultiplyAdd(av2, yv, TLanes.Load(ref Unsafe.Add(ref w2, j)));
                TLanes v3 = TLanes.FusedMultiplyAdd(av3, yv, TLanes.Load(ref Unsafe.Add(ref w3, j)));
                TLanes.Store(v0, ref Unsafe.Add(ref w0, j));
                TLanes.Store(v1, ref Unsafe.Add(ref w1, j));
                TLanes.Store(v2, ref Unsafe.Add(ref w2, j));
                TLanes.Store(v3, ref Unsafe.Add(ref w3, j));
                s0 = TLanes.FusedMultiplyAdd(v0, xv, s0);
                s1 = TLanes.FusedMultiplyAdd(v1, xv, s1);
                s2 = TLanes.FusedMultiplyAdd(v2, xv, s2);
                s3 = TLanes.FusedMultiplyAdd(v3, xv, s3);
            }
            if (tail > 0)
            {
                UpdateTail(ref Unsafe.Add(ref w0, full), ref Unsafe.Add(ref y, full), a0, tail);
                UpdateTail(ref Unsafe.Add(ref w1, full), ref Unsafe.Add(ref y, full), a1, tail);
                UpdateTail(ref Unsafe.Add(ref w2, full), ref Unsafe.Add(ref y, full), a2, tail);
                UpdateTail(ref Unsafe.Add(ref w3, full), ref Unsafe.Add(ref y, full), a3, tail);
                s0 = TLanes.FusedMultiplyAdd(TLanes.LoadFirst(ref Unsafe.Add(ref w0, full), tail, 0f), xTail, s0);
                s1 = TLanes.FusedMultiplyAdd(TLanes.LoadFirst(ref Unsafe.Add(ref w1, full), tail, 0f), xTail, s1);
                s2 = TLanes.FusedMultiplyAdd(TLanes.LoadFirst(ref Unsafe.Add(ref w2, full), tail, 0f), xTail, s2);
                s3 = TLanes.FusedMultiplyAdd(TLanes.LoadFirst(ref Unsafe.Add(ref w3, full), tail, 0f), xTail, s3);
            }
            Unsafe.Add(ref net, k) = Unsafe.Add(ref bias, k) + TLanes.Sum(s0);
            Unsafe.Add(ref net, k + 1) = Unsafe.Add(ref bias, k + 1) + TLanes.Sum(s1);
            Unsafe.Add(ref net, k + 2) = Unsafe.Add(ref bias, k + 2) + TLanes.Sum(s2);
            Unsafe.Add(ref net, k + 3) = Unsafe.Add(ref bias, k + 3) + TLanes.Sum(s3);
        }
        for (; k < rows; k++)
        {
            ref float wk = ref Unsafe.Add(ref w, (nint)k * cols);
            float a = scale * Unsafe.Add(ref delta, k);
            TLanes av = TLanes.Create(a), s = TLanes.NegativeZero;
            for (int j = 0; j < full; j += Lanes16.Count)
            {
                TLanes v = TLanes.FusedMultiplyAdd(av, TLanes.Load(ref Unsafe.Add(ref y, j)), TLanes.Load(ref Unsafe.Add(ref wk, j)));
                TLanes.Store(v, ref Unsafe.Add(ref wk, j));
                s = TLanes.FusedMultiplyAdd(v, TLanes.Load(ref Unsafe.Add(ref x, j)), s);
            }
            if (tail > 0)
            {
                UpdateTail(ref Unsafe.Add(ref wk, full), ref Unsafe.Add(ref y, full), a, tail);
                s = TLanes.FusedMultiplyAdd(TLanes.LoadFirst(ref Unsafe.Add(ref wk, full), tail, 0f), xTail, s);
            }
            Unsafe.Add(ref net, k) = Unsafe.Add(ref bias, k) + TLanes.Sum(s);
        }
    }

    // Rows k and k + 1: the four-row block's operations on two rows.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TwoRows<TLanes>(ref float w, ref float delta, ref float y, float scale, ref float bias, ref float x, ref float net, int k, int cols, TLanes xTail)
        where TLanes : struct, ILanes16<TLanes>
    {
        int tail = cols % Lanes16.Count, full = cols - tail;
        ref float w0 = ref Unsafe.Add(ref w, (nint)k * cols);
        ref float w1 = ref Unsafe.Add(ref w0, cols);
        float a0 = scale * Unsafe.Add(ref delta, k), a1 = scale * Unsafe.Add(ref delta, k + 1);
        TLanes av0 = TLanes.Create(a0), av1 = TLanes.Create(a1);
        TLanes s0 = TLanes.NegativeZero, s1 = s0;
        for (int j = 0; j < full; j += Lanes16.Count)
        {
            TLanes yv = TLanes.Load(ref Unsafe.Add(ref y, j)), xv = TLanes.Load(ref Unsafe.Add(ref x, j));
            TLanes v0 = TLanes.FusedMultiplyAdd(av0, yv, TLanes.Load(ref Unsafe.Add(ref w0, j)));
            TLanes v1 = TLanes.FusedMultiplyAdd(av1, yv, TLanes.Load(ref Unsafe.Add(ref w1, j)));
            TLanes.Store(v0, ref Unsafe.Add(ref w0, j));
            TLanes.Store(v1, ref Unsafe.Add(ref w1, j));
            s0 = TLanes.FusedMultiplyAdd(v0, xv, s0);
            s1 = TLanes.FusedMultiplyAdd(v1, xv, s1);
        }
        if (tail > 0)
        {
            UpdateTail(ref Unsafe.Add(ref w0, full), ref Unsafe.Add(ref y, full), a0, tail);
            UpdateTail(ref Unsafe.Add(ref w1, full), ref Unsafe.Add(ref y, full), a1, tail);
            s0 = TLanes.FusedMultiplyAdd(TLanes.LoadFirst(ref Unsafe.Add(ref w0, full), tail, 0f), xTail, s0);
            s1 = TLanes.FusedMultiplyAdd(TLanes.LoadFirst(ref Unsafe.Add(ref w1, full), tail, 0f), xTail, s1);
        }
        Unsafe.Add(ref net, k) = Unsafe.Add(ref bias, k) + TLanes.Sum(s0);
        Unsafe.Add(ref net, k + 1) = Unsafe.Add(ref bias, k + 1) + TLanes.Sum(s1);
    }

    // w_j = fma(a, y_j, w_j) for j < count: OuterProductUpdate's operation on each element.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateTail(ref float w, ref float y, float a, int count)
    {
        for (int j = 0; j < count; j++)
        {
            ref float e = ref Unsafe.Add(ref w, j);
            e = SimdScalar.FusedMultiplyAdd(a, Unsafe.Add(ref y, j), e);
        }
    }
}
