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
// Order: each Σ_j is a canonical sum (Lanes16.cs: 16 lanes, j in lane j mod 16, fused
// multiply-adds from -0, the fixed tree), then + b_k. So net has the same bits at every vector
// tier, for every length, on every CPU; OuterProductUpdateGemv and SmallDense.NetSums compute
// the same numbers.
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
    /// <remarks>NaN or infinity in an input propagates to the sums it touches. Each sum runs in the canonical
    /// 16-lane order with fused multiply-adds, then adds the bias, so the result is the same bits on every CPU and
    /// vector tier (a NaN's payload aside).</remarks>
    public static void Multiply(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> net)
    {
        int rows = net.Length, cols = x.Length;
        ThrowHelper.CheckMatrix(weights.Length, rows, cols, nameof(weights));
        ThrowHelper.CheckLength(bias.Length, rows, nameof(bias));
        var kernel = new Kernel(weights, bias, x, net);
        VectorDispatch.RunLanes(ref kernel);
    }

    private readonly ref struct Kernel(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> net) : ILanesKernel
    {
        private readonly ReadOnlySpan<float> w = weights, b = bias, y = x;
        private readonly Span<float> sums = net;

        public void Run<TLanes>() where TLanes : struct, ILanes16<TLanes> =>
            Core<TLanes>(ref MemoryMarshal.GetReference(w), ref MemoryMarshal.GetReference(b),
                ref MemoryMarshal.GetReference(y), ref MemoryMarshal.GetReference(sums), sums.Length, y.Length);
    }

    /// <summary>The kernel with the 16 lanes of <typeparamref name="TLanes"/>: rows x cols W, rows b and net, cols x.</summary>
    // Four rows at a time share each load of x and give four independent FMA chains (one sum must
    // stay one chain of 16 lanes, so the parallelism comes from rows). A partial last block is one
    // padded load per row: W's tail padded with +0, x's with -0 (loaded once), so the pad products
    // are -0 and leave every lane as it was (Lanes16.cs, fact (2)).
    // Out of line and fully optimised: compiled once with the whole inlining budget for the lane operations.
    // Inlined into its caller's tier-1 body instead, the budget ran out and the lane operations stayed calls
    // (the W3a step ran 5x slower).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void Core<TLanes>(ref float w, ref float b, ref float x, ref float net, int rows, int cols)
        where TLanes : struct, ILanes16<TLanes>
    {
        int tail = cols % Lanes16.Count, full = cols - tail;
        TLanes xTail = tail > 0 ? TLanes.LoadFirst(ref Unsafe.Add(ref x, full), tail, -0f) : TLanes.NegativeZero;
        int k = 0;
        for (; k + 4 <= rows; k += 4)
        {
            ref float w0 = ref Unsafe.Add(ref w, (nint)k * cols);
            ref float w1 = ref Unsafe.Add(ref w0, cols);
            ref float w2 = ref Unsafe.Add(ref w1, cols);
            ref float w3 = ref Unsafe.Add(ref w2, cols);
            TLanes a0 = TLanes.NegativeZero, a1 = a0, a2 = a0, a3 = a0;
            for (int j = 0; j < full; j += Lanes16.Count)
            {
                TLanes xv = TLanes.Load(ref Unsafe.Add(ref x, j));
                a0 = TLanes.FusedMultiplyAdd(TLanes.Load(ref Unsafe.Add(ref w0, j)), xv, a0);
                a1 = TLanes.FusedMultiplyAdd(TLanes.Load(ref Unsafe.Add(ref w1, j)), xv, a1);
                a2 = TLanes.FusedMultiplyAdd(TLanes.Load(ref Unsafe.Add(ref w2, j)), xv, a2);
                a3 = TLanes.FusedMultiplyAdd(TLanes.Load(ref Unsafe.Add(ref w3, j)), xv, a3);
            }
            if (tail > 0)
            {
                a0 = TLanes.FusedMultiplyAdd(TLanes.LoadFirst(ref Unsafe.Add(ref w0, full), tail, 0f), xTail, a0);
                a1 = TLanes.FusedMultiplyAdd(TLanes.LoadFirst(ref Unsafe.Add(ref w1, full), tail, 0f), xTail, a1);
                a2 = TLanes.FusedMultiplyAdd(TLanes.LoadFirst(ref Unsafe.Add(ref w2, full), tail, 0f), xTail, a2);
                a3 = TLanes.FusedMultiplyAdd(TLanes.LoadFirst(ref Unsafe.Add(ref w3, full), tail, 0f), xTail, a3);
            }
            Unsafe.Add(ref net, k) = Unsafe.Add(ref b, k) + TLanes.Sum(a0);
            Unsafe.Add(ref net, k + 1) = Unsafe.Add(ref b, k + 1) + TLanes.Sum(a1);
            Unsafe.Add(ref net, k + 2) = Unsafe.Add(ref b, k + 2) + TLanes.Sum(a2);
            Unsafe.Add(ref net, k + 3) = Unsafe.Add(ref b, k + 3) + TLanes.Sum(a3);
        }
        for (; k < rows; k++)
        {
            ref float wk = ref Unsafe.Add(ref w, (nint)k * cols);
            TLanes a = TLanes.NegativeZero;
            for (int j = 0; j < full; j += Lanes16.Count)
            {
                a = TLanes.FusedMultiplyAdd(TLanes.Load(ref Unsafe.Add(ref wk, j)), TLanes.Load(ref Unsafe.Add(ref x, j)), a);
            }
            if (tail > 0) a = TLanes.FusedMultiplyAdd(TLanes.LoadFirst(ref Unsafe.Add(ref wk, full), tail, 0f), xTail, a);
            Unsafe.Add(ref net, k) = Unsafe.Add(ref b, k) + TLanes.Sum(a);
        }
    }
}
