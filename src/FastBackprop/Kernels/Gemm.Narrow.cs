using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// Gemm's narrow path: products with one short side, the classifier layer of an MLP (784-256-128-10
// at batch B: forward NT m=B n=10 k=128, backward NN m=B n=128 k=10, gradient TN m=10 n=128 k=B).
// The blocked path (Gemm.cs) pads such a product to its register tile and packs both operands:
// 10 columns run in a 16- or 32-column tile, every tile is an edge tile computed into scratch and
// merged element by element, and with 10 rows or a depth of 10 the packing costs as much as the
// multiply-adds that reuse it.
//
// Here the tile is R rows x 16 columns, one 16-lane register group per row (Lanes16: one
// Vector512, two Vector256 or four Vector128), R = 16 / 6 / 3 rows at those widths (16, 12 and 12
// accumulator registers: enough independent chains to cover the FMA latency). Per depth step it
// loads 16 B values and broadcasts R A values straight from A as stored:
//   A   never packed: A(i, p) is read in place (a row walked forward for NN/NT, R adjacent values
//       of one row of A for TN), and the R rows are the tile's rows.
//   B   read in place where 16 of its columns are contiguous (NN and TN, whole column tiles);
//       otherwise (NT, where a column of op(B) is a row of B, and the last partial column tile of
//       NN/TN) one kc x 16 panel is packed, zero-padded, by Gemm.Pack.cs's routines: k x 16 floats,
//       small next to the m x k x 16 multiply-adds that read it.
//   C   partial column tiles are merged with masked loads and stores (the CPU's where it has
//       them), so no tile goes through scratch.
// Taken when the product is narrow in the one dimension that makes the blocked path waste work:
// NT with n <= 16, TN with m <= 16, NN with k <= 16 (then the product is C-bound, and packing and
// edge tiles are most of the cost).
//
// Bits: every element gets exactly Gemm's contract (Gemm.Microkernel.cs): p ascending, split at
// multiples of KC, each block's AB from +0 by one fma per term, r = alpha * AB rounded, then
// C = fma(beta', C, r) (beta' = beta on the first block, 1 after) or C = r when beta' is 0, and C
// is not read when beta' is 0. Lanes are independent (Lanes16's operations are lane-wise), so the
// padded lanes of a partial tile never touch a valid one, and the result is the same bits as the
// blocked path on every tier.
// ---------------------------------------------------------------------------------------------

public static partial class Gemm
{
    [ThreadStatic] private static float[]? narrowPanelBuffer;

    /// <summary>Whether <see cref="Multiply"/> takes the narrow path for this shape (hardware vectors only: the scalar
    /// tier keeps the blocked 4 x 4 kernel).</summary>
    internal static bool IsNarrow(GemmForm form, int m, int n, int k) =>
        Vector128.IsHardwareAccelerated && form switch
        {
            GemmForm.NT => n <= Lanes16.Count,
            GemmForm.TN => m <= Lanes16.Count,
            _ => k <= Lanes16.Count,
        };

    /// <summary>The narrow path with the 16 lanes of <typeparamref name="TLanes"/>, whatever the tier (for the tests
    /// that every width gives the same bits). The arguments are <see cref="Multiply"/>'s, already valid, with
    /// k &gt; 0 and alpha != 0; any shape works, narrow or not.</summary>
    internal static void MultiplyNarrowWith<TLanes>(GemmForm form, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
        where TLanes : struct, ILanes16<TLanes>
    {
        var operands = new Operands(form, m, n, k, alpha, ref MemoryMarshal.GetReference(a), lda,
            ref MemoryMarshal.GetReference(b), ldb, beta, ref MemoryMarshal.GetReference(c), ldc);
        DriveNarrow<TLanes>(ref operands);
    }

    /// <summary>The narrow path at the widest accelerated width (<see cref="VectorDispatch.RunLanes"/>).</summary>
    private static void MultiplyNarrow(ref Operands op)
    {
        var run = new NarrowRun(op);
        VectorDispatch.RunLanes(ref run);
    }

    private ref struct NarrowRun(Operands op) : ILanesKernel
    {
        private Operands op = op;

        public void Run<TLanes>() where TLanes : struct, ILanes16<TLanes> => DriveNarrow<TLanes>(ref op);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DriveNarrow<TLanes>(ref Operands op) where TLanes : struct, ILanes16<TLanes>
    {
        const int Width = Lanes16.Count;
        // Rows per tile: as many accumulators as the register file holds beside the B lanes (see the header).
        int tileRows = typeof(TLanes) == typeof(Lanes512) ? 16 : typeof(TLanes) == typeof(Lanes256) ? 6 : 3;
        ref float panel = ref AlignedScratch(ref narrowPanelBuffer, Width * Math.Min(op.K, KC));
        bool transA = op.Form == GemmForm.TN;
        nint lda = op.Lda, ldb = op.Ldb, ldc = op.Ldc;
        // A(i, p) is at i * aRow + p * aDepth as stored.
        nint aRow = transA ? 1 : lda, aDepth = transA ? lda : 1;
        for (int pc = 0; pc < op.K; pc += KC)
        {
            int kc = Math.Min(KC, op.K - pc);
            float beta = pc == 0 ? op.Beta : 1f;  // later k blocks add to what the first wrote
            ref float aBlock = ref Unsafe.Add(ref op.A, pc * aDepth);
            for (int jc = 0; jc < op.N; jc += Width)
            {
                int cols = Math.Min(Width, op.N - jc);
                ref float bPanel = ref panel;
                nint bDepth = Width;
                if (op.Form == GemmForm.NT)
                {
                    Interleave(ref Unsafe.Add(ref op.B, jc * ldb + pc), ldb, cols, Width, kc, ref panel);
                }
                else if (cols < Width)
                {
                    // Reading 16 columns in place would run past the row (and the span) at the last row.
                    CopyRows(ref Unsafe.Add(ref op.B, pc * ldb + jc), ldb, cols, Width, kc, ref panel);
                }
                else
                {
                    bPanel = ref Unsafe.Add(ref op.B, pc * ldb + jc);
                    bDepth = ldb;
                }
                for (int ir = 0; ir < op.M; ir += tileRows)
                {
                    NarrowRows<TLanes>(Math.Min(tileRows, op.M - ir), kc, ref Unsafe.Add(ref aBlock, ir * aRow), aRow, aDepth,
                        ref bPanel, bDepth, ref Unsafe.Add(ref op.C, ir * ldc + jc), ldc, cols, op.Alpha, beta);
                }
            }
        }
    }

    /// <summary>The tile of <paramref name="rows"/> rows, the row count made a type so that each count gets its own
    /// straight-line kernel.</summary>
    private static void NarrowRows<TLanes>(int rows, int kc, ref float a, nint aRow, nint aDepth, ref float b, nint bDepth,
        ref float c, nint ldc, int cols, float alpha, float beta) where TLanes : struct, ILanes16<TLanes>
    {
        switch (rows)
        {
            case 1: NarrowTile<TLanes, Rows1>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            case 2: NarrowTile<TLanes, Rows2>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            case 3: NarrowTile<TLanes, Rows3>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            case 4: NarrowTile<TLanes, Rows4>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            case 5: NarrowTile<TLanes, Rows5>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            case 6: NarrowTile<TLanes, Rows6>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            case 7: NarrowTile<TLanes, Rows7>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            case 8: NarrowTile<TLanes, Rows8>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            case 9: NarrowTile<TLanes, Rows9>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            case 10: NarrowTile<TLanes, Rows10>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            case 11: NarrowTile<TLanes, Rows11>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            case 12: NarrowTile<TLanes, Rows12>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            case 13: NarrowTile<TLanes, Rows13>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            case 14: NarrowTile<TLanes, Rows14>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            case 15: NarrowTile<TLanes, Rows15>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            default: NarrowTile<TLanes, Rows16>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
        }
    }

    /// <summary>C[i, j] = alpha * Σ_q A(i, q) B(q, j) + beta * C[i, j] for i &lt; <typeparamref name="TRows"/>.Count,
    /// j &lt; <paramref name="cols"/>, q &lt; <paramref name="kc"/>, with A(i, q) at a[i * aRow + q * aDepth] and the
    /// 16 values B(q, 0..15) at b[q * bDepth ..] (all 16 readable); the contract's operations per element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void NarrowTile<TLanes, TRows>(int kc, ref float a, nint aRow, nint aDepth, ref float b, nint bDepth,
        ref float c, nint ldc, int cols, float alpha, float beta)
        where TLanes : struct, ILanes16<TLanes>
        where TRows : IRowCount
    {
        int rows = TRows.Count;  // a JIT-time constant: the guards below fold away
        TLanes zero = TLanes.Create(0f);
        TLanes c0 = zero, c1 = zero, c2 = zero, c3 = zero, c4 = zero, c5 = zero, c6 = zero, c7 = zero, c8 = zero, c9 = zero, c10 = zero, c11 = zero, c12 = zero, c13 = zero, c14 = zero, c15 = zero;
        // Four base refs, one per group of four rows, each offset by 0..3 rows: few registers for any row stride.
        // A base past the tile's rows is never formed (it could point outside A).
        nint r1 = aRow, r2 = 2 * aRow, r3 = 3 * aRow;
        ref float a0 = ref a;
        ref float a4 = ref rows > 4 ? ref Unsafe.Add(ref a, 4 * aRow) : ref a;
        ref float a8 = ref rows > 8 ? ref Unsafe.Add(ref a, 8 * aRow) : ref a;
        ref float a12 = ref rows > 12 ? ref Unsafe.Add(ref a, 12 * aRow) : ref a;
        for (int q = 0; q < kc; q++)
        {
            TLanes bq = TLanes.Load(ref b);
            c0 = TLanes.FusedMultiplyAdd(TLanes.Create(a0), bq, c0);
            if (rows > 1) c1 = TLanes.FusedMultiplyAdd(TLanes.Create(Unsafe.Add(ref a0, r1)), bq, c1);
            if (rows > 2) c2 = TLanes.FusedMultiplyAdd(TLanes.Create(Unsafe.Add(ref a0, r2)), bq, c2);
            if (rows > 3) c3 = TLanes.FusedMultiplyAdd(TLanes.Create(Unsafe.Add(ref a0, r3)), bq, c3);
            if (rows > 4) c4 = TLanes.FusedMultiplyAdd(TLanes.Create(a4), bq, c4);
            if (rows > 5) c5 = TLanes.FusedMultiplyAdd(TLanes.Create(Unsafe.Add(ref a4, r1)), bq, c5);
            if (rows > 6) c6 = TLanes.FusedMultiplyAdd(TLanes.Create(Unsafe.Add(ref a4, r2)), bq, c6);
            if (rows > 7) c7 = TLanes.FusedMultiplyAdd(TLanes.Create(Unsafe.Add(ref a4, r3)), bq, c7);
            if (rows > 8) c8 = TLanes.FusedMultiplyAdd(TLanes.Create(a8), bq, c8);
            if (rows > 9) c9 = TLanes.FusedMultiplyAdd(TLanes.Create(Unsafe.Add(ref a8, r1)), bq, c9);
            if (rows > 10) c10 = TLanes.FusedMultiplyAdd(TLanes.Create(Unsafe.Add(ref a8, r2)), bq, c10);
            if (rows > 11) c11 = TLanes.FusedMultiplyAdd(TLanes.Create(Unsafe.Add(ref a8, r3)), bq, c11);
            if (rows > 12) c12 = TLanes.FusedMultiplyAdd(TLanes.Create(a12), bq, c12);
            if (rows > 13) c13 = TLanes.FusedMultiplyAdd(TLanes.Create(Unsafe.Add(ref a12, r1)), bq, c13);
            if (rows > 14) c14 = TLanes.FusedMultiplyAdd(TLanes.Create(Unsafe.Add(ref a12, r2)), bq, c14);
            if (rows > 15) c15 = TLanes.FusedMultiplyAdd(TLanes.Create(Unsafe.Add(ref a12, r3)), bq, c15);
            a0 = ref Unsafe.Add(ref a0, aDepth);
            if (rows > 4) a4 = ref Unsafe.Add(ref a4, aDepth);
            if (rows > 8) a8 = ref Unsafe.Add(ref a8, aDepth);
            if (rows > 12) a12 = ref Unsafe.Add(ref a12, aDepth);
            b = ref Unsafe.Add(ref b, bDepth);
        }
        TLanes alphas = TLanes.Create(alpha);
        MergeNarrowRow(c0, ref c, cols, alphas, beta);
        if (rows > 1) MergeNarrowRow(c1, ref Unsafe.Add(ref c, 1 * ldc), cols, alphas, beta);
        if (rows > 2) MergeNarrowRow(c2, ref Unsafe.Add(ref c, 2 * ldc), cols, alphas, beta);
        if (rows > 3) MergeNarrowRow(c3, ref Unsafe.Add(ref c, 3 * ldc), cols, alphas, beta);
        if (rows > 4) MergeNarrowRow(c4, ref Unsafe.Add(ref c, 4 * ldc), cols, alphas, beta);
        if (rows > 5) MergeNarrowRow(c5, ref Unsafe.Add(ref c, 5 * ldc), cols, alphas, beta);
        if (rows > 6) MergeNarrowRow(c6, ref Unsafe.Add(ref c, 6 * ldc), cols, alphas, beta);
        if (rows > 7) MergeNarrowRow(c7, ref Unsafe.Add(ref c, 7 * ldc), cols, alphas, beta);
        if (rows > 8) MergeNarrowRow(c8, ref Unsafe.Add(ref c, 8 * ldc), cols, alphas, beta);
        if (rows > 9) MergeNarrowRow(c9, ref Unsafe.Add(ref c, 9 * ldc), cols, alphas, beta);
        if (rows > 10) MergeNarrowRow(c10, ref Unsafe.Add(ref c, 10 * ldc), cols, alphas, beta);
        if (rows > 11) MergeNarrowRow(c11, ref Unsafe.Add(ref c, 11 * ldc), cols, alphas, beta);
        if (rows > 12) MergeNarrowRow(c12, ref Unsafe.Add(ref c, 12 * ldc), cols, alphas, beta);
        if (rows > 13) MergeNarrowRow(c13, ref Unsafe.Add(ref c, 13 * ldc), cols, alphas, beta);
        if (rows > 14) MergeNarrowRow(c14, ref Unsafe.Add(ref c, 14 * ldc), cols, alphas, beta);
        if (rows > 15) MergeNarrowRow(c15, ref Unsafe.Add(ref c, 15 * ldc), cols, alphas, beta);
    }

    /// <summary>One row of a narrow tile into C: r = alpha * AB, then C = fma(beta, C, r), or C = r when beta is 0
    /// (C not read); only the first <paramref name="cols"/> elements are read or written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MergeNarrowRow<TLanes>(TLanes ab, ref float c, int cols, TLanes alphas, float beta)
        where TLanes : struct, ILanes16<TLanes>
    {
        TLanes r = TLanes.Multiply(ab, alphas);
        if (cols == Lanes16.Count)
        {
            if (beta != 0f) r = TLanes.FusedMultiplyAdd(TLanes.Create(beta), TLanes.Load(ref c), r);
            TLanes.Store(r, ref c);
        }
        else
        {
            if (beta != 0f) r = TLanes.FusedMultiplyAdd(TLanes.Create(beta), TLanes.LoadFirst(ref c, cols, 0f), r);
            TLanes.StoreFirst(r, ref c, cols);
        }
    }

    /// <summary>A tile's row count as a type (<see cref="NarrowTile"/> is compiled once per count).</summary>
    internal interface IRowCount
    {
        static abstract int Count { get; }
    }

    internal readonly struct Rows1 : IRowCount { public static int Count => 1; }

    internal readonly struct Rows2 : IRowCount { public static int Count => 2; }

    internal readonly struct Rows3 : IRowCount { public static int Count => 3; }

    internal readonly struct Rows4 : IRowCount { public static int Count => 4; }

    internal readonly struct Rows5 : IRowCount { public static int Count => 5; }

    internal readonly struct Rows6 : IRowCount { public static int Count => 6; }

    internal readonly struct Rows7 : IRowCount { public static int Count => 7; }

    internal readonly struct Rows8 : IRowCount { public static int Count => 8; }

    internal readonly struct Rows9 : IRowCount { public static int Count => 9; }

    internal readonly struct Rows10 : IRowCount { public static int Count => 10; }

    internal readonly struct Rows11 : IRowCount { public static int Count => 11; }

    internal readonly struct Rows12 : IRowCount { public static int Count => 12; }

    internal readonly struct Rows13 : IRowCount { public static int Count => 13; }

    internal readonly struct Rows14 : IRowCount { public static int Count => 14; }

    internal readonly struct Rows15 : IRowCount { public static int Count => 15; }

    internal readonly struct Rows16 : IRowCount { public static int Count => 16; }
}
