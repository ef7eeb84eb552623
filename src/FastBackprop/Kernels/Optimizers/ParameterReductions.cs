using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FastBackprop.Kernels.Optimizers;

// ---------------------------------------------------------------------------------------------
// ParameterReductions: every dot product, norm and sum over the flat parameter buffer that the
// line-search and second-order optimizers take (L-BFGS's two-loop recursion and curvature pairs,
// the strong-Wolfe line search's directional derivatives, SCG's step and conjugacy products, the
// Cholesky factorisation and triangular solves of Levenberg-Marquardt), and the accumulation of
// LM's Gauss-Newton matrix J^T J and gradient J^T r. One place, so that one summation order holds
// for all of them, and so that it can be pointed at the project's shared reduction later.
//
// The canonical order (the same bits at every vector width and thread count):
//   16 virtual lanes; element j is accumulated into lane j mod 16, with a fused multiply-add
//   starting from +0, in increasing j; then the lanes are folded by a fixed tree:
//   lane i += lane i+8 (i < 8), then i += i+4 (i < 4), then i += i+2, then i += i+1; lane 0 is
//   the result.
// A Vector512 holds the 16 lanes in one register, a Vector256 in two, a Vector128 in four, the
// scalar tier in 16 scalars; the lanes past the last full block of 16 take their elements one by
// one. Every step is a correctly rounded IEEE operation (FusedMultiplyAdd is exact at every
// width: a hardware FMA, or the runtime's software fallback), so no tier can round differently.
// Double-precision versions (Cholesky, solves) follow the same order in double.
//
// The Gauss-Newton update (AddLayeredGram) needs no canonical tree: each element is a sum over the
// chunk's patterns taken in pattern order, each term two correctly rounded products and a sum,
// computed by the same operations whether a register tile or the scalar loop covers it.
//
// Operands: spans of the parameter count (or a prefix of a packed triangle's row).
// Caller guarantees: equal lengths where two spans are reduced together.
// Kernels handle: any length, 0 included (result +0). Kernels never allocate or read past a span.
// ---------------------------------------------------------------------------------------------

/// <summary>Dot products, norms and sums over parameter-sized buffers in the canonical, width-independent order
/// (see the file header), and the Gauss-Newton Gram update.</summary>
internal static class ParameterReductions
{
    /// <summary>The number of virtual lanes of the canonical order.</summary>
    public const int Lanes = 16;

    // ---- float -----------------------------------------------------------------------------------

    /// <summary>Σ_j x[j] y[j] in the canonical order.</summary>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        ThrowHelper.CheckLength(y.Length, x.Length, nameof(y));
        Span<float> lanes = stackalloc float[Lanes];
        lanes.Clear();
        int n = x.Length, full = n & ~(Lanes - 1);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> a = Vector512<float>.Zero;
            for (; j < full; j += Lanes) a = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xr, (nuint)j), Vector512.LoadUnsafe(ref yr, (nuint)j), a);
            a.CopyTo(lanes);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> a0 = Vector256<float>.Zero, a1 = Vector256<float>.Zero;
            for (; j < full; j += Lanes)
            {
                a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xr, (nuint)j), Vector256.LoadUnsafe(ref yr, (nuint)j), a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xr, (nuint)(j + 8)), Vector256.LoadUnsafe(ref yr, (nuint)(j + 8)), a1);
            }
            a0.CopyTo(lanes);
            a1.CopyTo(lanes[8..]);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            Vector128<float> a0 = Vector128<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
            for (; j < full; j += Lanes)
            {
                a0 = Vector128.FusedMultiplyAdd(Vector128.LoadUnsafe(ref xr, (nuint)j), Vector128.LoadUnsafe(ref yr, (nuint)j), a0);
                a1 = Vector128.FusedMultiplyAdd(Vector128.LoadUnsafe(ref xr, (nuint)(j + 4)), Vector128.LoadUnsafe(ref yr, (nuint)(j + 4)), a1);
                a2 = Vector128.FusedMultiplyAdd(Vector128.LoadUnsafe(ref xr, (nuint)(j + 8)), Vector128.LoadUnsafe(ref yr, (nuint)(j + 8)), a2);
                a3 = Vector128.FusedMultiplyAdd(Vector128.LoadUnsafe(ref xr, (nuint)(j + 12)), Vector128.LoadUnsafe(ref yr, (nuint)(j + 12)), a3);
            }
            a0.CopyTo(lanes);
            a1.CopyTo(lanes[4..]);
            a2.CopyTo(lanes[8..]);
            a3.CopyTo(lanes[12..]);
        }
        for (; j < n; j++)
        {
            ref float lane = ref lanes[j & (Lanes - 1)];
            lane = MathF.FusedMultiplyAdd(Unsafe.Add(ref xr, j), Unsafe.Add(ref yr, j), lane);
        }
        return Fold(lanes);
    }

    /// <summary>Σ_j x[j]² in the canonical order.</summary>
    public static float SumOfSquares(ReadOnlySpan<float> x) => Dot(x, x);

    /// <summary>Σ_j |x[j]| in the canonical order (each step an exact-sum-rounded add, as FMA(|x|, 1, lane)).</summary>
    public static float SumOfMagnitudes(ReadOnlySpan<float> x)
    {
        Span<float> lanes = stackalloc float[Lanes];
        lanes.Clear();
        for (int j = 0; j < x.Length; j++) lanes[j & (Lanes - 1)] += MathF.Abs(x[j]);
        return Fold(lanes);
    }

    /// <summary>max_j |x[j]| (0 for an empty span; NaN if any element is NaN). The maximum is exact, so the order
    /// cannot matter.</summary>
    public static float MaxMagnitude(ReadOnlySpan<float> x)
    {
        float max = 0f;
        foreach (float v in x)
        {
            float a = MathF.Abs(v);
            if (!(a <= max)) max = a;   // NaN sticks: NaN <= max is false, and then a is NaN
            if (float.IsNaN(max)) return max;
        }
        return max;
    }

    // lane i += lane i+8, then i+4, i+2, i+1.
    private static T Fold<T>(Span<T> lanes) where T : struct, IAdditionOperators<T, T, T>
    {
        for (int width = Lanes / 2; width >= 1; width /= 2)
        {
            for (int i = 0; i < width; i++) lanes[i] += lanes[i + width];
        }
        return lanes[0];
    }

    // ---- double ----------------------------------------------------------------------------------

    /// <summary>Σ_j x[j] y[j] in double, in the canonical order.</summary>
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        ThrowHelper.CheckLength(y.Length, x.Length, nameof(y));
        Span<double> lanes = stackalloc double[Lanes];
        lanes.Clear();
        int n = x.Length, full = n & ~(Lanes - 1);
        ref double xr = ref MemoryMarshal.GetReference(x);
        ref double yr = ref MemoryMarshal.GetReference(y);
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<double> a0 = Vector512<double>.Zero, a1 = a0;
            for (; j < full; j += Lanes)
            {
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xr, (nuint)j), Vector512.LoadUnsafe(ref yr, (nuint)j), a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xr, (nuint)(j + 8)), Vector512.LoadUnsafe(ref yr, (nuint)(j + 8)), a1);
            }
            a0.CopyTo(lanes);
            a1.CopyTo(lanes[8..]);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<double> a0 = Vector256<double>.Zero, a1 = a0, a2 = a0, a3 = a0;
            for (; j < full; j += Lanes)
            {
                a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xr, (nuint)j), Vector256.LoadUnsafe(ref yr, (nuint)j), a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xr, (nuint)(j + 4)), Vector256.LoadUnsafe(ref yr, (nuint)(j + 4)), a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xr, (nuint)(j + 8)), Vector256.LoadUnsafe(ref yr, (nuint)(j + 8)), a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xr, (nuint)(j + 12)), Vector256.LoadUnsafe(ref yr, (nuint)(j + 12)), a3);
            }
            a0.CopyTo(lanes);
            a1.CopyTo(lanes[4..]);
            a2.CopyTo(lanes[8..]);
            a3.CopyTo(lanes[12..]);
        }
        for (; j < n; j++)
        {
            ref double lane = ref lanes[j & (Lanes - 1)];
            lane = Math.FusedMultiplyAdd(Unsafe.Add(ref xr, j), Unsafe.Add(ref yr, j), lane);
        }
        return Fold(lanes);
    }

    // ---- Gauss-Newton accumulation ---------------------------------------------------------------

    /// <summary>sum[i] += row[i] for every i, in double: one exactly widened float added per call, so the order
    /// over calls is the order of the sum (J^T r over patterns, in pattern order).</summary>
    public static void AccumulateWidened(Span<double> sum, ReadOnlySpan<float> row)
    {
        ThrowHelper.CheckLength(row.Length, sum.Length, nameof(row));
        for (int i = 0; i < sum.Length; i++) sum[i] += row[i];
    }

    /// <summary>The Gauss-Newton update over a chunk of patterns of a network of dense layers (<see cref="GramLayout"/>):
    /// for every j ≤ i of the lower triangle packed row by row (element (i, j) at i(i+1)/2 + j),
    /// <c>packed[i, j] += Σ_p (M_p[a(i), a(j)] · x̃_p[b(i)]) · x̃_p[b(j)]</c> over p = 0 .. count-1 in order, each term
    /// rounded as written (a product, a product, a sum), where parameter i is input b(i) of unit a(i) of layer l(i)
    /// (b = the layer's input count for the bias, whose input x̃ is 1), M_p = M^{l(i) l(j)}_p and x̃_p = X^{l}_p.</summary>
    /// <param name="packed">n(n+1)/2 doubles, updated in place.</param>
    /// <param name="layout">The network's layers.</param>
    /// <param name="inputs">Per layer l, the chunk's layer inputs with a 1 appended: pattern p's at p·(inputs_l + 1).</param>
    /// <param name="products">Per pair m ≤ l at <see cref="GramLayout.Pair"/>(l, m), M^{lm}: units_l x units_m x
    /// <paramref name="capacity"/>, element (a, c) of pattern p at (a · units_m + c) · capacity + p.</param>
    /// <param name="count">Patterns in the chunk.</param>
    /// <param name="capacity">The pattern stride of <paramref name="products"/>.</param>
    /// <param name="pool">Threads to share the rows between, or null (the bits do not depend on it).</param>
    public static unsafe void AddLayeredGram(Span<double> packed, GramLayout layout, double[][] inputs, double[][] products, int count, int capacity, WorkerPool? pool = null)
    {
        int n = layout.ParameterCount;
        ThrowHelper.CheckLength(packed.Length, n * (n + 1) / 2, nameof(packed));
        if (count == 0) return;
        int parts = pool is null ? 1 : (int)Math.Min(pool.DegreeOfParallelism, (long)n * n / 2 * count / (1L << 22));
        if (parts <= 1)
        {
            LayeredGram(packed, layout, inputs, products, count, capacity, 0, n);
            return;
        }
        fixed (double* c = packed)
        {
            LayeredGramJob job = LayeredGramJob.ForThread;
            job.Set(c, packed.Length, layout, inputs, products, count, capacity);
            try
            {
                pool!.Run(job, parts);
            }
            finally
            {
                job.Clear();
            }
        }
    }

    // Rows [first, end), at the widest tier: the register tiles where they fit, then every element they left, one by
    // one. Both compute each element with the same operations in the same order, so which covers it cannot matter.
    private static void LayeredGram(Span<double> packed, GramLayout layout, double[][] inputs, double[][] products, int count, int capacity, int first, int end)
    {
        if (Vector512.IsHardwareAccelerated) LayeredGram<Simd512Double, Vector512<double>>(packed, layout, inputs, products, count, capacity, first, end);
        else if (Vector256.IsHardwareAccelerated) LayeredGram<Simd256Double, Vector256<double>>(packed, layout, inputs, products, count, capacity, first, end);
        else if (Vector128.IsHardwareAccelerated) LayeredGram<Simd128Double, Vector128<double>>(packed, layout, inputs, products, count, capacity, first, end);
        else LayeredGram<SimdScalarDouble, double>(packed, layout, inputs, products, count, capacity, first, end);
    }

    /// <summary>A parallel layered Gram update: the matrix as a pointer (pinned by the caller) and the cut of its rows
    /// into parts of equal work (row i has i + 1 elements: the cuts are at n·√(part/parts)). One instance per calling
    /// thread, reused, so a step allocates nothing.</summary>
    private sealed unsafe class LayeredGramJob : IParallelWork
    {
        [ThreadStatic] private static LayeredGramJob? forThread;

        private double* c;
        private int cLength, count, capacity;
        private GramLayout? layout;
        private double[][]? inputs, products;

        public static LayeredGramJob ForThread => forThread ??= new LayeredGramJob();

        public void Set(double* c, int cLength, GramLayout layout, double[][] inputs, double[][] products, int count, int capacity)
        {
            this.c = c;
            (this.cLength, this.layout, this.inputs, this.products, this.count, this.capacity) = (cLength, layout, inputs, products, count, capacity);
        }

        public void Clear()
        {
            c = null;
            (layout, inputs, products) = (null, null, null);
        }

        public void Execute(int part, int parts)
        {
            int n = layout!.ParameterCount;
            int first = Cut(n, part, parts), end = part == parts - 1 ? n : Cut(n, part + 1, parts);
            if (first < end) LayeredGram(new Span<double>(c, cLength), layout, inputs!, products!, count, capacity, first, end);
        }

        private static int Cut(int n, int part, int parts) => (int)(n * Math.Sqrt((double)part / parts));
    }

    // The register tile: 4 consecutive weights b0..b0+3 of one unit a of layer l (4 rows of C) by two registers of
    // consecutive weights d0.. of one unit c of layer m (16 columns at Vector512, 2 at the scalar tier), over the
    // chunk's patterns: per pattern, 4 coefficients M_p[a, c] x̃_p[b] (scalars), 2 loads of x̃_p[d..], 8 products and
    // 8 sums. A row block is tiled when its first row is in [first, end); a tile is used only when it lies wholly in
    // the lower triangle (for the unit's own block, d0 + width - 1 <= b0). The elements no tile covered (biases,
    // the weights past the last whole tile of a unit, the diagonal's neighbourhood) go through the scalar loop.
    // Cost model: the patterns, not the patterns times the outputs, are the inner loop: K times fewer terms than a
    // Gram update over Jacobian rows for K outputs.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LayeredGram<TSimd, TVector>(Span<double> packed, GramLayout layout, double[][] inputs, double[][] products, int count, int capacity, int first, int end)
        where TSimd : ISimdDouble<TVector> where TVector : struct
    {
        int w = TSimd.Count, width = 2 * w;
        ref double cBase = ref MemoryMarshal.GetReference(packed);
        for (int l = 0; l < layout.LayerCount; l++)
        {
            int inL = layout.Inputs[l], strideL = inL + 1, offL = layout.Offset[l];
            double[] xl = inputs[l];
            for (int a = 0; a < layout.Units[l]; a++)
            {
                for (int b0 = 0; b0 + 4 <= inL; b0 += 4)
                {
                    int i0 = offL + a * inL + b0;
                    if (i0 < first || i0 >= end) continue;
                    for (int m = 0; m <= l; m++)
                    {
                        int inM = layout.Inputs[m], strideM = inM + 1, offM = layout.Offset[m], unitsM = layout.Units[m];
                        double[] xm = inputs[m], mlm = products[layout.Pair(l, m)];
                        int lastUnit = m == l ? a : unitsM - 1;
                        for (int c = 0; c <= lastUnit; c++)
                        {
                            int dEnd = m == l && c == a ? b0 + 1 : inM;   // the unit's own block: tiles wholly at or left of the diagonal
                            for (int d0 = 0; d0 + width <= dEnd; d0 += width)
                            {
                                int j0 = offM + c * inM + d0;
                                ref double r0 = ref Unsafe.Add(ref cBase, i0 * (i0 + 1) / 2 + j0);
                                ref double r1 = ref Unsafe.Add(ref cBase, (i0 + 1) * (i0 + 2) / 2 + j0);
                                ref double r2 = ref Unsafe.Add(ref cBase, (i0 + 2) * (i0 + 3) / 2 + j0);
                                ref double r3 = ref Unsafe.Add(ref cBase, (i0 + 3) * (i0 + 4) / 2 + j0);
                                TVector c0a = TSimd.Load(ref r0), c0b = TSimd.Load(ref Unsafe.Add(ref r0, w));
                                TVector c1a = TSimd.Load(ref r1), c1b = TSimd.Load(ref Unsafe.Add(ref r1, w));
                                TVector c2a = TSimd.Load(ref r2), c2b = TSimd.Load(ref Unsafe.Add(ref r2, w));
                                TVector c3a = TSimd.Load(ref r3), c3b = TSimd.Load(ref Unsafe.Add(ref r3, w));
                                ref double mu = ref mlm[(a * unitsM + c) * capacity];
                                for (int p = 0; p < count; p++)
                                {
                                    double coefficient = Unsafe.Add(ref mu, p);
                                    ref double xb = ref xl[p * strideL + b0];
                                    ref double xd = ref xm[p * strideM + d0];
                                    TVector xa = TSimd.Load(ref xd), xz = TSimd.Load(ref Unsafe.Add(ref xd, w));
                                    TVector k = TSimd.Create(coefficient * xb);
                                    c0a = TSimd.Add(TSimd.Multiply(k, xa), c0a);
                                    c0b = TSimd.Add(TSimd.Multiply(k, xz), c0b);
                                    k = TSimd.Create(coefficient * Unsafe.Add(ref xb, 1));
                                    c1a = TSimd.Add(TSimd.Multiply(k, xa), c1a);
                                    c1b = TSimd.Add(TSimd.Multiply(k, xz), c1b);
                                    k = TSimd.Create(coefficient * Unsafe.Add(ref xb, 2));
                                    c2a = TSimd.Add(TSimd.Multiply(k, xa), c2a);
                                    c2b = TSimd.Add(TSimd.Multiply(k, xz), c2b);
                                    k = TSimd.Create(coefficient * Unsafe.Add(ref xb, 3));
                                    c3a = TSimd.Add(TSimd.Multiply(k, xa), c3a);
                                    c3b = TSimd.Add(TSimd.Multiply(k, xz), c3b);
                                }
                                TSimd.Store(c0a, ref r0);
                                TSimd.Store(c0b, ref Unsafe.Add(ref r0, w));
                                TSimd.Store(c1a, ref r1);
                                TSimd.Store(c1b, ref Unsafe.Add(ref r1, w));
                                TSimd.Store(c2a, ref r2);
                                TSimd.Store(c2b, ref Unsafe.Add(ref r2, w));
                                TSimd.Store(c3a, ref r3);
                                TSimd.Store(c3b, ref Unsafe.Add(ref r3, w));
                            }
                        }
                    }
                }
            }
        }

        // Every element of the rows [first, end) that no tile covered, one by one.
        for (int i = first; i < end; i++)
        {
            int l = layout.LayerOf[i], a = layout.UnitOf[i], b = layout.InputOf[i], inL = layout.Inputs[l];
            bool tiled = b < inL / 4 * 4;   // a row some tile covers part of
            int b0 = b - b % 4;
            double[] xl = inputs[l];
            ref double row = ref Unsafe.Add(ref cBase, i * (i + 1) / 2);
            for (int j = 0; j <= i; j++)
            {
                int m = layout.LayerOf[j], c = layout.UnitOf[j], d = layout.InputOf[j], inM = layout.Inputs[m];
                if (tiled && d == 0 && d < inM)
                {
                    // the start of unit c's weights: skip the columns the tiles covered
                    int covered = m == l && c == a ? (b0 + 1) / width * width : inM / width * width;
                    if (covered > 0)
                    {
                        j += covered - 1;
                        continue;
                    }
                }
                int strideM = inM + 1;
                double[] xm = inputs[m];
                ref double mu = ref products[layout.Pair(l, m)][(a * layout.Units[m] + c) * capacity];
                double sum = Unsafe.Add(ref row, j);
                for (int p = 0; p < count; p++) sum += Unsafe.Add(ref mu, p) * xl[p * (inL + 1) + b] * xm[p * strideM + d];
                Unsafe.Add(ref row, j) = sum;
            }
        }
    }
}

// ---- the double registers of the Gram update --------------------------------------------------------
// Separate multiplies and adds, each correctly rounded, at every width: the same bits as the scalar loop.

/// <summary>The operations the Gram update needs from one double register width.</summary>
internal interface ISimdDouble<TVector> where TVector : struct
{
    static abstract int Count { get; }

    static abstract TVector Load(ref double source);

    static abstract void Store(TVector value, ref double destination);

    static abstract TVector Create(double value);

    static abstract TVector Multiply(TVector a, TVector b);

    static abstract TVector Add(TVector a, TVector b);
}

internal readonly struct Simd512Double : ISimdDouble<Vector512<double>>
{
    public static int Count => Vector512<double>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Load(ref double source) => Vector512.LoadUnsafe(ref source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<double> value, ref double destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Create(double value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Multiply(Vector512<double> a, Vector512<double> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Add(Vector512<double> a, Vector512<double> b) => a + b;
}

internal readonly struct Simd256Double : ISimdDouble<Vector256<double>>
{
    public static int Count => Vector256<double>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Load(ref double source) => Vector256.LoadUnsafe(ref source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<double> value, ref double destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Create(double value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Multiply(Vector256<double> a, Vector256<double> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Add(Vector256<double> a, Vector256<double> b) => a + b;
}

internal readonly struct Simd128Double : ISimdDouble<Vector128<double>>
{
    public static int Count => Vector128<double>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Load(ref double source) => Vector128.LoadUnsafe(ref source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<double> value, ref double destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Create(double value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Multiply(Vector128<double> a, Vector128<double> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Add(Vector128<double> a, Vector128<double> b) => a + b;
}

internal readonly struct SimdScalarDouble : ISimdDouble<double>
{
    public static int Count => 1;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Load(ref double source) => source;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(double value, ref double destination) => destination = value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Create(double value) => value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Multiply(double a, double b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Add(double a, double b) => a + b;
}
