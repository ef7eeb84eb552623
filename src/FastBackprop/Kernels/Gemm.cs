using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// Gemm: the batched products of mini-batch training.
//
//   C = alpha * op(A) op(B) + beta * C          (all row-major)
//
//   NN  C = A B      A is m x k (lda >= k), B is k x n (ldb >= n)   backward  dX = dZ W
//   NT  C = A B^T    A is m x k (lda >= k), B is n x k (ldb >= k)   forward   Z  = X W^T
//   TN  C = A^T B    A is k x m (lda >= m), B is k x n (ldb >= n)   gradient  dW = dZ^T X
//
// C is m x n (ldc >= n). Element (i, j) of a matrix with leading dimension ld is at i * ld + j;
// a span need only reach the last element it holds ((rows - 1) * ld + cols), as in BLAS.
// Caller guarantees: nothing (lengths, leading dimensions and overlap of C with A or B are checked).
// Kernel handles: any m, n, k >= 0, every edge tile, any leading dimension >= the row width.
// Kernel never: reads C when beta == 0 (NaN in C does not propagate, as in BLAS); reads A or B
// when alpha == 0 or k == 0; allocates in steady state (see the packing buffers below).
//
// Structure (BLIS, "Anatomy of High-Performance Many-Threaded Matrix Multiplication", Smith et
// al. 2014), transposed to row-major: the vector direction of the register tile is n, so a row
// of B feeds vector loads and an element of A is broadcast.
//
//   for ic in m by MC              A block  (MC x KC, packed once per (ic, pc))   -> L3
//     for pc in k by KC            beta applies on the first pc only; later blocks accumulate
//       pack A(ic.., pc..) into MR-row panels
//       for jc in n by NC          B block  (KC x NC, packed)                     -> L2
//         pack B(pc.., jc..) into NR-column panels
//         for ir in mc by MR       A micro-panel (MR x KC), reused for every jr   -> L1
//           the caller's Prepare of this panel of C, on the first pc (Gemm.Panels.cs)
//           for jr in nc by NR     B micro-panel (KC x NR) streamed from L2
//             microkernel: MR x NR tile of C += A micro-panel * B micro-panel,
//                          hinting the next B block's source (Gemm.Prefetch.cs)
//           the caller's Finish of the panel, on the last pc (it is still in L2)
//
// Block sizes, for one Zen 5 core (48 KiB L1d, 1 MiB L2, 32 MiB L3 shared) and the 12 x 32
// Vector512 tile (the 8 x 32 tile, chosen when m pads badly to 12 rows, needs less of each):
//   KC = 256  The A micro-panel is MR x KC = 12 x 256 x 4 B = 12 KiB: a quarter of L1d, so it
//             stays resident while each 32 KiB B micro-panel streams past it (LRU keeps the
//             panel that is touched every iteration). Each microkernel call loads and stores its
//             12 x 32 C tile once per KC multiply-adds per element: at KC = 256 the C traffic is
//             under 1% of the FMA work.
//   NC = 256  The packed B block is KC x NC x 4 B = 256 KiB: a quarter of a 1 MiB L2 (Zen 4),
//             leaving room for the A micro-panels passing through, the C lines being updated and
//             the next B block's source, which the microkernels hint into L2 while they work on
//             this one (Gemm.Prefetch.cs). Every B micro-panel is re-read from L2 once per MR rows
//             of A: 2 vector loads per 24 FMAs, far below L2 bandwidth. With the hints, 256 ran
//             784-2048-2048-10 steps about 1% faster than 512 (and 5% faster than 512 without
//             hints), the same on resident shapes; without them 256 had gained nothing.
//   MC = 1536 The packed A block is MC x KC x 4 B = 1.5 MiB, which lives in L3 (32 MiB shared
//             by 8 cores leaves 4 MiB per core) and is streamed once per B block. A large MC
//             means B is packed once for the usual MLP batch sizes (64..1024 rows).
// The narrower tiers keep KC and NC (their tiles are smaller, so the same blocks fit with more
// margin) and round MC to a multiple of their MR (1536 is a multiple of 12, 6 and 4).
// KC is the one block size that shows in the bits: an element's sum over p is split at
// multiples of KC and merged into C block by block (Gemm.Microkernel.cs: the arithmetic). It is
// one constant for every kernel and tier, so the split, and with it every bit of C, is the same
// everywhere. MC and NC only decide which elements are computed when.
// The same numbers suit the Intel Sapphire/Emerald Rapids hosts also seen here (48 KiB L1d,
// 2 MiB L2): there the B block takes an eighth of L2.
//
// Packing buffers: one pair per thread, [ThreadStatic], grown on demand to the largest block
// this thread has needed (at most (MC + NC) x KC floats = 1.75 MiB) and kept, so that steady-state
// calls do not allocate. Caller-provided scratch would put a buffer in every signature, and
// ArrayPool returns arrays without 64-byte alignment; a pinned array whose panels start on a
// 64-byte boundary keeps every 32-float row of a B panel in two whole cache lines.
// ---------------------------------------------------------------------------------------------

/// <summary>Which operands of <see cref="Gemm.Multiply"/> are transposed. All matrices are row-major.</summary>
public enum GemmForm
{
    /// <summary><c>C = alpha * A B + beta * C</c>: A is m x k, B is k x n (backward: <c>dX = dZ W</c>).</summary>
    NN,

    /// <summary><c>C = alpha * A B^T + beta * C</c>: A is m x k, B is n x k (forward: <c>Z = X W^T</c>).</summary>
    NT,

    /// <summary><c>C = alpha * A^T B + beta * C</c>: A is k x m, B is k x n (weight gradient: <c>dW = dZ^T X</c>).</summary>
    TN,
}

/// <summary>General matrix-matrix product over row-major float spans, cache-blocked and packed
/// around a register-tile microkernel per vector width (BLIS structure).</summary>
public static partial class Gemm
{
    /// <summary>The depth block: every element's sum over p is split at multiples of KC (the one blocking constant that
    /// shows in the bits; see the header).</summary>
    internal const int KC = 256;
    private const int NC = 256;
    private const int MC = 1536;

    /// <summary>Effectively computes <c>C[i, j] = alpha * Σ_p opA[i, p] * opB[p, j] + beta * C[i, j]</c>
    /// for <c>i</c> in <c>[0, m)</c>, <c>j</c> in <c>[0, n)</c>, <c>p</c> in <c>[0, k)</c>, where
    /// <c>C[i, j] = c[i * ldc + j]</c> and, by <paramref name="form"/>:
    /// <list type="bullet">
    /// <item><see cref="GemmForm.NN"/>: <c>opA[i, p] = a[i * lda + p]</c>, <c>opB[p, j] = b[p * ldb + j]</c>;</item>
    /// <item><see cref="GemmForm.NT"/>: <c>opA[i, p] = a[i * lda + p]</c>, <c>opB[p, j] = b[j * ldb + p]</c>;</item>
    /// <item><see cref="GemmForm.TN"/>: <c>opA[i, p] = a[p * lda + i]</c>, <c>opB[p, j] = b[p * ldb + j]</c>.</item>
    /// </list></summary>
    /// <param name="form">Which operands are transposed.</param>
    /// <param name="m">Rows of C (and of op(A)).</param>
    /// <param name="n">Columns of C (and of op(B)).</param>
    /// <param name="k">The inner dimension: columns of op(A), rows of op(B).</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">Row-major A: m x k for NN and NT, k x m for TN; length at least
    /// <c>(rows - 1) * lda + cols</c> (0 if the matrix is empty).</param>
    /// <param name="lda">Leading dimension of A: at least its column count (k for NN and NT, m for TN).</param>
    /// <param name="b">Row-major B: k x n for NN and TN, n x k for NT; length at least <c>(rows - 1) * ldb + cols</c>.</param>
    /// <param name="ldb">Leading dimension of B: at least its column count (n for NN and TN, k for NT).</param>
    /// <param name="beta">Scale of the old C. When 0, C is not read, so NaN or infinity in it does not propagate.</param>
    /// <param name="c">Row-major m x n destination; length at least <c>(m - 1) * ldc + n</c>. Elements
    /// between rows (the <c>ldc - n</c> gap) are not touched.</param>
    /// <param name="ldc">Leading dimension of C: at least n.</param>
    /// <exception cref="ArgumentOutOfRangeException">m, n or k is negative, or a leading dimension is
    /// smaller than its matrix's column count.</exception>
    /// <exception cref="ArgumentException">A span is shorter than its shape requires, or C overlaps A or B.</exception>
    /// <remarks>When <paramref name="alpha"/> is 0 or <paramref name="k"/> is 0, A and B are not read and
    /// <c>C = beta * C</c>. NaN or infinity in A or B propagates to the elements of C it touches.
    /// Every element is computed by the same IEEE operations on every vector tier and CPU, so the result is the
    /// same bits everywhere: p runs in increasing order in blocks of 256 (KC); within a block the partial product
    /// starts at +0 and takes one fused multiply-add per term; each block is merged as
    /// <c>C = fma(beta', C, alpha * AB)</c> (beta' = beta for the first block, 1 after; <c>C = alpha * AB</c> when
    /// beta' is 0). The microkernel, the tile size and the thread count never change these operations.</remarks>
    public static void Multiply(GemmForm form, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        var none = default(NoPanelWork);
        Multiply(form, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, ref none);
    }

    /// <summary><see cref="Multiply(GemmForm, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int)"/>
    /// with <paramref name="panels"/>' work on C's panels as the product reaches them (Gemm.Panels.cs).</summary>
    internal static void Multiply<TPanels>(GemmForm form, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, ref TPanels panels)
        where TPanels : IPanelWork, allows ref struct
    {
        if ((uint)form > (uint)GemmForm.TN) ThrowForm(form);
        CheckNonNegative(m, nameof(m));
        CheckNonNegative(n, nameof(n));
        CheckNonNegative(k, nameof(k));
        bool transA = form == GemmForm.TN, transB = form == GemmForm.NT;
        // Shapes as stored: rows x cols with leading dimension >= cols.
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        int aLength = CheckOperand(a.Length, aRows, aCols, lda, nameof(a), nameof(lda));
        int bLength = CheckOperand(b.Length, bRows, bCols, ldb, nameof(b), nameof(ldb));
        int cLength = CheckOperand(c.Length, m, n, ldc, nameof(c), nameof(ldc));
        if (m == 0 || n == 0) return;

        Span<float> cUsed = c[..cLength];
        bool readsAB = k != 0 && alpha != 0f;
        if (readsAB)
        {
            if (cUsed.Overlaps(a[..aLength])) ThrowOverlap(nameof(a));
            if (cUsed.Overlaps(b[..bLength])) ThrowOverlap(nameof(b));
        }
        ref float cRef = ref MemoryMarshal.GetReference(c);
        if (!readsAB)
        {
            panels.Prepare(0, m, 0, n);
            ScaleC(m, n, beta, ref cRef, ldc);
            panels.Finish(0, m, 0, n);
            return;
        }

        var operands = new Operands(form, m, n, k, alpha, ref MemoryMarshal.GetReference(a), lda,
            ref MemoryMarshal.GetReference(b), ldb, beta, ref cRef, ldc);
        if (IsNarrow(form, m, n))
        {
            panels.Prepare(0, m, 0, n);
            MultiplyNarrow(ref operands);  // one short side: Gemm.Narrow.cs
            panels.Finish(0, m, 0, n);
            return;
        }
        // The widest tile that n can fill, as VectorTiers.For picks a width for a row: on a
        // 10-unit output layer a 32-column tile computes 32 columns to keep 10, a 16-column tile
        // 16 at half the vector width, so the narrower tile wastes less of the padded work.
        if (Vector512.IsHardwareAccelerated && n > 16)
        {
            if (PadsLess(m, 4, 8) && PadsLess(m, 4, 12)) Drive<Microkernel4x32, TPanels>(ref operands, ref panels);
            else if (Vector512InHalves ? RoundUp(m, 8) < RoundUp(m, 12) : PadsLess(m, 8, 12)) Drive<Microkernel8x32, TPanels>(ref operands, ref panels);
            else Drive<Microkernel12x32, TPanels>(ref operands, ref panels);
        }
        else if (Vector256.IsHardwareAccelerated && n > 8)
        {
            if (PadsLess(m, 4, 6)) Drive<Microkernel4x16, TPanels>(ref operands, ref panels);
            else Drive<Microkernel6x16, TPanels>(ref operands, ref panels);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            if (PadsLess(m, 4, 6)) Drive<Microkernel4x8, TPanels>(ref operands, ref panels);
            else Drive<Microkernel6x8, TPanels>(ref operands, ref panels);
        }
        else Drive<Microkernel4x4, TPanels>(ref operands, ref panels);
    }

    /// <summary>Whether this CPU issues a Vector512 multiply-add as two 256-bit halves (AMD family 19h with AVX-512: Zen 4,
    /// one 512-bit FMA per cycle). The 12-row tile then does no more multiply-adds per cycle than the 8-row one, so the
    /// 8-row tile is picked whenever it pads m less at all (m = 128 and 256, the hidden layers' weight gradients, pad to
    /// 132 and 264 in 12-row panels): measured on Zen 4, W3b steps at batch 64 and 256 and W4's 1.05, 1.04 and 1.015x the
    /// 12-row tile's (7 alternating pairs each).</summary>
    private static readonly bool Vector512InHalves = Vector512.IsHardwareAccelerated && IsAmdFamily19h();

    private static bool IsAmdFamily19h()
    {
        if (!X86Base.IsSupported) return false;
        (_, int ebx, int ecx, int edx) = X86Base.CpuId(0, 0);
        bool amd = ebx == 0x68747541 && edx == 0x69746E65 && ecx == 0x444D4163;   // "Auth" "enti" "cAMD"
        int eax = X86Base.CpuId(1, 0).Eax;
        int family = ((eax >> 8) & 0xF) + ((eax >> 20) & 0xFF);
        return amd && family == 0x19;
    }

    /// <summary>Whether panels of <paramref name="shorter"/> rows pad m by at least 5% less work than panels of
    /// <paramref name="taller"/> rows (m = 64 with 8 and 12: 64 rows of work against 72; m = 4 with 4 and 6: 4 against 6).
    /// At equal padding the taller tile needs less B traffic per multiply-add, so it keeps the tie.</summary>
    private static bool PadsLess(int m, int shorter, int taller) => RoundUp(m, shorter) * 20 < RoundUp(m, taller) * 19;

    /// <summary>The product through the microkernel <typeparamref name="TKernel"/>, whatever the tier (a kernel wider
    /// than the hardware's registers runs emulated): for the tests that every kernel gives the same bits. The
    /// arguments are <see cref="Multiply"/>'s, already valid, with k &gt; 0 and alpha != 0.</summary>
    internal static void MultiplyWith<TKernel>(GemmForm form, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc) where TKernel : IMicrokernel
    {
        var operands = new Operands(form, m, n, k, alpha, ref MemoryMarshal.GetReference(a), lda,
            ref MemoryMarshal.GetReference(b), ldb, beta, ref MemoryMarshal.GetReference(c), ldc);
        var none = default(NoPanelWork);
        Drive<TKernel, NoPanelWork>(ref operands, ref none);
    }

    // ----- driver ------------------------------------------------------------------------------

    /// <summary>The arguments of one call, passed by reference through the blocking loops.</summary>
    private ref struct Operands(GemmForm form, int m, int n, int k, float alpha, ref float a, int lda,
        ref float b, int ldb, float beta, ref float c, int ldc)
    {
        public readonly GemmForm Form = form;
        public readonly int M = m, N = n, K = k, Lda = lda, Ldb = ldb, Ldc = ldc;
        public readonly float Alpha = alpha, Beta = beta;
        public readonly ref float A = ref a;
        public readonly ref float B = ref b;
        public readonly ref float C = ref c;
    }

    [ThreadStatic] private static float[]? packedABuffer;
    [ThreadStatic] private static float[]? packedBBuffer;

    /// <summary>A 64-byte aligned scratch region of at least <paramref name="length"/> floats from this
    /// thread's cached, pinned buffer, growing it (the only allocation) when a larger block is needed.</summary>
    private static unsafe ref float AlignedScratch(ref float[]? cache, int length)
    {
        const int Slack = 16;  // floats: room to move the start to a 64-byte boundary
        float[]? buffer = cache;
        if (buffer is null || buffer.Length < length + Slack)
        {
            buffer = GC.AllocateUninitializedArray<float>(length + Slack, pinned: true);
            cache = buffer;
        }
        ref float start = ref MemoryMarshal.GetArrayDataReference(buffer);
        nint misalignment = (nint)Unsafe.AsPointer(ref start) & 63;  // pinned: the address is stable
        return ref Unsafe.Add(ref start, misalignment == 0 ? 0 : (64 - misalignment) / sizeof(float));
    }

    private static long RoundUp(long value, int multiple) => (value + multiple - 1) / multiple * multiple;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Drive<TKernel, TPanels>(ref Operands op, ref TPanels panels) where TKernel : IMicrokernel where TPanels : IPanelWork, allows ref struct
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        int mcMax = (int)Math.Min(RoundUp(op.M, mr), MC), ncMax = (int)Math.Min(RoundUp(op.N, nr), NC), kcMax = Math.Min(op.K, KC);
        ref float packedA = ref AlignedScratch(ref packedABuffer, mcMax * kcMax);
        ref float packedB = ref AlignedScratch(ref packedBBuffer, ncMax * kcMax);
        // Edge tiles are computed in full into this tile, then merged into the valid part of C.
        Span<float> edge = stackalloc float[TKernel.MR * TKernel.NR];
        ref float edgeTile = ref MemoryMarshal.GetReference(edge);
        nint ldc = op.Ldc;

        for (int ic = 0; ic < op.M; ic += MC)
        {
            int mc = Math.Min(MC, op.M - ic);
            for (int pc = 0; pc < op.K; pc += KC)
            {
                int kc = Math.Min(KC, op.K - pc);
                float beta = pc == 0 ? op.Beta : 1f;  // later k blocks add to what the first wrote
                bool last = pc + kc == op.K;
                PackA<TKernel>(ref op, ic, mc, pc, kc, ref packedA);
                for (int jc = 0; jc < op.N; jc += NC)
                {
                    int nc = Math.Min(NC, op.N - jc);
                    PackB<TKernel>(ref op, jc, nc, pc, kc, ref packedB);
                    LineStream next = NextBlock(ref op, pc, jc);  // hinted by the microkernels below
                    for (int ir = 0; ir < mc; ir += mr)
                    {
                        int rows = Math.Min(mr, mc - ir);
                        ref float aPanel = ref Unsafe.Add(ref packedA, (nint)ir * kc);
                        ref float cRow = ref Unsafe.Add(ref op.C, (nint)(ic + ir) * ldc + jc);
                        if (pc == 0) panels.Prepare(ic + ir, rows, jc, nc);
                        for (int jr = 0; jr < nc; jr += nr)
                        {
                            int cols = Math.Min(nr, nc - jr);
                            ref float bPanel = ref Unsafe.Add(ref packedB, (nint)jr * kc);
                            ref float cTile = ref Unsafe.Add(ref cRow, jr);
                            if (rows == mr && cols == nr)
                            {
                                TKernel.Run(kc, ref aPanel, ref bPanel, ref cTile, ldc, op.Alpha, beta, ref next);
                            }
                            else
                            {
                                TKernel.Run(kc, ref aPanel, ref bPanel, ref edgeTile, nr, 1f, 0f, ref next);
                                MergeEdge(ref edgeTile, nr, rows, cols, op.Alpha, beta, ref cTile, ldc);
                            }
                        }
                        if (last) panels.Finish(ic + ir, rows, jc, nc);
                    }
                }
            }
        }
    }

    /// <summary>C[i, j] = alpha * tile[i, j] + beta * C[i, j] over the valid rows x cols of an edge tile.</summary>
    private static void MergeEdge(ref float tile, int tileStride, int rows, int cols, float alpha, float beta, ref float c, nint ldc)
    {
        for (int i = 0; i < rows; i++)
        {
            ref float t = ref Unsafe.Add(ref tile, (nint)i * tileStride);
            ref float ci = ref Unsafe.Add(ref c, i * ldc);
            if (beta == 0f)
            {
                for (int j = 0; j < cols; j++) Unsafe.Add(ref ci, j) = alpha * Unsafe.Add(ref t, j);
            }
            else
            {
                for (int j = 0; j < cols; j++)
                {
                    // A full tile's write, operation for operation: alpha * AB rounded, then beta * C fused onto it.
                    Unsafe.Add(ref ci, j) = SimdScalar.FusedMultiplyAdd(beta, Unsafe.Add(ref ci, j), alpha * Unsafe.Add(ref t, j));
                }
            }
        }
    }

    /// <summary>C = beta * C (alpha == 0 or k == 0); beta == 0 writes zeros without reading C.</summary>
    private static void ScaleC(int m, int n, float beta, ref float c, int ldc)
    {
        if (beta == 1f) return;
        for (int i = 0; i < m; i++)
        {
            Span<float> row = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref c, (nint)i * ldc), n);
            if (beta == 0f) row.Clear();
            else System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
        }
    }

    // ----- argument checks ---------------------------------------------------------------------

    private static void CheckNonNegative(int value, string paramName)
    {
        if (value < 0) ThrowNegative(value, paramName);
    }

    /// <summary>Checks a rows x cols operand with leading dimension ld; returns the length it spans.</summary>
    private static int CheckOperand(int spanLength, int rows, int cols, int ld, string spanName, string ldName)
    {
        if (ld < cols) ThrowLeadingDimension(ld, cols, ldName);
        long required = rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;
        if (spanLength < required) ThrowTooShort(spanLength, required, rows, cols, ld, spanName);
        return (int)required;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowForm(GemmForm form) =>
        throw new ArgumentOutOfRangeException(nameof(form), form, $"form is {form}; expected NN, NT or TN.");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowNegative(int value, string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, value, $"{paramName} is {value}; expected at least 0.");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLeadingDimension(int ld, int cols, string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, ld,
            $"{paramName} is {ld}; expected at least {cols} (the column count of the matrix as stored).");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTooShort(int actual, long required, int rows, int cols, int ld, string paramName) =>
        throw new ArgumentException(
            $"{paramName} has length {actual}; expected at least {required} for a {rows} x {cols} matrix with leading dimension {ld}.",
            paramName);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowOverlap(string paramName) =>
        throw new ArgumentException($"c overlaps {paramName}; the destination must not share memory with an input.", "c");
}
