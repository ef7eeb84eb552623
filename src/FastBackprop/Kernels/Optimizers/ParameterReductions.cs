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
// The Gram update of the Gauss-Newton matrix (AddGram) needs no canonical tree: each element is
// a sum over Jacobian rows taken in row order, and its inputs are floats widened to double, whose
// products are exact in double, so every element sees the same exact products and the same
// sequence of roundings (one per row) whatever width computes it.
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
    private static float Fold(Span<float> lanes)
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
        for (int width = Lanes / 2; width >= 1; width /= 2)
        {
            for (int i = 0; i < width; i++) lanes[i] += lanes[i + width];
        }
        return lanes[0];
    }

    // ---- Gauss-Newton accumulation ---------------------------------------------------------------

    /// <summary>sum[i] += row[i] for every i, in double: one exactly widened float added per call, so the order
    /// over calls is the order of the sum (J^T r over patterns, in pattern order).</summary>
    public static void AccumulateWidened(Span<double> sum, ReadOnlySpan<float> row)
    {
        ThrowHelper.CheckLength(row.Length, sum.Length, nameof(row));
        for (int i = 0; i < sum.Length; i++) sum[i] += row[i];
    }

    /// <summary>Columns per panel of a Jacobian chunk (the widest Gram tile).</summary>
    public const int PanelWidth = 16;

    /// <summary>The layout AddGram reads a chunk of Jacobian rows in: column panels of <see cref="PanelWidth"/>, each
    /// holding its columns of every row contiguously (row r's columns of panel k at k·panelStride + r·PanelWidth),
    /// so that the tile loop streams through memory instead of striding by the row length. This is the index of
    /// row <paramref name="row"/>, column <paramref name="column"/>.</summary>
    public static int PanelIndex(int row, int column, int panelStride) => column / PanelWidth * panelStride + row * PanelWidth + column % PanelWidth;

    /// <summary>The doubles a chunk of <paramref name="rowCapacity"/> rows of <paramref name="n"/> columns needs
    /// (whole panels; the columns past n must stay zero).</summary>
    public static int PanelLength(int n, int rowCapacity) => (n + PanelWidth - 1) / PanelWidth * rowCapacity * PanelWidth;

    /// <summary>The Gram update of a lower triangle packed row by row (element (i, j), j ≤ i, at i(i+1)/2 + j):
    /// <c>packed[i, j] += Σ_r J[r, i] · J[r, j]</c> for r = 0 .. rowCount-1 in order, with J in the panel layout
    /// (<see cref="PanelIndex"/>).</summary>
    /// <param name="packed">n(n+1)/2 doubles, updated in place.</param>
    /// <param name="panels">The chunk: floats widened to double (so that every product is exact), zero in the columns
    /// from n to the end of the last panel; <see cref="PanelLength"/>(n, rowCapacity) doubles.</param>
    /// <param name="rowCount">Rows to add; at most the capacity the panels were laid out for.</param>
    /// <param name="panelStride">Doubles per panel: rowCapacity x <see cref="PanelWidth"/>.</param>
    /// <param name="n">The order of the matrix.</param>
    /// <param name="pool">Threads to share the rows of the triangle between (or null): each element is still summed by
    /// one thread, in row order, so the bits do not depend on it.</param>
    public static unsafe void AddGram(Span<double> packed, ReadOnlySpan<double> panels, int rowCount, int panelStride, int n, WorkerPool? pool = null)
    {
        ThrowHelper.CheckLength(packed.Length, n * (n + 1) / 2, nameof(packed));
        int panelCount = (n + PanelWidth - 1) / PanelWidth;
        if (panelStride % PanelWidth != 0 || rowCount * PanelWidth > panelStride || panels.Length < panelCount * panelStride)
        {
            throw new ArgumentException($"panels holds {panels.Length} doubles in panels of {panelStride}; expected {panelCount} panels of at least {rowCount} rows of {PanelWidth}.", nameof(panels));
        }
        if (rowCount == 0) return;
        // Threads only when each gets at least ~8 M multiply-adds (fork-join costs microseconds).
        int parts = pool is null ? 1 : (int)Math.Min(pool.DegreeOfParallelism, (long)n * n / 2 * rowCount / (1L << 23));
        if (parts <= 1)
        {
            Gram(packed, panels, rowCount, panelStride, n, 0, n);
            return;
        }
        fixed (double* c = packed, a = panels)
        {
            GramJob job = GramJob.ForThread;
            job.Set(c, packed.Length, a, panels.Length, rowCount, panelStride, n);
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

    // Rows [first, end) of C, first a multiple of 4, at the widest tier.
    private static void Gram(Span<double> packed, ReadOnlySpan<double> panels, int rowCount, int panelStride, int n, int first, int end)
    {
        if (Vector512.IsHardwareAccelerated) Gram<Simd512Double, Vector512<double>>(packed, panels, rowCount, panelStride, n, first, end);
        else if (Vector256.IsHardwareAccelerated) Gram<Simd256Double, Vector256<double>>(packed, panels, rowCount, panelStride, n, first, end);
        else if (Vector128.IsHardwareAccelerated) Gram<Simd128Double, Vector128<double>>(packed, panels, rowCount, panelStride, n, first, end);
        else Gram<SimdScalarDouble, double>(packed, panels, rowCount, panelStride, n, first, end);
    }

    /// <summary>A parallel Gram update: the operands as pointers (pinned by the caller) and the cut of the triangle's rows
    /// into parts of equal work (row i has i + 1 elements: the cuts are at n·√(part/parts)). One instance per calling
    /// thread, reused, so a step allocates nothing.</summary>
    private sealed unsafe class GramJob : IParallelWork
    {
        [ThreadStatic] private static GramJob? forThread;

        private double* c, a;
        private int cLength, aLength, rowCount, panelStride, n;

        public static GramJob ForThread => forThread ??= new GramJob();

        public void Set(double* c, int cLength, double* a, int aLength, int rowCount, int panelStride, int n)
        {
            this.c = c;
            this.a = a;
            (this.cLength, this.aLength, this.rowCount, this.panelStride, this.n) = (cLength, aLength, rowCount, panelStride, n);
        }

        public void Clear() => c = a = null;

        public void Execute(int part, int parts)
        {
            int first = Cut(part, parts), end = part == parts - 1 ? n : Cut(part + 1, parts);
            if (first < end) Gram(new Span<double>(c, cLength), new ReadOnlySpan<double>(a, aLength), rowCount, panelStride, n, first, end);
        }

        private int Cut(int part, int parts) => (int)(n * Math.Sqrt((double)part / parts)) / 4 * 4;
    }

    // The tile is 4 rows of C by two registers of columns (16 columns at Vector512, 2 at the scalar tier), held in
    // eight accumulators while every Jacobian row of the chunk is added in order. A tile's columns lie in one panel,
    // and so do its 4 rows' broadcast operands (4 divides 16), so each step of the row loop reads two short
    // contiguous runs that advance by one panel row: a sequential stream the prefetcher follows. Each tile goes
    // through a local copy: only the elements of the lower triangle are loaded and stored back, so no element of a
    // neighbouring row of the packed layout is touched, and rows past n (the last block of 4) read the zero padding
    // and are not stored. Cost model: per Jacobian row and tile, 4 broadcasts, 2 loads and 8 multiply-adds; the
    // copies are O(tile) per chunk, against O(tile x rows) arithmetic.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gram<TSimd, TVector>(Span<double> packed, ReadOnlySpan<double> panels, int rowCount, int panelStride, int n, int firstRow, int endRow)
        where TSimd : ISimdDouble<TVector> where TVector : struct
    {
        int w = TSimd.Count, width = 2 * w;
        Span<double> tile = stackalloc double[4 * 2 * PanelWidth];
        ref double t = ref MemoryMarshal.GetReference(tile);
        ref double a = ref MemoryMarshal.GetReference(panels);
        for (int i0 = firstRow; i0 < endRow; i0 += 4)
        {
            int height = Math.Min(4, n - i0), last = i0 + height - 1;
            ref double rowsI = ref Unsafe.Add(ref a, i0 / PanelWidth * panelStride + i0 % PanelWidth);
            for (int j0 = 0; j0 <= last; j0 += width)
            {
                for (int m = 0; m < 4; m++)
                {
                    Span<double> local = tile.Slice(m * width, width);
                    local.Clear();
                    int count = m < height ? Math.Clamp(i0 + m - j0 + 1, 0, width) : 0;
                    int start = (i0 + m) * (i0 + m + 1) / 2 + j0;
                    if (count > 0) packed.Slice(start, count).CopyTo(local);
                }
                ref double rowsJ = ref Unsafe.Add(ref a, j0 / PanelWidth * panelStride + j0 % PanelWidth);
                TVector c0a = TSimd.Load(ref t), c0b = TSimd.Load(ref Unsafe.Add(ref t, w));
                TVector c1a = TSimd.Load(ref Unsafe.Add(ref t, width)), c1b = TSimd.Load(ref Unsafe.Add(ref t, width + w));
                TVector c2a = TSimd.Load(ref Unsafe.Add(ref t, 2 * width)), c2b = TSimd.Load(ref Unsafe.Add(ref t, 2 * width + w));
                TVector c3a = TSimd.Load(ref Unsafe.Add(ref t, 3 * width)), c3b = TSimd.Load(ref Unsafe.Add(ref t, 3 * width + w));
                for (int r = 0; r < rowCount; r++)
                {
                    ref double x = ref Unsafe.Add(ref rowsJ, r * PanelWidth);
                    ref double y = ref Unsafe.Add(ref rowsI, r * PanelWidth);
                    TVector xa = TSimd.Load(ref x), xb = TSimd.Load(ref Unsafe.Add(ref x, w));
                    TVector b = TSimd.Create(y);
                    c0a = TSimd.MultiplyAdd(b, xa, c0a);
                    c0b = TSimd.MultiplyAdd(b, xb, c0b);
                    b = TSimd.Create(Unsafe.Add(ref y, 1));
                    c1a = TSimd.MultiplyAdd(b, xa, c1a);
                    c1b = TSimd.MultiplyAdd(b, xb, c1b);
                    b = TSimd.Create(Unsafe.Add(ref y, 2));
                    c2a = TSimd.MultiplyAdd(b, xa, c2a);
                    c2b = TSimd.MultiplyAdd(b, xb, c2b);
                    b = TSimd.Create(Unsafe.Add(ref y, 3));
                    c3a = TSimd.MultiplyAdd(b, xa, c3a);
                    c3b = TSimd.MultiplyAdd(b, xb, c3b);
                }
                TSimd.Store(c0a, ref t);
                TSimd.Store(c0b, ref Unsafe.Add(ref t, w));
                TSimd.Store(c1a, ref Unsafe.Add(ref t, width));
                TSimd.Store(c1b, ref Unsafe.Add(ref t, width + w));
                TSimd.Store(c2a, ref Unsafe.Add(ref t, 2 * width));
                TSimd.Store(c2b, ref Unsafe.Add(ref t, 2 * width + w));
                TSimd.Store(c3a, ref Unsafe.Add(ref t, 3 * width));
                TSimd.Store(c3b, ref Unsafe.Add(ref t, 3 * width + w));
                for (int m = 0; m < height; m++)
                {
                    int count = Math.Clamp(i0 + m - j0 + 1, 0, width);
                    int start = (i0 + m) * (i0 + m + 1) / 2 + j0;
                    if (count > 0) tile.Slice(m * width, count).CopyTo(packed.Slice(start, count));
                }
            }
        }
    }
}

// ---- the double registers of the Gram update --------------------------------------------------------
// MultiplyAdd is exact-product-then-add here: the operands are widened floats, so a fused and an unfused
// multiply-add give the same bits, and each tier uses whichever it has in hardware.

/// <summary>The operations the Gram update needs from one double register width.</summary>
internal interface ISimdDouble<TVector> where TVector : struct
{
    static abstract int Count { get; }

    static abstract TVector Load(ref double source);

    static abstract void Store(TVector value, ref double destination);

    static abstract TVector Create(double value);

    /// <summary>a * b + c, for products that are exact (see above).</summary>
    static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);
}

internal readonly struct Simd512Double : ISimdDouble<Vector512<double>>
{
    public static int Count => Vector512<double>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Load(ref double source) => Vector512.LoadUnsafe(ref source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<double> value, ref double destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Create(double value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> MultiplyAdd(Vector512<double> a, Vector512<double> b, Vector512<double> c) => Vector512.FusedMultiplyAdd(a, b, c);
}

internal readonly struct Simd256Double : ISimdDouble<Vector256<double>>
{
    public static int Count => Vector256<double>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Load(ref double source) => Vector256.LoadUnsafe(ref source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<double> value, ref double destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Create(double value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> MultiplyAdd(Vector256<double> a, Vector256<double> b, Vector256<double> c) => Vector256.FusedMultiplyAdd(a, b, c);
}

internal readonly struct Simd128Double : ISimdDouble<Vector128<double>>
{
    public static int Count => Vector128<double>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Load(ref double source) => Vector128.LoadUnsafe(ref source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<double> value, ref double destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Create(double value) => Vector128.Create(value);
    // Two roundings where FMA may be missing (the tier below AVX2): the product is exact, so the bits are the same.
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> MultiplyAdd(Vector128<double> a, Vector128<double> b, Vector128<double> c) => (a * b) + c;
}

internal readonly struct SimdScalarDouble : ISimdDouble<double>
{
    public static int Count => 1;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Load(ref double source) => source;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(double value, ref double destination) => destination = value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Create(double value) => value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double MultiplyAdd(double a, double b, double c) => (a * b) + c;
}
