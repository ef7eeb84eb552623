using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// Gemm microkernels: the only code that knows the register tile.
//
// Contract (BLIS gemm_ukr, row-major): given kc >= 1, a packed A micro-panel `a` (kc x MR, the MR
// values of depth q at a[q*MR .. q*MR+MR-1]) and a packed B micro-panel `b` (kc x NR, the NR
// values of depth q at b[q*NR .. q*NR+NR-1]), compute the MR x NR product
//
//   AB[i, j] = Σ_q a[q*MR + i] * b[q*NR + j]        q = 0, 1, ..., kc-1 in that order
//
// in registers, then write  C[i, j] = alpha * AB[i, j] + beta * C[i, j]  for the full tile at
// c[i*ldc + j] (ldc >= NR). When beta == 0 the kernel does not read C.
// Arithmetic, the same in every kernel so that the tile shape never shows in the bits: AB[i, j]
// starts at +0 and takes AB = fma(a, b, AB) for q = 0, 1, ... in turn; the write is
// r = alpha * AB (one rounding), then, when beta != 0, C = fma(beta, C, r) (one rounding), else
// C = r. Every kernel, every edge tile (Gemm.MergeEdge) and the scalar fallback do exactly these
// IEEE operations on every element, so a product has the same bits whichever kernel, vector tier
// or CPU computes it (FMA is exact everywhere: in hardware, or emulated where a CPU has none).
// The caller guarantees
// that a, b and c hold the elements above and that C does not overlap the panels; edge tiles are
// the caller's business (it runs the kernel into a scratch tile and merges the valid part).
// A kernel never allocates and never touches memory outside the three regions above; every fourth
// depth step it hints one cache line of the next B block's source (Gemm.Prefetch.cs), which reads nothing.
//
// Tiles (accumulators + B vectors + one broadcast must fit in the register file):
//   Microkernel12x32  Vector512 (32 zmm): 12 rows x 2 vectors = 24 accumulators, 2 B loads and
//                     12 broadcasts per 24 FMAs. The row-major mirror of BLIS's 32 x 12 SKX sgemm
//                     tile: 24 independent chains cover the 4-cycle FMA latency of 2 pipes 3 times.
//   Microkernel8x32   Vector512: 16 accumulators, for m where 12-row panels would waste a lot
//                     of padding (batch 64 pads to 72 with MR = 12, not at all with MR = 8), or
//                     any padding where a 512-bit FMA issues in two halves (Zen 4: Gemm.cs).
//   Microkernel4x32   Vector512: 8 accumulators, for m where 8- and 12-row panels both pad badly
//                     (a batch of 4 does 8 rows of work with MR = 8; 20 rows 24).
//   Microkernel6x16   Vector256 (16 ymm): 12 accumulators + 2 B + 1 broadcast = 15 registers.
//   Microkernel4x16   Vector256: 8 accumulators (just the 2 pipes x 4 cycles of FMA latency on
//                     Zen 3 and Intel), for m where 6-row panels pad badly: a batch of 4 or 8
//                     rows does 6 or 12 rows of work with MR = 6, exactly 4 or 8 with MR = 4.
//   Microkernel6x8, Microkernel4x8  Vector128 (16 xmm): the same shapes at 4 lanes.
//   Microkernel4x4    scalar fallback: 16 accumulators.
// ---------------------------------------------------------------------------------------------

public static partial class Gemm
{
    /// <summary>An MR x NR register-tile kernel; see the contract at the top of Gemm.Microkernel.cs.</summary>
    internal interface IMicrokernel
    {
        /// <summary>Rows of the tile: A values broadcast per depth step.</summary>
        static abstract int MR { get; }

        /// <summary>Columns of the tile: B values loaded per depth step.</summary>
        static abstract int NR { get; }

        /// <summary>C[i, j] = alpha * Σ_q a[q*MR + i] b[q*NR + j] + beta * C[i, j] for the full MR x NR tile
        /// at <paramref name="c"/> with row stride <paramref name="ldc"/>; C is not read when beta == 0. Every fourth depth
        /// step hints one line of <paramref name="next"/> (Gemm.Prefetch.cs), which never changes a value.</summary>
        static abstract void Run(int kc, ref float a, ref float b, ref float c, nint ldc, float alpha, float beta, ref LineStream next);
    }

    /// <summary>12 x 32 tile in 24 Vector512 accumulators. Only for Vector512.IsHardwareAccelerated.</summary>
    internal readonly struct Microkernel12x32 : IMicrokernel
    {
        public static int MR => 12;
        public static int NR => 32;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Run(int kc, ref float a, ref float b, ref float c, nint ldc, float alpha, float beta, ref LineStream next)
        {
            Vector512<float> c00 = default, c01 = default;
            Vector512<float> c10 = default, c11 = default;
            Vector512<float> c20 = default, c21 = default;
            Vector512<float> c30 = default, c31 = default;
            Vector512<float> c40 = default, c41 = default;
            Vector512<float> c50 = default, c51 = default;
            Vector512<float> c60 = default, c61 = default;
            Vector512<float> c70 = default, c71 = default;
            Vector512<float> c80 = default, c81 = default;
            Vector512<float> c90 = default, c91 = default;
            Vector512<float> c100 = default, c101 = default;
            Vector512<float> c110 = default, c111 = default;
            // C is read and written once per KC multiply-adds, typically from L3; asking for its
            // lines a few dozen iterations (~300 cycles) before the end hides that latency, and
            // late enough that the streaming B panel does not evict them again.
            int prefetchAt = Math.Max(0, kc - 24);
            for (int q = 0; q < kc; q++)
            {
                if (q == prefetchAt) PrefetchTile(ref c, ldc, 12, 32);
                if ((q & 3) == 3) next.Hint();
                Vector512<float> b0 = Vector512.LoadUnsafe(ref b);
                Vector512<float> b1 = Vector512.LoadUnsafe(ref b, 16);
                Vector512<float> ai;
                ai = Vector512.Create(Unsafe.Add(ref a, 0)); c00 = Simd512.FusedMultiplyAdd(ai, b0, c00); c01 = Simd512.FusedMultiplyAdd(ai, b1, c01);
                ai = Vector512.Create(Unsafe.Add(ref a, 1)); c10 = Simd512.FusedMultiplyAdd(ai, b0, c10); c11 = Simd512.FusedMultiplyAdd(ai, b1, c11);
                ai = Vector512.Create(Unsafe.Add(ref a, 2)); c20 = Simd512.FusedMultiplyAdd(ai, b0, c20); c21 = Simd512.FusedMultiplyAdd(ai, b1, c21);
                ai = Vector512.Create(Unsafe.Add(ref a, 3)); c30 = Simd512.FusedMultiplyAdd(ai, b0, c30); c31 = Simd512.FusedMultiplyAdd(ai, b1, c31);
                ai = Vector512.Create(Unsafe.Add(ref a, 4)); c40 = Simd512.FusedMultiplyAdd(ai, b0, c40); c41 = Simd512.FusedMultiplyAdd(ai, b1, c41);
                ai = Vector512.Create(Unsafe.Add(ref a, 5)); c50 = Simd512.FusedMultiplyAdd(ai, b0, c50); c51 = Simd512.FusedMultiplyAdd(ai, b1, c51);
                ai = Vector512.Create(Unsafe.Add(ref a, 6)); c60 = Simd512.FusedMultiplyAdd(ai, b0, c60); c61 = Simd512.FusedMultiplyAdd(ai, b1, c61);
                ai = Vector512.Create(Unsafe.Add(ref a, 7)); c70 = Simd512.FusedMultiplyAdd(ai, b0, c70); c71 = Simd512.FusedMultiplyAdd(ai, b1, c71);
                ai = Vector512.Create(Unsafe.Add(ref a, 8)); c80 = Simd512.FusedMultiplyAdd(ai, b0, c80); c81 = Simd512.FusedMultiplyAdd(ai, b1, c81);
                ai = Vector512.Create(Unsafe.Add(ref a, 9)); c90 = Simd512.FusedMultiplyAdd(ai, b0, c90); c91 = Simd512.FusedMultiplyAdd(ai, b1, c91);
                ai = Vector512.Create(Unsafe.Add(ref a, 10)); c100 = Simd512.FusedMultiplyAdd(ai, b0, c100); c101 = Simd512.FusedMultiplyAdd(ai, b1, c101);
                ai = Vector512.Create(Unsafe.Add(ref a, 11)); c110 = Simd512.FusedMultiplyAdd(ai, b0, c110); c111 = Simd512.FusedMultiplyAdd(ai, b1, c111);
                a = ref Unsafe.Add(ref a, 12);
                b = ref Unsafe.Add(ref b, 32);
            }
            Store512(c00, c01, ref Unsafe.Add(ref c, 0 * ldc), alpha, beta);
            Store512(c10, c11, ref Unsafe.Add(ref c, 1 * ldc), alpha, beta);
            Store512(c20, c21, ref Unsafe.Add(ref c, 2 * ldc), alpha, beta);
            Store512(c30, c31, ref Unsafe.Add(ref c, 3 * ldc), alpha, beta);
            Store512(c40, c41, ref Unsafe.Add(ref c, 4 * ldc), alpha, beta);
            Store512(c50, c51, ref Unsafe.Add(ref c, 5 * ldc), alpha, beta);
            Store512(c60, c61, ref Unsafe.Add(ref c, 6 * ldc), alpha, beta);
            Store512(c70, c71, ref Unsafe.Add(ref c, 7 * ldc), alpha, beta);
            Store512(c80, c81, ref Unsafe.Add(ref c, 8 * ldc), alpha, beta);
            Store512(c90, c91, ref Unsafe.Add(ref c, 9 * ldc), alpha, beta);
            Store512(c100, c101, ref Unsafe.Add(ref c, 10 * ldc), alpha, beta);
            Store512(c110, c111, ref Unsafe.Add(ref c, 11 * ldc), alpha, beta);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static void Store512(Vector512<float> ab0, Vector512<float> ab1, ref float c, float alpha, float beta)
        {
            Vector512<float> alphas = Vector512.Create(alpha);
            Vector512<float> r0 = ab0 * alphas, r1 = ab1 * alphas;
            if (beta != 0f)
            {
                Vector512<float> betas = Vector512.Create(beta);
                r0 = Simd512.FusedMultiplyAdd(betas, Vector512.LoadUnsafe(ref c), r0);
                r1 = Simd512.FusedMultiplyAdd(betas, Vector512.LoadUnsafe(ref c, 16), r1);
            }
            r0.StoreUnsafe(ref c);
            r1.StoreUnsafe(ref c, 16);
        }
    }

    /// <summary>8 x 32 tile in 16 Vector512 accumulators. Only for Vector512.IsHardwareAccelerated.</summary>
    internal readonly struct Microkernel8x32 : IMicrokernel
    {
        public static int MR => 8;
        public static int NR => 32;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Run(int kc, ref float a, ref float b, ref float c, nint ldc, float alpha, float beta, ref LineStream next)
        {
            Vector512<float> c00 = default, c01 = default;
            Vector512<float> c10 = default, c11 = default;
            Vector512<float> c20 = default, c21 = default;
            Vector512<float> c30 = default, c31 = default;
            Vector512<float> c40 = default, c41 = default;
            Vector512<float> c50 = default, c51 = default;
            Vector512<float> c60 = default, c61 = default;
            Vector512<float> c70 = default, c71 = default;
            int prefetchAt = Math.Max(0, kc - 24);  // see Microkernel12x32
            for (int q = 0; q < kc; q++)
            {
                if (q == prefetchAt) PrefetchTile(ref c, ldc, 8, 32);
                if ((q & 3) == 3) next.Hint();
                Vector512<float> b0 = Vector512.LoadUnsafe(ref b);
                Vector512<float> b1 = Vector512.LoadUnsafe(ref b, 16);
                Vector512<float> ai;
                ai = Vector512.Create(Unsafe.Add(ref a, 0)); c00 = Simd512.FusedMultiplyAdd(ai, b0, c00); c01 = Simd512.FusedMultiplyAdd(ai, b1, c01);
                ai = Vector512.Create(Unsafe.Add(ref a, 1)); c10 = Simd512.FusedMultiplyAdd(ai, b0, c10); c11 = Simd512.FusedMultiplyAdd(ai, b1, c11);
                ai = Vector512.Create(Unsafe.Add(ref a, 2)); c20 = Simd512.FusedMultiplyAdd(ai, b0, c20); c21 = Simd512.FusedMultiplyAdd(ai, b1, c21);
                ai = Vector512.Create(Unsafe.Add(ref a, 3)); c30 = Simd512.FusedMultiplyAdd(ai, b0, c30); c31 = Simd512.FusedMultiplyAdd(ai, b1, c31);
                ai = Vector512.Create(Unsafe.Add(ref a, 4)); c40 = Simd512.FusedMultiplyAdd(ai, b0, c40); c41 = Simd512.FusedMultiplyAdd(ai, b1, c41);
                ai = Vector512.Create(Unsafe.Add(ref a, 5)); c50 = Simd512.FusedMultiplyAdd(ai, b0, c50); c51 = Simd512.FusedMultiplyAdd(ai, b1, c51);
                ai = Vector512.Create(Unsafe.Add(ref a, 6)); c60 = Simd512.FusedMultiplyAdd(ai, b0, c60); c61 = Simd512.FusedMultiplyAdd(ai, b1, c61);
                ai = Vector512.Create(Unsafe.Add(ref a, 7)); c70 = Simd512.FusedMultiplyAdd(ai, b0, c70); c71 = Simd512.FusedMultiplyAdd(ai, b1, c71);
                a = ref Unsafe.Add(ref a, 8);
                b = ref Unsafe.Add(ref b, 32);
            }
            Microkernel12x32.Store512(c00, c01, ref Unsafe.Add(ref c, 0 * ldc), alpha, beta);
            Microkernel12x32.Store512(c10, c11, ref Unsafe.Add(ref c, 1 * ldc), alpha, beta);
            Microkernel12x32.Store512(c20, c21, ref Unsafe.Add(ref c, 2 * ldc), alpha, beta);
            Microkernel12x32.Store512(c30, c31, ref Unsafe.Add(ref c, 3 * ldc), alpha, beta);
            Microkernel12x32.Store512(c40, c41, ref Unsafe.Add(ref c, 4 * ldc), alpha, beta);
            Microkernel12x32.Store512(c50, c51, ref Unsafe.Add(ref c, 5 * ldc), alpha, beta);
            Microkernel12x32.Store512(c60, c61, ref Unsafe.Add(ref c, 6 * ldc), alpha, beta);
            Microkernel12x32.Store512(c70, c71, ref Unsafe.Add(ref c, 7 * ldc), alpha, beta);
        }
    }

    /// <summary>4 x 32 tile in 8 Vector512 accumulators. Only for Vector512.IsHardwareAccelerated.</summary>
    internal readonly struct Microkernel4x32 : IMicrokernel
    {
        public static int MR => 4;
        public static int NR => 32;

        public static void Run(int kc, ref float a, ref float b, ref float c, nint ldc, float alpha, float beta, ref LineStream next) =>
            RowsTwoVectors<Simd512, Vector512<float>, FourRows>(kc, ref a, ref b, ref c, ldc, alpha, beta, ref next);
    }

    /// <summary>Hints the cache lines of a rows x cols tile of C into L1 (x86 only; a no-op elsewhere).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PrefetchTile(ref float c, nint ldc, int rows, int cols)
    {
        if (!Sse.IsSupported) return;
        for (int i = 0; i < rows; i++)
        {
            float* row = (float*)Unsafe.AsPointer(ref Unsafe.Add(ref c, i * ldc));
            // One hint per 64-byte line, plus the last element in case the row is not line-aligned.
            for (int j = 0; j < cols; j += 16) Sse.Prefetch0(row + j);
            Sse.Prefetch0(row + cols - 1);
        }
    }

    /// <summary>6 x 16 tile in 12 Vector256 accumulators. Only for Vector256.IsHardwareAccelerated.</summary>
    internal readonly struct Microkernel6x16 : IMicrokernel
    {
        public static int MR => 6;
        public static int NR => 16;

        public static void Run(int kc, ref float a, ref float b, ref float c, nint ldc, float alpha, float beta, ref LineStream next) =>
            RowsTwoVectors<Simd256, Vector256<float>, SixRows>(kc, ref a, ref b, ref c, ldc, alpha, beta, ref next);
    }

    /// <summary>4 x 16 tile in 8 Vector256 accumulators. Only for Vector256.IsHardwareAccelerated.</summary>
    internal readonly struct Microkernel4x16 : IMicrokernel
    {
        public static int MR => 4;
        public static int NR => 16;

        public static void Run(int kc, ref float a, ref float b, ref float c, nint ldc, float alpha, float beta, ref LineStream next) =>
            RowsTwoVectors<Simd256, Vector256<float>, FourRows>(kc, ref a, ref b, ref c, ldc, alpha, beta, ref next);
    }

    /// <summary>6 x 8 tile in 12 Vector128 accumulators. Only for Vector128.IsHardwareAccelerated.</summary>
    internal readonly struct Microkernel6x8 : IMicrokernel
    {
        public static int MR => 6;
        public static int NR => 8;

        public static void Run(int kc, ref float a, ref float b, ref float c, nint ldc, float alpha, float beta, ref LineStream next) =>
            RowsTwoVectors<Simd128, Vector128<float>, SixRows>(kc, ref a, ref b, ref c, ldc, alpha, beta, ref next);
    }

    /// <summary>4 x 8 tile in 8 Vector128 accumulators. Only for Vector128.IsHardwareAccelerated.</summary>
    internal readonly struct Microkernel4x8 : IMicrokernel
    {
        public static int MR => 4;
        public static int NR => 8;

        public static void Run(int kc, ref float a, ref float b, ref float c, nint ldc, float alpha, float beta, ref LineStream next) =>
            RowsTwoVectors<Simd128, Vector128<float>, FourRows>(kc, ref a, ref b, ref c, ldc, alpha, beta, ref next);
    }

    /// <summary>The row count of a two-register-wide tile, a JIT-time constant: 6, or 4.</summary>
    internal interface ITileRows
    {
        static abstract bool Six { get; }
    }

    internal readonly struct SixRows : ITileRows
    {
        public static bool Six => true;
    }

    internal readonly struct FourRows : ITileRows
    {
        public static bool Six => false;
    }

    /// <summary>The 6- or 4-row, two-register-wide tile, written once for the 512- (4 rows), 256- and 128-bit widths. TRows.Six is
    /// a constant in each instantiation, so the four-row kernel has neither the last two rows' code nor registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowsTwoVectors<TSimd, TVector, TRows>(int kc, ref float a, ref float b, ref float c, nint ldc, float alpha, float beta, ref LineStream next)
        where TSimd : ISimd<TVector>
        where TVector : struct
        where TRows : ITileRows
    {
        int mr = TRows.Six ? 6 : 4;
        TVector c00 = TSimd.Zero, c01 = TSimd.Zero;
        TVector c10 = TSimd.Zero, c11 = TSimd.Zero;
        TVector c20 = TSimd.Zero, c21 = TSimd.Zero;
        TVector c30 = TSimd.Zero, c31 = TSimd.Zero;
        TVector c40 = TSimd.Zero, c41 = TSimd.Zero;
        TVector c50 = TSimd.Zero, c51 = TSimd.Zero;
        // Two depth steps per trip: at 16 registers the loop's own instructions (two pointer increments, the count and
        // the branch) took issue slots from the multiply-adds.
        int q = 0;
        for (; q + 1 < kc; q += 2)
        {
            if ((q & 2) != 0) next.Hint();  // every fourth depth step
            RowsStep<TSimd, TVector, TRows>(ref a, ref b, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            RowsStep<TSimd, TVector, TRows>(ref Unsafe.Add(ref a, mr), ref Unsafe.Add(ref b, 2 * TSimd.Count),
                ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            a = ref Unsafe.Add(ref a, 2 * mr);
            b = ref Unsafe.Add(ref b, 4 * TSimd.Count);
        }
        if (q < kc) RowsStep<TSimd, TVector, TRows>(ref a, ref b, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
        StoreTwo<TSimd, TVector>(c00, c01, ref Unsafe.Add(ref c, 0 * ldc), alpha, beta);
        StoreTwo<TSimd, TVector>(c10, c11, ref Unsafe.Add(ref c, 1 * ldc), alpha, beta);
        StoreTwo<TSimd, TVector>(c20, c21, ref Unsafe.Add(ref c, 2 * ldc), alpha, beta);
        StoreTwo<TSimd, TVector>(c30, c31, ref Unsafe.Add(ref c, 3 * ldc), alpha, beta);
        if (TRows.Six)
        {
            StoreTwo<TSimd, TVector>(c40, c41, ref Unsafe.Add(ref c, 4 * ldc), alpha, beta);
            StoreTwo<TSimd, TVector>(c50, c51, ref Unsafe.Add(ref c, 5 * ldc), alpha, beta);
        }
    }

    /// <summary>One depth step of the two-register-wide tile: acc[i, j] = fma(a[i], b[j], acc[i, j]) for its rows in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowsStep<TSimd, TVector, TRows>(ref float a, ref float b,
        ref TVector c00, ref TVector c01, ref TVector c10, ref TVector c11, ref TVector c20, ref TVector c21,
        ref TVector c30, ref TVector c31, ref TVector c40, ref TVector c41, ref TVector c50, ref TVector c51)
        where TSimd : ISimd<TVector>
        where TVector : struct
        where TRows : ITileRows
    {
        TVector b0 = TSimd.Load(ref b);
        TVector b1 = TSimd.Load(ref Unsafe.Add(ref b, TSimd.Count));
        TVector ai;
        ai = TSimd.Create(Unsafe.Add(ref a, 0)); c00 = TSimd.FusedMultiplyAdd(ai, b0, c00); c01 = TSimd.FusedMultiplyAdd(ai, b1, c01);
        ai = TSimd.Create(Unsafe.Add(ref a, 1)); c10 = TSimd.FusedMultiplyAdd(ai, b0, c10); c11 = TSimd.FusedMultiplyAdd(ai, b1, c11);
        ai = TSimd.Create(Unsafe.Add(ref a, 2)); c20 = TSimd.FusedMultiplyAdd(ai, b0, c20); c21 = TSimd.FusedMultiplyAdd(ai, b1, c21);
        ai = TSimd.Create(Unsafe.Add(ref a, 3)); c30 = TSimd.FusedMultiplyAdd(ai, b0, c30); c31 = TSimd.FusedMultiplyAdd(ai, b1, c31);
        if (TRows.Six)
        {
            ai = TSimd.Create(Unsafe.Add(ref a, 4)); c40 = TSimd.FusedMultiplyAdd(ai, b0, c40); c41 = TSimd.FusedMultiplyAdd(ai, b1, c41);
            ai = TSimd.Create(Unsafe.Add(ref a, 5)); c50 = TSimd.FusedMultiplyAdd(ai, b0, c50); c51 = TSimd.FusedMultiplyAdd(ai, b1, c51);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreTwo<TSimd, TVector>(TVector ab0, TVector ab1, ref float c, float alpha, float beta)
        where TSimd : ISimd<TVector>
        where TVector : struct
    {
        TVector alphas = TSimd.Create(alpha);
        TVector r0 = TSimd.Multiply(ab0, alphas), r1 = TSimd.Multiply(ab1, alphas);
        ref float c1 = ref Unsafe.Add(ref c, TSimd.Count);
        if (beta != 0f)
        {
            TVector betas = TSimd.Create(beta);
            r0 = TSimd.FusedMultiplyAdd(betas, TSimd.Load(ref c), r0);
            r1 = TSimd.FusedMultiplyAdd(betas, TSimd.Load(ref c1), r1);
        }
        TSimd.Store(r0, ref c);
        TSimd.Store(r1, ref c1);
    }

    /// <summary>4 x 4 tile in 16 scalar accumulators: the fallback without hardware vectors.</summary>
    internal readonly struct Microkernel4x4 : IMicrokernel
    {
        public static int MR => 4;
        public static int NR => 4;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Run(int kc, ref float a, ref float b, ref float c, nint ldc, float alpha, float beta, ref LineStream next)
        {
            float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
            float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
            for (int q = 0; q < kc; q++)
            {
                if ((q & 3) == 3) next.Hint();
                float b0 = b, b1 = Unsafe.Add(ref b, 1), b2 = Unsafe.Add(ref b, 2), b3 = Unsafe.Add(ref b, 3);
                float ai = a;
                c00 = SimdScalar.FusedMultiplyAdd(ai, b0, c00); c01 = SimdScalar.FusedMultiplyAdd(ai, b1, c01);
                c02 = SimdScalar.FusedMultiplyAdd(ai, b2, c02); c03 = SimdScalar.FusedMultiplyAdd(ai, b3, c03);
                ai = Unsafe.Add(ref a, 1);
                c10 = SimdScalar.FusedMultiplyAdd(ai, b0, c10); c11 = SimdScalar.FusedMultiplyAdd(ai, b1, c11);
                c12 = SimdScalar.FusedMultiplyAdd(ai, b2, c12); c13 = SimdScalar.FusedMultiplyAdd(ai, b3, c13);
                ai = Unsafe.Add(ref a, 2);
                c20 = SimdScalar.FusedMultiplyAdd(ai, b0, c20); c21 = SimdScalar.FusedMultiplyAdd(ai, b1, c21);
                c22 = SimdScalar.FusedMultiplyAdd(ai, b2, c22); c23 = SimdScalar.FusedMultiplyAdd(ai, b3, c23);
                ai = Unsafe.Add(ref a, 3);
                c30 = SimdScalar.FusedMultiplyAdd(ai, b0, c30); c31 = SimdScalar.FusedMultiplyAdd(ai, b1, c31);
                c32 = SimdScalar.FusedMultiplyAdd(ai, b2, c32); c33 = SimdScalar.FusedMultiplyAdd(ai, b3, c33);
                a = ref Unsafe.Add(ref a, 4);
                b = ref Unsafe.Add(ref b, 4);
            }
            StoreScalarRow(c00, c01, c02, c03, ref c, alpha, beta);
            StoreScalarRow(c10, c11, c12, c13, ref Unsafe.Add(ref c, ldc), alpha, beta);
            StoreScalarRow(c20, c21, c22, c23, ref Unsafe.Add(ref c, 2 * ldc), alpha, beta);
            StoreScalarRow(c30, c31, c32, c33, ref Unsafe.Add(ref c, 3 * ldc), alpha, beta);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreScalarRow(float ab0, float ab1, float ab2, float ab3, ref float c, float alpha, float beta)
        {
            ref float c1 = ref Unsafe.Add(ref c, 1), c2 = ref Unsafe.Add(ref c, 2), c3 = ref Unsafe.Add(ref c, 3);
            if (beta == 0f)
            {
                c = alpha * ab0; c1 = alpha * ab1; c2 = alpha * ab2; c3 = alpha * ab3;
            }
            else
            {
                c = SimdScalar.FusedMultiplyAdd(beta, c, alpha * ab0);
                c1 = SimdScalar.FusedMultiplyAdd(beta, c1, alpha * ab1);
                c2 = SimdScalar.FusedMultiplyAdd(beta, c2, alpha * ab2);
                c3 = SimdScalar.FusedMultiplyAdd(beta, c3, alpha * ab3);
            }
        }
    }
}
