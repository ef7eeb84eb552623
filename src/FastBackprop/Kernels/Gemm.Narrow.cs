using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// Gemm's narrow path: products with one short side, the classifier layer of an MLP (784-256-128-10
// at batch B: forward NT m=B n=10 k=128, gradient TN m=10 n=128 k=B).
// The blocked path (Gemm.cs) pads such a product to its register tile and packs both operands:
// 10 columns run in a 16- or 32-column tile, every tile is an edge tile computed into scratch and
// merged element by element, and with 10 rows the packing of B costs as much as the multiply-adds
// that reuse it.
//
// Here the tile is R rows x 16 columns (4 without hardware vectors): per row one Vector512, two
// Vector256 or four Vector128 accumulators, R = 12 / 6 / 3 rows at those widths (12 accumulator
// registers: enough independent chains to cover the FMA latency; at 16 rows the JIT spilled four
// accumulators to the stack inside the loop). Per depth step it
// loads the 16 B values once and broadcasts R A values straight from A as stored. TN at 16 lanes
// (the gradient, whose columns are the layer's inputs) runs its whole 32-column tiles two Vector512
// per row instead (12 rows: 24 accumulators): each broadcast A value then feeds two multiply-adds,
// which measured 1.1-1.5x on TN shapes with m <= 16 (ab harness, 11/11 pairs); the columns past
// the last whole 32 take the 16-column tile, so no partial tile packs a 32-wide panel.
//
//   A   never packed: A(i, p) is read in place (a row walked forward for NT, R adjacent values of
//       one row of A for TN); a tile's rows are A's rows.
//   B   read in place where 16 of its columns are contiguous (TN, whole column tiles); otherwise
//       (NT, where a column of op(B) is a row of B, and the last partial column tile of TN) one
//       kc x 16 panel is packed, zero-padded, by Gemm.Pack.cs's routines: kc x 16 floats, small
//       next to the m x kc x 16 multiply-adds that read it.
//   C   partial column tiles are merged with masked loads and stores (the CPU's where it has
//       them), so no tile goes through scratch.
// Taken for NT with n <= 16 and TN with m <= 16, at the hardware vector tiers (the scalar tier
// keeps its 4 x 4 kernel). NN with a short depth (dX = dZ W of the same layer, k = 10) stays on
// the blocked path: its 32-column tile measured faster there.
//
// Bits: every element gets exactly Gemm's contract (Gemm.Microkernel.cs): p ascending, split at
// multiples of KC, each block's AB from +0 by one fma per term, r = alpha * AB rounded, then
// C = fma(beta', C, r) (beta' = beta on the first block, 1 after) or C = r when beta' is 0, and C
// is not read when beta' is 0. Lanes are independent, so the padded lanes of a partial tile never
// touch a valid one, and the result is the same bits as the blocked path on every tier.
// ---------------------------------------------------------------------------------------------

public static partial class Gemm
{
    /// <summary>The short side at or below which a product takes the narrow path: one 16-column tile.</summary>
    private const int NarrowLimit = 16;

    [ThreadStatic] private static float[]? narrowPanelBuffer;

    /// <summary>Whether <see cref="Multiply"/> takes the narrow path for this shape (hardware vectors only).</summary>
    internal static bool IsNarrow(GemmForm form, int m, int n) =>
        Vector128.IsHardwareAccelerated && ((form == GemmForm.NT && n <= NarrowLimit) || (form == GemmForm.TN && m <= NarrowLimit));

    /// <summary>The narrow path with registers of <typeparamref name="TSimd"/>, whatever the tier (for the tests that
    /// every width gives the same bits). The arguments are <see cref="Multiply"/>'s, already valid, with k &gt; 0 and
    /// alpha != 0; any form and shape works, narrow or not.</summary>
    internal static void MultiplyNarrowWith<TSimd, TVector>(GemmForm form, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
        where TSimd : ISimd<TVector>
        where TVector : struct
    {
        var operands = new Operands(form, m, n, k, alpha, ref MemoryMarshal.GetReference(a), lda,
            ref MemoryMarshal.GetReference(b), ldb, beta, ref MemoryMarshal.GetReference(c), ldc);
        DriveNarrow<TSimd, TVector>(ref operands);
    }

    /// <summary>The narrow path at the widest accelerated width that fits a 16-column tile.</summary>
    private static void MultiplyNarrow(ref Operands op)
    {
        var run = new NarrowRun(op);
        VectorDispatch.Run(NarrowLimit, ref run);
    }

    private ref struct NarrowRun(Operands op) : IVectorKernel
    {
        private Operands op = op;

        public void Run<TSimd, TVector>() where TSimd : ISimd<TVector> where TVector : struct => DriveNarrow<TSimd, TVector>(ref op);
    }

    /// <summary>Registers per tile row: 16 columns, at most 4 registers (so 4 columns without hardware vectors).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int NarrowVectors<TSimd, TVector>() where TSimd : ISimd<TVector> where TVector : struct =>
        TSimd.Count >= 4 ? NarrowLimit / TSimd.Count : 4;

    /// <summary>Picks the tile: 16 columns, or 32 for TN at 16 lanes (see the header), and its rows.</summary>
    private static void DriveNarrow<TSimd, TVector>(ref Operands op) where TSimd : ISimd<TVector> where TVector : struct
    {
        // Rows per tile: as many accumulators as the register file holds beside the B registers (see the header).
        int tileRows = TSimd.Count switch { 16 => 12, 8 => 6, 4 => 3, _ => 4 };
        int wide = TSimd.Count == 16 && op.Form == GemmForm.TN ? op.N / 32 * 32 : 0;
        if (wide > 0) DriveNarrow<TSimd, TVector, Rows2>(ref op, tileRows, 0, wide);
        if (wide == op.N) return;
        switch (NarrowVectors<TSimd, TVector>())
        {
            case 1: DriveNarrow<TSimd, TVector, Rows1>(ref op, tileRows, wide, op.N); break;
            case 2: DriveNarrow<TSimd, TVector, Rows2>(ref op, tileRows, wide, op.N); break;
            default: DriveNarrow<TSimd, TVector, Rows4>(ref op, tileRows, wide, op.N); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DriveNarrow<TSimd, TVector, TWidth>(ref Operands op, int tileRows, int firstColumn, int columnEnd)
        where TSimd : ISimd<TVector> where TVector : struct where TWidth : IRowCount
    {
        int width = TWidth.Count * TSimd.Count;
        ref float panel = ref AlignedScratch(ref narrowPanelBuffer, width * Math.Min(op.K, KC));
        bool transA = op.Form == GemmForm.TN;
        nint lda = op.Lda, ldb = op.Ldb, ldc = op.Ldc;
        // A(i, p) is at i * aRow + p * aDepth as stored.
        nint aRow = transA ? 1 : lda, aDepth = transA ? lda : 1;
        for (int pc = 0; pc < op.K; pc += KC)
        {
            int kc = Math.Min(KC, op.K - pc);
            float beta = pc == 0 ? op.Beta : 1f;  // later k blocks add to what the first wrote
            ref float aBlock = ref Unsafe.Add(ref op.A, pc * aDepth);
            for (int jc = firstColumn; jc < columnEnd; jc += width)
            {
                int cols = Math.Min(width, columnEnd - jc);
                ref float bPanel = ref panel;
                nint bDepth = width;
                if (op.Form == GemmForm.NT)
                {
                    Interleave(ref Unsafe.Add(ref op.B, jc * ldb + pc), ldb, cols, width, kc, ref panel);
                }
                else if (cols < width)
                {
                    // Reading a whole tile in place would run past the row (and the span) at the last row.
                    CopyRows(ref Unsafe.Add(ref op.B, pc * ldb + jc), ldb, cols, width, kc, ref panel);
                }
                else
                {
                    bPanel = ref Unsafe.Add(ref op.B, pc * ldb + jc);
                    bDepth = ldb;
                }
                for (int ir = 0; ir < op.M; ir += tileRows)
                {
                    NarrowRows<TSimd, TVector, TWidth>(Math.Min(tileRows, op.M - ir), kc, ref Unsafe.Add(ref aBlock, ir * aRow), aRow, aDepth,
                        ref bPanel, bDepth, ref Unsafe.Add(ref op.C, ir * ldc + jc), ldc, cols, op.Alpha, beta);
                }
            }
        }
    }

    /// <summary>The tile of <paramref name="rows"/> rows, the row count made a type so that each count gets its own
    /// straight-line kernel.</summary>
    private static void NarrowRows<TSimd, TVector, TWidth>(int rows, int kc, ref float a, nint aRow, nint aDepth, ref float b, nint bDepth,
        ref float c, nint ldc, int cols, float alpha, float beta) where TSimd : ISimd<TVector> where TVector : struct where TWidth : IRowCount
    {
        switch (rows)
        {
            case 1: NarrowTile<TSimd, TVector, Rows1, TWidth>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            case 2: NarrowTile<TSimd, TVector, Rows2, TWidth>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            case 3: NarrowTile<TSimd, TVector, Rows3, TWidth>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            case 4: NarrowTile<TSimd, TVector, Rows4, TWidth>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            case 5: NarrowTile<TSimd, TVector, Rows5, TWidth>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            case 6: NarrowTile<TSimd, TVector, Rows6, TWidth>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            case 7: NarrowTile<TSimd, TVector, Rows7, TWidth>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            case 8: NarrowTile<TSimd, TVector, Rows8, TWidth>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            case 9: NarrowTile<TSimd, TVector, Rows9, TWidth>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            case 10: NarrowTile<TSimd, TVector, Rows10, TWidth>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            case 11: NarrowTile<TSimd, TVector, Rows11, TWidth>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            case 12: NarrowTile<TSimd, TVector, Rows12, TWidth>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            case 13: NarrowTile<TSimd, TVector, Rows13, TWidth>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            case 14: NarrowTile<TSimd, TVector, Rows14, TWidth>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            case 15: NarrowTile<TSimd, TVector, Rows15, TWidth>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
            default: NarrowTile<TSimd, TVector, Rows16, TWidth>(kc, ref a, aRow, aDepth, ref b, bDepth, ref c, ldc, cols, alpha, beta); break;
        }
    }

    /// <summary>C[i, j] = alpha * Σ_q A(i, q) B(q, j) + beta * C[i, j] for i &lt; <typeparamref name="TRows"/>.Count,
    /// j &lt; <paramref name="cols"/>, q &lt; <paramref name="kc"/>, with A(i, q) at a[i * aRow + q * aDepth] and the
    /// tile's B(q, 0..width) at b[q * bDepth ..] (all readable); the contract's operations per element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void NarrowTile<TSimd, TVector, TRows, TWidth>(int kc, ref float a, nint aRow, nint aDepth, ref float b, nint bDepth,
        ref float c, nint ldc, int cols, float alpha, float beta)
        where TSimd : ISimd<TVector>
        where TVector : struct
        where TRows : IRowCount
        where TWidth : IRowCount
    {
        // JIT-time constants: the guards below fold away, leaving rows x vectors accumulators.
        int rows = TRows.Count, vectors = TWidth.Count;
        TVector c0_0 = TSimd.Zero, c0_1 = TSimd.Zero, c0_2 = TSimd.Zero, c0_3 = TSimd.Zero;
        TVector c1_0 = TSimd.Zero, c1_1 = TSimd.Zero, c1_2 = TSimd.Zero, c1_3 = TSimd.Zero;
        TVector c2_0 = TSimd.Zero, c2_1 = TSimd.Zero, c2_2 = TSimd.Zero, c2_3 = TSimd.Zero;
        TVector c3_0 = TSimd.Zero, c3_1 = TSimd.Zero, c3_2 = TSimd.Zero, c3_3 = TSimd.Zero;
        TVector c4_0 = TSimd.Zero, c4_1 = TSimd.Zero, c4_2 = TSimd.Zero, c4_3 = TSimd.Zero;
        TVector c5_0 = TSimd.Zero, c5_1 = TSimd.Zero, c5_2 = TSimd.Zero, c5_3 = TSimd.Zero;
        TVector c6_0 = TSimd.Zero, c6_1 = TSimd.Zero, c6_2 = TSimd.Zero, c6_3 = TSimd.Zero;
        TVector c7_0 = TSimd.Zero, c7_1 = TSimd.Zero, c7_2 = TSimd.Zero, c7_3 = TSimd.Zero;
        TVector c8_0 = TSimd.Zero, c8_1 = TSimd.Zero, c8_2 = TSimd.Zero, c8_3 = TSimd.Zero;
        TVector c9_0 = TSimd.Zero, c9_1 = TSimd.Zero, c9_2 = TSimd.Zero, c9_3 = TSimd.Zero;
        TVector c10_0 = TSimd.Zero, c10_1 = TSimd.Zero, c10_2 = TSimd.Zero, c10_3 = TSimd.Zero;
        TVector c11_0 = TSimd.Zero, c11_1 = TSimd.Zero, c11_2 = TSimd.Zero, c11_3 = TSimd.Zero;
        TVector c12_0 = TSimd.Zero, c12_1 = TSimd.Zero, c12_2 = TSimd.Zero, c12_3 = TSimd.Zero;
        TVector c13_0 = TSimd.Zero, c13_1 = TSimd.Zero, c13_2 = TSimd.Zero, c13_3 = TSimd.Zero;
        TVector c14_0 = TSimd.Zero, c14_1 = TSimd.Zero, c14_2 = TSimd.Zero, c14_3 = TSimd.Zero;
        TVector c15_0 = TSimd.Zero, c15_1 = TSimd.Zero, c15_2 = TSimd.Zero, c15_3 = TSimd.Zero;
        // Four base refs, one per group of four rows, each offset by 0..3 rows: few registers for any row stride.
        // A base past the tile's rows is never formed (it could point outside A).
        nint r1 = aRow, r2 = 2 * aRow, r3 = 3 * aRow;
        ref float a0 = ref a;
        ref float a4 = ref rows > 4 ? ref Unsafe.Add(ref a, 4 * aRow) : ref a;
        ref float a8 = ref rows > 8 ? ref Unsafe.Add(ref a, 8 * aRow) : ref a;
        ref float a12 = ref rows > 12 ? ref Unsafe.Add(ref a, 12 * aRow) : ref a;
        for (int q = 0; q < kc; q++)
        {
            TVector b0 = TSimd.Load(ref b);
            TVector b1 = vectors > 1 ? TSimd.Load(ref Unsafe.Add(ref b, TSimd.Count)) : TSimd.Zero;
            TVector b2 = vectors > 2 ? TSimd.Load(ref Unsafe.Add(ref b, 2 * TSimd.Count)) : TSimd.Zero;
            TVector b3 = vectors > 3 ? TSimd.Load(ref Unsafe.Add(ref b, 3 * TSimd.Count)) : TSimd.Zero;
            {
                TVector x0 = TSimd.Create(a0);
                c0_0 = TSimd.FusedMultiplyAdd(x0, b0, c0_0);
                if (vectors > 1) c0_1 = TSimd.FusedMultiplyAdd(x0, b1, c0_1);
                if (vectors > 2) c0_2 = TSimd.FusedMultiplyAdd(x0, b2, c0_2);
                if (vectors > 3) c0_3 = TSimd.FusedMultiplyAdd(x0, b3, c0_3);
            }
            if (rows > 1)
            {
                TVector x1 = TSimd.Create(Unsafe.Add(ref a0, r1));
                c1_0 = TSimd.FusedMultiplyAdd(x1, b0, c1_0);
                if (vectors > 1) c1_1 = TSimd.FusedMultiplyAdd(x1, b1, c1_1);
                if (vectors > 2) c1_2 = TSimd.FusedMultiplyAdd(x1, b2, c1_2);
                if (vectors > 3) c1_3 = TSimd.FusedMultiplyAdd(x1, b3, c1_3);
            }
            if (rows > 2)
            {
                TVector x2 = TSimd.Create(Unsafe.Add(ref a0, r2));
                c2_0 = TSimd.FusedMultiplyAdd(x2, b0, c2_0);
                if (vectors > 1) c2_1 = TSimd.FusedMultiplyAdd(x2, b1, c2_1);
                if (vectors > 2) c2_2 = TSimd.FusedMultiplyAdd(x2, b2, c2_2);
                if (vectors > 3) c2_3 = TSimd.FusedMultiplyAdd(x2, b3, c2_3);
            }
            if (rows > 3)
            {
                TVector x3 = TSimd.Create(Unsafe.Add(ref a0, r3));
                c3_0 = TSimd.FusedMultiplyAdd(x3, b0, c3_0);
                if (vectors > 1) c3_1 = TSimd.FusedMultiplyAdd(x3, b1, c3_1);
                if (vectors > 2) c3_2 = TSimd.FusedMultiplyAdd(x3, b2, c3_2);
                if (vectors > 3) c3_3 = TSimd.FusedMultiplyAdd(x3, b3, c3_3);
            }
            if (rows > 4)
            {
                TVector x4 = TSimd.Create(a4);
                c4_0 = TSimd.FusedMultiplyAdd(x4, b0, c4_0);
                if (vectors > 1) c4_1 = TSimd.FusedMultiplyAdd(x4, b1, c4_1);
                if (vectors > 2) c4_2 = TSimd.FusedMultiplyAdd(x4, b2, c4_2);
                if (vectors > 3) c4_3 = TSimd.FusedMultiplyAdd(x4, b3, c4_3);
            }
            if (rows > 5)
            {
                TVector x5 = TSimd.Create(Unsafe.Add(ref a4, r1));
                c5_0 = TSimd.FusedMultiplyAdd(x5, b0, c5_0);
                if (vectors > 1) c5_1 = TSimd.FusedMultiplyAdd(x5, b1, c5_1);
                if (vectors > 2) c5_2 = TSimd.FusedMultiplyAdd(x5, b2, c5_2);
                if (vectors > 3) c5_3 = TSimd.FusedMultiplyAdd(x5, b3, c5_3);
            }
            if (rows > 6)
            {
                TVector x6 = TSimd.Create(Unsafe.Add(ref a4, r2));
                c6_0 = TSimd.FusedMultiplyAdd(x6, b0, c6_0);
                if (vectors > 1) c6_1 = TSimd.FusedMultiplyAdd(x6, b1, c6_1);
                if (vectors > 2) c6_2 = TSimd.FusedMultiplyAdd(x6, b2, c6_2);
                if (vectors > 3) c6_3 = TSimd.FusedMultiplyAdd(x6, b3, c6_3);
            }
            if (rows > 7)
            {
                TVector x7 = TSimd.Create(Unsafe.Add(ref a4, r3));
                c7_0 = TSimd.FusedMultiplyAdd(x7, b0, c7_0);
                if (vectors > 1) c7_1 = TSimd.FusedMultiplyAdd(x7, b1, c7_1);
                if (vectors > 2) c7_2 = TSimd.FusedMultiplyAdd(x7, b2, c7_2);
                if (vectors > 3) c7_3 = TSimd.FusedMultiplyAdd(x7, b3, c7_3);
            }
            if (rows > 8)
            {
                TVector x8 = TSimd.Create(a8);
                c8_0 = TSimd.FusedMultiplyAdd(x8, b0, c8_0);
                if (vectors > 1) c8_1 = TSimd.FusedMultiplyAdd(x8, b1, c8_1);
                if (vectors > 2) c8_2 = TSimd.FusedMultiplyAdd(x8, b2, c8_2);
                if (vectors > 3) c8_3 = TSimd.FusedMultiplyAdd(x8, b3, c8_3);
            }
            if (rows > 9)
            {
                TVector x9 = TSimd.Create(Unsafe.Add(ref a8, r1));
                c9_0 = TSimd.FusedMultiplyAdd(x9, b0, c9_0);
                if (vectors > 1) c9_1 = TSimd.FusedMultiplyAdd(x9, b1, c9_1);
                if (vectors > 2) c9_2 = TSimd.FusedMultiplyAdd(x9, b2, c9_2);
                if (vectors > 3) c9_3 = TSimd.FusedMultiplyAdd(x9, b3, c9_3);
            }
            if (rows > 10)
            {
                TVector x10 = TSimd.Create(Unsafe.Add(ref a8, r2));
                c10_0 = TSimd.FusedMultiplyAdd(x10, b0, c10_0);
                if (vectors > 1) c10_1 = TSimd.FusedMultiplyAdd(x10, b1, c10_1);
                if (vectors > 2) c10_2 = TSimd.FusedMultiplyAdd(x10, b2, c10_2);
                if (vectors > 3) c10_3 = TSimd.FusedMultiplyAdd(x10, b3, c10_3);
            }
            if (rows > 11)
            {
                TVector x11 = TSimd.Create(Unsafe.Add(ref a8, r3));
                c11_0 = TSimd.FusedMultiplyAdd(x11, b0, c11_0);
                if (vectors > 1) c11_1 = TSimd.FusedMultiplyAdd(x11, b1, c11_1);
                if (vectors > 2) c11_2 = TSimd.FusedMultiplyAdd(x11, b2, c11_2);
                if (vectors > 3) c11_3 = TSimd.FusedMultiplyAdd(x11, b3, c11_3);
            }
            if (rows > 12)
            {
                TVector x12 = TSimd.Create(a12);
                c12_0 = TSimd.FusedMultiplyAdd(x12, b0, c12_0);
                if (vectors > 1) c12_1 = TSimd.FusedMultiplyAdd(x12, b1, c12_1);
                if (vectors > 2) c12_2 = TSimd.FusedMultiplyAdd(x12, b2, c12_2);
                if (vectors > 3) c12_3 = TSimd.FusedMultiplyAdd(x12, b3, c12_3);
            }
            if (rows > 13)
            {
                TVector x13 = TSimd.Create(Unsafe.Add(ref a12, r1));
                c13_0 = TSimd.FusedMultiplyAdd(x13, b0, c13_0);
                if (vectors > 1) c13_1 = TSimd.FusedMultiplyAdd(x13, b1, c13_1);
                if (vectors > 2) c13_2 = TSimd.FusedMultiplyAdd(x13, b2, c13_2);
                if (vectors > 3) c13_3 = TSimd.FusedMultiplyAdd(x13, b3, c13_3);
            }
            if (rows > 14)
            {
                TVector x14 = TSimd.Create(Unsafe.Add(ref a12, r2));
                c14_0 = TSimd.FusedMultiplyAdd(x14, b0, c14_0);
                if (vectors > 1) c14_1 = TSimd.FusedMultiplyAdd(x14, b1, c14_1);
                if (vectors > 2) c14_2 = TSimd.FusedMultiplyAdd(x14, b2, c14_2);
                if (vectors > 3) c14_3 = TSimd.FusedMultiplyAdd(x14, b3, c14_3);
            }
            if (rows > 15)
            {
                TVector x15 = TSimd.Create(Unsafe.Add(ref a12, r3));
                c15_0 = TSimd.FusedMultiplyAdd(x15, b0, c15_0);
                if (vectors > 1) c15_1 = TSimd.FusedMultiplyAdd(x15, b1, c15_1);
                if (vectors > 2) c15_2 = TSimd.FusedMultiplyAdd(x15, b2, c15_2);
                if (vectors > 3) c15_3 = TSimd.FusedMultiplyAdd(x15, b3, c15_3);
            }
            a0 = ref Unsafe.Add(ref a0, aDepth);
            if (rows > 4) a4 = ref Unsafe.Add(ref a4, aDepth);
            if (rows > 8) a8 = ref Unsafe.Add(ref a8, aDepth);
            if (rows > 12) a12 = ref Unsafe.Add(ref a12, aDepth);
            b = ref Unsafe.Add(ref b, bDepth);
        }
        {
            MergeNarrow<TSimd, TVector>(c0_0, ref c, cols, alpha, beta);
            if (vectors > 1 && cols > TSimd.Count) MergeNarrow<TSimd, TVector>(c0_1, ref Unsafe.Add(ref c, TSimd.Count), cols - (TSimd.Count), alpha, beta);
            if (vectors > 2 && cols > 2 * TSimd.Count) MergeNarrow<TSimd, TVector>(c0_2, ref Unsafe.Add(ref c, 2 * TSimd.Count), cols - (2 * TSimd.Count), alpha, beta);
            if (vectors > 3 && cols > 3 * TSimd.Count) MergeNarrow<TSimd, TVector>(c0_3, ref Unsafe.Add(ref c, 3 * TSimd.Count), cols - (3 * TSimd.Count), alpha, beta);
        }
        if (rows > 1)
        {
            MergeNarrow<TSimd, TVector>(c1_0, ref Unsafe.Add(ref c, 1 * ldc), cols, alpha, beta);
            if (vectors > 1 && cols > TSimd.Count) MergeNarrow<TSimd, TVector>(c1_1, ref Unsafe.Add(ref c, 1 * ldc + TSimd.Count), cols - (TSimd.Count), alpha, beta);
            if (vectors > 2 && cols > 2 * TSimd.Count) MergeNarrow<TSimd, TVector>(c1_2, ref Unsafe.Add(ref c, 1 * ldc + 2 * TSimd.Count), cols - (2 * TSimd.Count), alpha, beta);
            if (vectors > 3 && cols > 3 * TSimd.Count) MergeNarrow<TSimd, TVector>(c1_3, ref Unsafe.Add(ref c, 1 * ldc + 3 * TSimd.Count), cols - (3 * TSimd.Count), alpha, beta);
        }
        if (rows > 2)
        {
            MergeNarrow<TSimd, TVector>(c2_0, ref Unsafe.Add(ref c, 2 * ldc), cols, alpha, beta);
            if (vectors > 1 && cols > TSimd.Count) MergeNarrow<TSimd, TVector>(c2_1, ref Unsafe.Add(ref c, 2 * ldc + TSimd.Count), cols - (TSimd.Count), alpha, beta);
            if (vectors > 2 && cols > 2 * TSimd.Count) MergeNarrow<TSimd, TVector>(c2_2, ref Unsafe.Add(ref c, 2 * ldc + 2 * TSimd.Count), cols - (2 * TSimd.Count), alpha, beta);
            if (vectors > 3 && cols > 3 * TSimd.Count) MergeNarrow<TSimd, TVector>(c2_3, ref Unsafe.Add(ref c, 2 * ldc + 3 * TSimd.Count), cols - (3 * TSimd.Count), alpha, beta);
        }
        if (rows > 3)
        {
            MergeNarrow<TSimd, TVector>(c3_0, ref Unsafe.Add(ref c, 3 * ldc), cols, alpha, beta);
            if (vectors > 1 && cols > TSimd.Count) MergeNarrow<TSimd, TVector>(c3_1, ref Unsafe.Add(ref c, 3 * ldc + TSimd.Count), cols - (TSimd.Count), alpha, beta);
            if (vectors > 2 && cols > 2 * TSimd.Count) MergeNarrow<TSimd, TVector>(c3_2, ref Unsafe.Add(ref c, 3 * ldc + 2 * TSimd.Count), cols - (2 * TSimd.Count), alpha, beta);
            if (vectors > 3 && cols > 3 * TSimd.Count) MergeNarrow<TSimd, TVector>(c3_3, ref Unsafe.Add(ref c, 3 * ldc + 3 * TSimd.Count), cols - (3 * TSimd.Count), alpha, beta);
        }
        if (rows > 4)
        {
            MergeNarrow<TSimd, TVector>(c4_0, ref Unsafe.Add(ref c, 4 * ldc), cols, alpha, beta);
            if (vectors > 1 && cols > TSimd.Count) MergeNarrow<TSimd, TVector>(c4_1, ref Unsafe.Add(ref c, 4 * ldc + TSimd.Count), cols - (TSimd.Count), alpha, beta);
            if (vectors > 2 && cols > 2 * TSimd.Count) MergeNarrow<TSimd, TVector>(c4_2, ref Unsafe.Add(ref c, 4 * ldc + 2 * TSimd.Count), cols - (2 * TSimd.Count), alpha, beta);
            if (vectors > 3 && cols > 3 * TSimd.Count) MergeNarrow<TSimd, TVector>(c4_3, ref Unsafe.Add(ref c, 4 * ldc + 3 * TSimd.Count), cols - (3 * TSimd.Count), alpha, beta);
        }
        if (rows > 5)
        {
            MergeNarrow<TSimd, TVector>(c5_0, ref Unsafe.Add(ref c, 5 * ldc), cols, alpha, beta);
            if (vectors > 1 && cols > TSimd.Count) MergeNarrow<TSimd, TVector>(c5_1, ref Unsafe.Add(ref c, 5 * ldc + TSimd.Count), cols - (TSimd.Count), alpha, beta);
            if (vectors > 2 && cols > 2 * TSimd.Count) MergeNarrow<TSimd, TVector>(c5_2, ref Unsafe.Add(ref c, 5 * ldc + 2 * TSimd.Count), cols - (2 * TSimd.Count), alpha, beta);
            if (vectors > 3 && cols > 3 * TSimd.Count) MergeNarrow<TSimd, TVector>(c5_3, ref Unsafe.Add(ref c, 5 * ldc + 3 * TSimd.Count), cols - (3 * TSimd.Count), alpha, beta);
        }
        if (rows > 6)
        {
            MergeNarrow<TSimd, TVector>(c6_0, ref Unsafe.Add(ref c, 6 * ldc), cols, alpha, beta);
            if (vectors > 1 && cols > TSimd.Count) MergeNarrow<TSimd, TVector>(c6_1, ref Unsafe.Add(ref c, 6 * ldc + TSimd.Count), cols - (TSimd.Count), alpha, beta);
            if (vectors > 2 && cols > 2 * TSimd.Count) MergeNarrow<TSimd, TVector>(c6_2, ref Unsafe.Add(ref c, 6 * ldc + 2 * TSimd.Count), cols - (2 * TSimd.Count), alpha, beta);
            if (vectors > 3 && cols > 3 * TSimd.Count) MergeNarrow<TSimd, TVector>(c6_3, ref Unsafe.Add(ref c, 6 * ldc + 3 * TSimd.Count), cols - (3 * TSimd.Count), alpha, beta);
        }
        if (rows > 7)
        {
            MergeNarrow<TSimd, TVector>(c7_0, ref Unsafe.Add(ref c, 7 * ldc), cols, alpha, beta);
            if (vectors > 1 && cols > TSimd.Count) MergeNarrow<TSimd, TVector>(c7_1, ref Unsafe.Add(ref c, 7 * ldc + TSimd.Count), cols - (TSimd.Count), alpha, beta);
            if (vectors > 2 && cols > 2 * TSimd.Count) MergeNarrow<TSimd, TVector>(c7_2, ref Unsafe.Add(ref c, 7 * ldc + 2 * TSimd.Count), cols - (2 * TSimd.Count), alpha, beta);
            if (vectors > 3 && cols > 3 * TSimd.Count) MergeNarrow<TSimd, TVector>(c7_3, ref Unsafe.Add(ref c, 7 * ldc + 3 * TSimd.Count), cols - (3 * TSimd.Count), alpha, beta);
        }
        if (rows > 8)
        {
            MergeNarrow<TSimd, TVector>(c8_0, ref Unsafe.Add(ref c, 8 * ldc), cols, alpha, beta);
            if (vectors > 1 && cols > TSimd.Count) MergeNarrow<TSimd, TVector>(c8_1, ref Unsafe.Add(ref c, 8 * ldc + TSimd.Count), cols - (TSimd.Count), alpha, beta);
            if (vectors > 2 && cols > 2 * TSimd.Count) MergeNarrow<TSimd, TVector>(c8_2, ref Unsafe.Add(ref c, 8 * ldc + 2 * TSimd.Count), cols - (2 * TSimd.Count), alpha, beta);
            if (vectors > 3 && cols > 3 * TSimd.Count) MergeNarrow<TSimd, TVector>(c8_3, ref Unsafe.Add(ref c, 8 * ldc + 3 * TSimd.Count), cols - (3 * TSimd.Count), alpha, beta);
        }
        if (rows > 9)
        {
            MergeNarrow<TSimd, TVector>(c9_0, ref Unsafe.Add(ref c, 9 * ldc), cols, alpha, beta);
            if (vectors > 1 && cols > TSimd.Count) MergeNarrow<TSimd, TVector>(c9_1, ref Unsafe.Add(ref c, 9 * ldc + TSimd.Count), cols - (TSimd.Count), alpha, beta);
            if (vectors > 2 && cols > 2 * TSimd.Count) MergeNarrow<TSimd, TVector>(c9_2, ref Unsafe.Add(ref c, 9 * ldc + 2 * TSimd.Count), cols - (2 * TSimd.Count), alpha, beta);
            if (vectors > 3 && cols > 3 * TSimd.Count) MergeNarrow<TSimd, TVector>(c9_3, ref Unsafe.Add(ref c, 9 * ldc + 3 * TSimd.Count), cols - (3 * TSimd.Count), alpha, beta);
        }
        if (rows > 10)
        {
            MergeNarrow<TSimd, TVector>(c10_0, ref Unsafe.Add(ref c, 10 * ldc), cols, alpha, beta);
            if (vectors > 1 && cols > TSimd.Count) MergeNarrow<TSimd, TVector>(c10_1, ref Unsafe.Add(ref c, 10 * ldc + TSimd.Count), cols - (TSimd.Count), alpha, beta);
            if (vectors > 2 && cols > 2 * TSimd.Count) MergeNarrow<TSimd, TVector>(c10_2, ref Unsafe.Add(ref c, 10 * ldc + 2 * TSimd.Count), cols - (2 * TSimd.Count), alpha, beta);
            if (vectors > 3 && cols > 3 * TSimd.Count) MergeNarrow<TSimd, TVector>(c10_3, ref Unsafe.Add(ref c, 10 * ldc + 3 * TSimd.Count), cols - (3 * TSimd.Count), alpha, beta);
        }
        if (rows > 11)
        {
            MergeNarrow<TSimd, TVector>(c11_0, ref Unsafe.Add(ref c, 11 * ldc), cols, alpha, beta);
            if (vectors > 1 && cols > TSimd.Count) MergeNarrow<TSimd, TVector>(c11_1, ref Unsafe.Add(ref c, 11 * ldc + TSimd.Count), cols - (TSimd.Count), alpha, beta);
            if (vectors > 2 && cols > 2 * TSimd.Count) MergeNarrow<TSimd, TVector>(c11_2, ref Unsafe.Add(ref c, 11 * ldc + 2 * TSimd.Count), cols - (2 * TSimd.Count), alpha, beta);
            if (vectors > 3 && cols > 3 * TSimd.Count) MergeNarrow<TSimd, TVector>(c11_3, ref Unsafe.Add(ref c, 11 * ldc + 3 * TSimd.Count), cols - (3 * TSimd.Count), alpha, beta);
        }
        if (rows > 12)
        {
            MergeNarrow<TSimd, TVector>(c12_0, ref Unsafe.Add(ref c, 12 * ldc), cols, alpha, beta);
            if (vectors > 1 && cols > TSimd.Count) MergeNarrow<TSimd, TVector>(c12_1, ref Unsafe.Add(ref c, 12 * ldc + TSimd.Count), cols - (TSimd.Count), alpha, beta);
            if (vectors > 2 && cols > 2 * TSimd.Count) MergeNarrow<TSimd, TVector>(c12_2, ref Unsafe.Add(ref c, 12 * ldc + 2 * TSimd.Count), cols - (2 * TSimd.Count), alpha, beta);
            if (vectors > 3 && cols > 3 * TSimd.Count) MergeNarrow<TSimd, TVector>(c12_3, ref Unsafe.Add(ref c, 12 * ldc + 3 * TSimd.Count), cols - (3 * TSimd.Count), alpha, beta);
        }
        if (rows > 13)
        {
            MergeNarrow<TSimd, TVector>(c13_0, ref Unsafe.Add(ref c, 13 * ldc), cols, alpha, beta);
            if (vectors > 1 && cols > TSimd.Count) MergeNarrow<TSimd, TVector>(c13_1, ref Unsafe.Add(ref c, 13 * ldc + TSimd.Count), cols - (TSimd.Count), alpha, beta);
            if (vectors > 2 && cols > 2 * TSimd.Count) MergeNarrow<TSimd, TVector>(c13_2, ref Unsafe.Add(ref c, 13 * ldc + 2 * TSimd.Count), cols - (2 * TSimd.Count), alpha, beta);
            if (vectors > 3 && cols > 3 * TSimd.Count) MergeNarrow<TSimd, TVector>(c13_3, ref Unsafe.Add(ref c, 13 * ldc + 3 * TSimd.Count), cols - (3 * TSimd.Count), alpha, beta);
        }
        if (rows > 14)
        {
            MergeNarrow<TSimd, TVector>(c14_0, ref Unsafe.Add(ref c, 14 * ldc), cols, alpha, beta);
            if (vectors > 1 && cols > TSimd.Count) MergeNarrow<TSimd, TVector>(c14_1, ref Unsafe.Add(ref c, 14 * ldc + TSimd.Count), cols - (TSimd.Count), alpha, beta);
            if (vectors > 2 && cols > 2 * TSimd.Count) MergeNarrow<TSimd, TVector>(c14_2, ref Unsafe.Add(ref c, 14 * ldc + 2 * TSimd.Count), cols - (2 * TSimd.Count), alpha, beta);
            if (vectors > 3 && cols > 3 * TSimd.Count) MergeNarrow<TSimd, TVector>(c14_3, ref Unsafe.Add(ref c, 14 * ldc + 3 * TSimd.Count), cols - (3 * TSimd.Count), alpha, beta);
        }
        if (rows > 15)
        {
            MergeNarrow<TSimd, TVector>(c15_0, ref Unsafe.Add(ref c, 15 * ldc), cols, alpha, beta);
            if (vectors > 1 && cols > TSimd.Count) MergeNarrow<TSimd, TVector>(c15_1, ref Unsafe.Add(ref c, 15 * ldc + TSimd.Count), cols - (TSimd.Count), alpha, beta);
            if (vectors > 2 && cols > 2 * TSimd.Count) MergeNarrow<TSimd, TVector>(c15_2, ref Unsafe.Add(ref c, 15 * ldc + 2 * TSimd.Count), cols - (2 * TSimd.Count), alpha, beta);
            if (vectors > 3 && cols > 3 * TSimd.Count) MergeNarrow<TSimd, TVector>(c15_3, ref Unsafe.Add(ref c, 15 * ldc + 3 * TSimd.Count), cols - (3 * TSimd.Count), alpha, beta);
        }
    }

    /// <summary>One register of a tile row into C, its first min(<paramref name="cols"/>, Count) lanes: r = alpha * AB,
    /// then C = fma(beta, C, r), or C = r when beta is 0 (C not read); nothing past those lanes is read or written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MergeNarrow<TSimd, TVector>(TVector ab, ref float c, int cols, float alpha, float beta)
        where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector r = TSimd.Multiply(ab, TSimd.Create(alpha));
        if (cols >= TSimd.Count)
        {
            if (beta != 0f) r = TSimd.FusedMultiplyAdd(TSimd.Create(beta), TSimd.Load(ref c), r);
            TSimd.Store(r, ref c);
        }
        else
        {
            if (beta != 0f) r = TSimd.FusedMultiplyAdd(TSimd.Create(beta), LoadFirst<TSimd, TVector>(ref c, cols), r);
            StoreFirst<TSimd, TVector>(r, ref c, cols);
        }
    }

    /// <summary>Lanes 0 .. count-1 from <paramref name="source"/>, the others +0; reads nothing at or past
    /// <paramref name="source"/>[count] (a masked load where the CPU has one). 0 &lt; count &lt; Count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe TVector LoadFirst<TSimd, TVector>(ref float source, int count) where TSimd : ISimd<TVector> where TVector : struct
    {
        fixed (float* p = &source)
        {
            if (typeof(TVector) == typeof(Vector512<float>) && Avx512F.IsSupported)
            {
                Vector512<float> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();
                return Unsafe.BitCast<Vector512<float>, TVector>(Avx512F.MaskLoad(p, mask, Vector512<float>.Zero));
            }
            if (typeof(TVector) == typeof(Vector256<float>) && Avx.IsSupported)
            {
                Vector256<float> mask = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle();
                return Unsafe.BitCast<Vector256<float>, TVector>(Avx.MaskLoad(p, mask));
            }
            if (typeof(TVector) == typeof(Vector128<float>) && Avx.IsSupported)
            {
                Vector128<float> mask = Vector128.LessThan(Vector128<int>.Indices, Vector128.Create(count)).AsSingle();
                return Unsafe.BitCast<Vector128<float>, TVector>(Avx.MaskLoad(p, mask));
            }
        }
        Block16 block = default;
        MemoryMarshal.CreateReadOnlySpan(ref source, count).CopyTo(block);
        return TSimd.Load(ref Unsafe.As<Block16, float>(ref block));
    }

    /// <summary>Stores lanes 0 .. count-1 at <paramref name="destination"/>; writes nothing at or past
    /// <paramref name="destination"/>[count] (a masked store where the CPU has one). 0 &lt; count &lt; Count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreFirst<TSimd, TVector>(TVector value, ref float destination, int count)
        where TSimd : ISimd<TVector> where TVector : struct
    {
        fixed (float* p = &destination)
        {
            if (typeof(TVector) == typeof(Vector512<float>) && Avx512F.IsSupported)
            {
                Vector512<float> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();
                Avx512F.MaskStore(p, mask, Unsafe.BitCast<TVector, Vector512<float>>(value));
                return;
            }
            if (typeof(TVector) == typeof(Vector256<float>) && Avx.IsSupported)
            {
                Vector256<float> mask = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle();
                Avx.MaskStore(p, mask, Unsafe.BitCast<TVector, Vector256<float>>(value));
                return;
            }
            if (typeof(TVector) == typeof(Vector128<float>) && Avx.IsSupported)
            {
                Vector128<float> mask = Vector128.LessThan(Vector128<int>.Indices, Vector128.Create(count)).AsSingle();
                Avx.MaskStore(p, mask, Unsafe.BitCast<TVector, Vector128<float>>(value));
                return;
            }
        }
        Block16 block = default;
        TSimd.Store(value, ref Unsafe.As<Block16, float>(ref block));
        ((ReadOnlySpan<float>)block)[..count].CopyTo(MemoryMarshal.CreateSpan(ref destination, count));
    }

    /// <summary>A tile's row count as a type (<see cref="NarrowTile"/> is compiled once per count).</summary>
    internal interface IRowCount
    {
        static abstract int Count { get; }
    }

    internal readonly struct Rows1 : IRowCount
    {
        public static int Count => 1;
    }

    internal readonly struct Rows2 : IRowCount
    {
        public static int Count => 2;
    }

    internal readonly struct Rows3 : IRowCount
    {
        public static int Count => 3;
    }

    internal readonly struct Rows4 : IRowCount
    {
        public static int Count => 4;
    }

    internal readonly struct Rows5 : IRowCount
    {
        public static int Count => 5;
    }

    internal readonly struct Rows6 : IRowCount
    {
        public static int Count => 6;
    }

    internal readonly struct Rows7 : IRowCount
    {
        public static int Count => 7;
    }

    internal readonly struct Rows8 : IRowCount
    {
        public static int Count => 8;
    }

    internal readonly struct Rows9 : IRowCount
    {
        public static int Count => 9;
    }

    internal readonly struct Rows10 : IRowCount
    {
        public static int Count => 10;
    }

    internal readonly struct Rows11 : IRowCount
    {
        public static int Count => 11;
    }

    internal readonly struct Rows12 : IRowCount
    {
        public static int Count => 12;
    }

    internal readonly struct Rows13 : IRowCount
    {
        public static int Count => 13;
    }

    internal readonly struct Rows14 : IRowCount
    {
        public static int Count => 14;
    }

    internal readonly struct Rows15 : IRowCount
    {
        public static int Count => 15;
    }

    internal readonly struct Rows16 : IRowCount
    {
        public static int Count => 16;
    }
}
