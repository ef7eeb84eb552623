namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// Gemm over several threads: C is cut into blocks of whole columns, one block per thread, each
// computed by the ordinary single-threaded Gemm. No element of C is touched by two threads, so
// there is no reduction at all, and each element gets exactly the operations it gets on one
// thread: its sum over p (all of k, split at the same multiples of KC) and the same merge. That
// alone makes 1 thread and N threads bit-identical, since every microkernel and edge tile does
// the same operations on an element (Gemm.Microkernel.cs), whichever a block picks. The blocks
// also keep the single-threaded tiling: boundaries are multiples of 32 columns, which every
// tile width (32, 16, 8, 4) divides, and every block is at least 32 columns wide, so it picks the
// microkernel the whole product would (the choice depends on m, which all blocks share, and on
// whether n exceeds one tile). Columns rather than rows because the row count does steer the
// choice between the 12- and 8-row tiles.
// Small products stay on one thread: a fork-join costs a few microseconds, so each thread must
// get at least MinimumFlopsPerThread of work or the second core would slow the step down.
//
// Inside a parallel region (the batch plan's step: one fork-join, pieces meeting at a barrier) a
// piece computes its block with MultiplyColumns or MultiplyRows. A block of rows is as exact as a
// block of columns: an element's operations never depend on the tile that computes it, and k is
// never cut. Rows suit a narrow C (the 10-unit output layer), and a product whose shared
// operand is the larger one: a column block packs all of op(A) and its share of op(B), a row block
// its share of op(A) and all of op(B).
// ---------------------------------------------------------------------------------------------

public static partial class Gemm
{
    private const long MinimumFlopsPerThread = 1L << 21;   // ~2 MFLOP: tens of microseconds of work
    internal const int ColumnGrain = 32;

    /// <summary>As <see cref="Multiply(GemmForm, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int)"/>, spread over <paramref name="pool"/>'s threads when the product is
    /// large enough to gain from it. Results are bit-identical to the single-threaded call.</summary>
    internal static unsafe void MultiplyParallel(WorkerPool? pool, GemmForm form, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        int threads = pool is null ? 1 : (int)Math.Min(pool.DegreeOfParallelism, 2L * m * n * k / MinimumFlopsPerThread);
        threads = Math.Min(threads, n / ColumnGrain);   // whole 32-column blocks, the remainder joins the last
        if (threads <= 1)
        {
            Multiply(form, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        // Validate once, on the whole problem, so a bad argument throws here and not in a worker.
        CheckWhole(form, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        fixed (float* pa = a, pb = b, pc = c)
        {
            var job = ParallelGemmJob.ForThread;
            job.Set(form, m, n, k, alpha, pa, a.Length, lda, pb, b.Length, ldb, beta, pc, c.Length, ldc);
            try
            {
                pool!.Run(job, threads);
            }
            finally
            {
                job.Clear();
            }
        }
    }

    // The full argument check of Multiply, without doing the product.
    private static void CheckWhole(GemmForm form, int m, int n, int k, int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        bool transA = form == GemmForm.TN, transB = form == GemmForm.NT;
        CheckOperand(aLength, transA ? k : m, transA ? m : k, lda, "a", nameof(lda));
        CheckOperand(bLength, transB ? n : k, transB ? k : n, ldb, "b", nameof(ldb));
        CheckOperand(cLength, m, n, ldc, "c", nameof(ldc));
    }

    /// <summary>Columns [<paramref name="first"/>, <paramref name="end"/>) of the m x n product of
    /// <see cref="Multiply"/> (the arguments describe the whole product); nothing when the range is empty.</summary>
    internal static void MultiplyColumns(GemmForm form, int m, int n, int k, int first, int end, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc) =>
        MultiplyBlock(form, m, n, k, (0, m), (first, end), alpha, a, lda, b, ldb, beta, c, ldc);

    /// <summary>Rows [<paramref name="first"/>, <paramref name="end"/>) of the m x n product of
    /// <see cref="Multiply"/> (the arguments describe the whole product); nothing when the range is empty.</summary>
    internal static void MultiplyRows(GemmForm form, int m, int n, int k, int first, int end, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc) =>
        MultiplyBlock(form, m, n, k, (first, end), (0, n), alpha, a, lda, b, ldb, beta, c, ldc);

    /// <summary>The block <paramref name="rows"/> x <paramref name="columns"/> (each [First, End)) of the m x n product of
    /// <see cref="Multiply"/> (the arguments describe the whole product); nothing when either range is empty. k is never
    /// cut, so each element of the block gets the operations it gets in the whole product.</summary>
    internal static void MultiplyBlock(GemmForm form, int m, int n, int k, (int First, int End) rows, (int First, int End) columns, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        var none = default(NoPanelWork);
        MultiplyBlock(form, m, n, k, rows, columns, alpha, a, lda, b, ldb, beta, c, ldc, ref none);
    }

    /// <summary><see cref="MultiplyBlock(GemmForm, int, int, int, ValueTuple{int, int}, ValueTuple{int, int}, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int)"/>
    /// with <paramref name="panels"/>' work on the block's panels (Gemm.Panels.cs), in the block's coordinates: row 0 and
    /// column 0 are the block's first.</summary>
    internal static void MultiplyBlock<TPanels>(GemmForm form, int m, int n, int k, (int First, int End) rows, (int First, int End) columns, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, ref TPanels panels)
        where TPanels : IPanelWork, allows ref struct
    {
        if (rows.First >= rows.End || columns.First >= columns.End) return;
        CheckRange(rows.First, rows.End, m);
        CheckRange(columns.First, columns.End, n);
        int aOffset = form == GemmForm.TN ? rows.First : rows.First * lda;          // TN: A is k x m, rows of C are columns of A
        int bOffset = form == GemmForm.NT ? columns.First * ldb : columns.First;    // NT: B is n x k, columns of C are rows of B
        Multiply(form, rows.End - rows.First, columns.End - columns.First, k, alpha, From(a, aOffset), lda, From(b, bOffset), ldb, beta,
            c[(rows.First * ldc + columns.First)..], ldc, ref panels);
    }

    // An operand from an offset on; empty past its end (an operand of k = 0 may be empty).
    private static ReadOnlySpan<float> From(ReadOnlySpan<float> operand, int offset) => offset < operand.Length ? operand[offset..] : default;

    private static void CheckRange(int first, int end, int count)
    {
        if (first < 0 || end > count) throw new ArgumentOutOfRangeException(nameof(end), end, $"range {first}..{end} is outside 0..{count}.");
    }

    /// <summary>One parallel product: the operands as pointers (pinned by the caller for the duration)
    /// and how to cut C. One instance per calling thread, reused, so a step allocates nothing.</summary>
    private sealed unsafe class ParallelGemmJob : IParallelWork
    {
        [ThreadStatic] private static ParallelGemmJob? forThread;

        private GemmForm form;
        private int m, n, k, lda, ldb, ldc, aLength, bLength, cLength;
        private float alpha, beta;
        private float* a, b, c;

        public static ParallelGemmJob ForThread => forThread ??= new ParallelGemmJob();

        public void Set(GemmForm form, int m, int n, int k, float alpha, float* a, int aLength, int lda, float* b, int bLength, int ldb,
            float beta, float* c, int cLength, int ldc)
        {
            this.form = form;
            this.m = m;
            this.n = n;
            this.k = k;
            this.alpha = alpha;
            this.a = a;
            this.aLength = aLength;
            this.lda = lda;
            this.b = b;
            this.bLength = bLength;
            this.ldb = ldb;
            this.beta = beta;
            this.c = c;
            this.cLength = cLength;
            this.ldc = ldc;
        }

        public void Clear()
        {
            a = b = c = null;
        }

        public void Execute(int part, int parts)
        {
            (int first, int end) = new ThreadTeam(part, parts, null).Share(n, ColumnGrain, parts);
            MultiplyColumns(form, m, n, k, first, end, alpha, new ReadOnlySpan<float>(a, aLength), lda, new ReadOnlySpan<float>(b, bLength), ldb,
                beta, new Span<float>(c, cLength), ldc);
        }
    }
}
