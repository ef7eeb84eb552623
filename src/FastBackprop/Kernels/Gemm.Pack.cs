using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// Gemm panel packing: copies a KC-deep block of op(A) and of op(B) into the one layout the
// microkernel reads, so that the transposes of the three forms are handled here and nowhere else.
//
//   packed A: ceil(mc / MR) panels, each kc x MR: panel p holds rows p*MR .. p*MR+MR-1 of the
//             block, element (row r, depth q) at p*MR*kc + q*MR + r. Rows past mc are zero.
//   packed B: ceil(nc / NR) panels, each kc x NR: panel p holds columns p*NR .. p*NR+NR-1,
//             element (depth q, column c) at p*NR*kc + q*NR + c. Columns past nc are zero.
//
// So the microkernel reads, at each depth q, MR consecutive A values (broadcast) and NR
// consecutive B values (vector loads), both walking forward through memory. The zero padding lets
// edge tiles run the full-size kernel: the padded products are 0 and land in rows and columns of
// the edge tile that are never merged into C.
// Cost: packing touches each element of the block once, O(mc kc + kc nc), against
// O(mc nc kc) multiply-adds that reuse it.
// ---------------------------------------------------------------------------------------------

public static partial class Gemm
{
    /// <summary>Packs op(A)[ic .. ic+mc, pc .. pc+kc] into MR-row panels at <paramref name="packed"/>.</summary>
    private static void PackA<TKernel>(ref Operands op, int ic, int mc, int pc, int kc, ref float packed)
        where TKernel : IMicrokernel
    {
        int mr = TKernel.MR;
        nint lda = op.Lda;
        for (int panel = 0; panel < mc; panel += mr)
        {
            int rows = Math.Min(mr, mc - panel);
            ref float dst = ref Unsafe.Add(ref packed, (nint)panel * kc);
            if (op.Form == GemmForm.TN)
            {
                // A is stored k x m: the MR values of one depth are contiguous in A's row pc + q.
                CopyRows(ref Unsafe.Add(ref op.A, (nint)pc * lda + ic + panel), lda, rows, mr, kc, ref dst);
            }
            else
            {
                // A is stored m x k: MR rows, each read forward, interleaved depth by depth.
                Interleave(ref Unsafe.Add(ref op.A, (ic + panel) * lda + pc), lda, rows, mr, kc, ref dst);
            }
        }
    }

    /// <summary>Packs op(B)[pc .. pc+kc, jc .. jc+nc] into NR-column panels at <paramref name="packed"/>.</summary>
    private static void PackB<TKernel>(ref Operands op, int jc, int nc, int pc, int kc, ref float packed)
        where TKernel : IMicrokernel
    {
        int nr = TKernel.NR;
        nint ldb = op.Ldb;
        if (op.Form != GemmForm.NT)
        {
            // B is stored k x n: the NR values of one depth are contiguous in B's row pc + q.
            CopyPanels(ref Unsafe.Add(ref op.B, (nint)pc * ldb + jc), ldb, nc, nr, kc, ref packed);
            return;
        }
        for (int panel = 0; panel < nc; panel += nr)
        {
            // B is stored n x k: column j of op(B) is row j of B; NR rows interleaved depth by depth.
            Interleave(ref Unsafe.Add(ref op.B, (jc + panel) * ldb + pc), ldb, Math.Min(nr, nc - panel), nr, kc,
                ref Unsafe.Add(ref packed, (nint)panel * kc));
        }
    }

    /// <summary>The floats of a source row that <see cref="CopyPanels"/> reads in one visit: 512 bytes, eight cache lines.</summary>
    private const int RowRun = 128;

    /// <summary>Packs count columns of kc rows (stride ld) into ceil(count / width) panels of width columns:
    /// dst[p * width * kc + q * width + j] = src[q * ld + p * width + j], zero past count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyPanels(ref float src, nint ld, int count, int width, int kc, ref float dst)
    {
        // A panel is a strip of width floats (128 bytes at Vector512) down kc rows. Copied strip by strip, a
        // source row that is 4 KiB or more long is read 128 bytes at a time, kc rows apart: the prefetchers do not
        // follow that, and a weight matrix beyond L2 is then read at the latency of L3 (NN 128x1024x1024 ran 13%
        // below its 128x256x256 form). Copying the strips of RowRun columns together, row by row, reads each row
        // RowRun floats at a time and keeps the written panels' lines to a few streams.
        int full = count - count % width;
        int group = Math.Max(width, RowRun / width * width);
        uint bytes = (uint)(width * sizeof(float));
        for (int first = 0; first < full; first += group)
        {
            int last = Math.Min(full, first + group);
            for (int q = 0; q < kc; q++)
            {
                ref float s = ref Unsafe.Add(ref src, q * ld);
                ref float d = ref Unsafe.Add(ref dst, (nint)q * width);
                for (int panel = first; panel < last; panel += width)
                {
                    // width is the kernel's MR or NR, a JIT-time constant, so the block copy unrolls into a few
                    // vector moves instead of a memmove call.
                    Unsafe.CopyBlockUnaligned(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref d, (nint)panel * kc)),
                        ref Unsafe.As<float, byte>(ref Unsafe.Add(ref s, panel)), bytes);
                }
            }
        }
        if (full < count) CopyRows(ref Unsafe.Add(ref src, full), ld, count - full, width, kc, ref Unsafe.Add(ref dst, (nint)full * kc));
    }

    /// <summary>dst[q * width + j] = src[q * ld + j] for j &lt; count, 0 for count &lt;= j &lt; width, q &lt; kc.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRows(ref float src, nint ld, int count, int width, int kc, ref float dst)
    {
        if (count == width)
        {
            // width is the kernel's MR or NR, a JIT-time constant, so the block copy unrolls into
            // a few vector moves instead of a memmove call per depth.
            uint bytes = (uint)(width * sizeof(float));
            for (int q = 0; q < kc; q++)
            {
                Unsafe.CopyBlockUnaligned(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref dst, (nint)q * width)),
                    ref Unsafe.As<float, byte>(ref Unsafe.Add(ref src, q * ld)), bytes);
            }
            return;
        }
        for (int q = 0; q < kc; q++)
        {
            ref float s = ref Unsafe.Add(ref src, q * ld);
            ref float d = ref Unsafe.Add(ref dst, (nint)q * width);
            int j = 0;
            for (; j < count; j++) Unsafe.Add(ref d, j) = Unsafe.Add(ref s, j);
            for (; j < width; j++) Unsafe.Add(ref d, j) = 0f;
        }
    }

    /// <summary>dst[q * width + r] = src[r * ld + q] for r &lt; count, 0 for count &lt;= r &lt; width, q &lt; kc:
    /// count rows, each read forward, written interleaved (a transpose into the panel).</summary>
    private static void Interleave(ref float src, nint ld, int count, int width, int kc, ref float dst)
    {
        // Depth blocks outside, groups of four rows inside: each depth block writes whole panel
        // rows (width floats at each of 4..16 depths) before moving on, so the lines being filled
        // stay in L1, and every source row advances one cache line per block (a stride the
        // prefetchers follow, helped by an explicit hint two blocks ahead).
        // Each group is a 4 x 4 transpose per 128-bit lane: unpack and shuffle turn four row
        // vectors into, per lane, the four rows at one depth, stored as one 16-byte chunk. The
        // wide forms do 4 (AVX-512) or 2 (AVX) such blocks per instruction.
        int groups = Sse.IsSupported ? count / 4 : 0;
        int q = 0;
        if (groups > 0)
        {
            if (Avx512F.IsSupported)
            {
                for (; q + 16 <= kc; q += 16)
                {
                    for (int g = 0; g < groups; g++)
                    {
                        Transpose4x16(ref Unsafe.Add(ref src, 4 * g * ld + q), ld, ref Unsafe.Add(ref dst, (nint)q * width + 4 * g), width);
                    }
                }
            }
            else if (Avx.IsSupported)
            {
                for (; q + 8 <= kc; q += 8)
                {
                    for (int g = 0; g < groups; g++)
                    {
                        Transpose4x8(ref Unsafe.Add(ref src, 4 * g * ld + q), ld, ref Unsafe.Add(ref dst, (nint)q * width + 4 * g), width);
                    }
                }
            }
            for (; q + 4 <= kc; q += 4)
            {
                for (int g = 0; g < groups; g++)
                {
                    Transpose4x4(ref Unsafe.Add(ref src, 4 * g * ld + q), ld, ref Unsafe.Add(ref dst, (nint)q * width + 4 * g), width);
                }
            }
        }
        // The depth tail of the transposed rows, then the rows left over from groups of four.
        int transposed = 4 * groups;
        for (int r = 0; r < count; r++)
        {
            ref float s = ref Unsafe.Add(ref src, r * ld);
            ref float d = ref Unsafe.Add(ref dst, r);
            for (int j = r < transposed ? q : 0; j < kc; j++) Unsafe.Add(ref d, (nint)j * width) = Unsafe.Add(ref s, j);
        }
        for (int r = count; r < width; r++)
        {
            ref float d = ref Unsafe.Add(ref dst, r);
            for (int j = 0; j < kc; j++) Unsafe.Add(ref d, (nint)j * width) = 0f;
        }
    }

    /// <summary>Rows 0..3 (stride ld) x depths 0..15 of src into dst[depth * width + row].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Transpose4x16(ref float s0, nint ld, ref float d, int width)
    {
        ref float s1 = ref Unsafe.Add(ref s0, ld);
        ref float s2 = ref Unsafe.Add(ref s1, ld);
        ref float s3 = ref Unsafe.Add(ref s2, ld);
        // Two lines ahead in each row; a hint never faults, and if the GC moves the array the
        // hint is merely wasted.
        float* p = (float*)Unsafe.AsPointer(ref s0) + 32;
        Sse.Prefetch0(p);
        Sse.Prefetch0(p + ld);
        Sse.Prefetch0(p + 2 * ld);
        Sse.Prefetch0(p + 3 * ld);
        Vector512<float> v0 = Vector512.LoadUnsafe(ref s0), v1 = Vector512.LoadUnsafe(ref s1);
        Vector512<float> v2 = Vector512.LoadUnsafe(ref s2), v3 = Vector512.LoadUnsafe(ref s3);
        Vector512<float> lo01 = Avx512F.UnpackLow(v0, v1), lo23 = Avx512F.UnpackLow(v2, v3);
        Vector512<float> hi01 = Avx512F.UnpackHigh(v0, v1), hi23 = Avx512F.UnpackHigh(v2, v3);
        // Lane l of t_i holds rows 0..3 at depth 4l + i.
        Vector512<float> t0 = Avx512F.Shuffle(lo01, lo23, 0x44), t1 = Avx512F.Shuffle(lo01, lo23, 0xEE);
        Vector512<float> t2 = Avx512F.Shuffle(hi01, hi23, 0x44), t3 = Avx512F.Shuffle(hi01, hi23, 0xEE);
        StoreQuad(t0.GetLower().GetLower(), t1.GetLower().GetLower(), t2.GetLower().GetLower(), t3.GetLower().GetLower(), ref d, width);
        StoreQuad(Avx512F.ExtractVector128(t0, 1), Avx512F.ExtractVector128(t1, 1), Avx512F.ExtractVector128(t2, 1),
            Avx512F.ExtractVector128(t3, 1), ref Unsafe.Add(ref d, 4 * width), width);
        StoreQuad(Avx512F.ExtractVector128(t0, 2), Avx512F.ExtractVector128(t1, 2), Avx512F.ExtractVector128(t2, 2),
            Avx512F.ExtractVector128(t3, 2), ref Unsafe.Add(ref d, 8 * width), width);
        StoreQuad(Avx512F.ExtractVector128(t0, 3), Avx512F.ExtractVector128(t1, 3), Avx512F.ExtractVector128(t2, 3),
            Avx512F.ExtractVector128(t3, 3), ref Unsafe.Add(ref d, 12 * width), width);
    }

    /// <summary>Rows 0..3 (stride ld) x depths 0..7 of src into dst[depth * width + row].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x8(ref float s0, nint ld, ref float d, int width)
    {
        ref float s1 = ref Unsafe.Add(ref s0, ld);
        ref float s2 = ref Unsafe.Add(ref s1, ld);
        ref float s3 = ref Unsafe.Add(ref s2, ld);
        Vector256<float> v0 = Vector256.LoadUnsafe(ref s0), v1 = Vector256.LoadUnsafe(ref s1);
        Vector256<float> v2 = Vector256.LoadUnsafe(ref s2), v3 = Vector256.LoadUnsafe(ref s3);
        Vector256<float> lo01 = Avx.UnpackLow(v0, v1), lo23 = Avx.UnpackLow(v2, v3);
        Vector256<float> hi01 = Avx.UnpackHigh(v0, v1), hi23 = Avx.UnpackHigh(v2, v3);
        Vector256<float> t0 = Avx.Shuffle(lo01, lo23, 0x44), t1 = Avx.Shuffle(lo01, lo23, 0xEE);
        Vector256<float> t2 = Avx.Shuffle(hi01, hi23, 0x44), t3 = Avx.Shuffle(hi01, hi23, 0xEE);
        StoreQuad(t0.GetLower(), t1.GetLower(), t2.GetLower(), t3.GetLower(), ref d, width);
        StoreQuad(t0.GetUpper(), t1.GetUpper(), t2.GetUpper(), t3.GetUpper(), ref Unsafe.Add(ref d, 4 * width), width);
    }

    /// <summary>Rows 0..3 (stride ld) x depths 0..3 of src into dst[depth * width + row].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x4(ref float s0, nint ld, ref float d, int width)
    {
        Vector128<float> v0 = Vector128.LoadUnsafe(ref s0);  // row 0: depths 0 1 2 3
        Vector128<float> v1 = Vector128.LoadUnsafe(ref Unsafe.Add(ref s0, ld));
        Vector128<float> v2 = Vector128.LoadUnsafe(ref Unsafe.Add(ref s0, 2 * ld));
        Vector128<float> v3 = Vector128.LoadUnsafe(ref Unsafe.Add(ref s0, 3 * ld));
        Vector128<float> lo01 = Sse.UnpackLow(v0, v1);   // r0d0 r1d0 r0d1 r1d1
        Vector128<float> lo23 = Sse.UnpackLow(v2, v3);   // r2d0 r3d0 r2d1 r3d1
        Vector128<float> hi01 = Sse.UnpackHigh(v0, v1);  // r0d2 r1d2 r0d3 r1d3
        Vector128<float> hi23 = Sse.UnpackHigh(v2, v3);  // r2d2 r3d2 r2d3 r3d3
        StoreQuad(Sse.MoveLowToHigh(lo01, lo23), Sse.MoveHighToLow(lo23, lo01),
            Sse.MoveLowToHigh(hi01, hi23), Sse.MoveHighToLow(hi23, hi01), ref d, width);
    }

    /// <summary>Stores four rows-at-one-depth vectors at four consecutive depths of a panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreQuad(Vector128<float> q0, Vector128<float> q1, Vector128<float> q2, Vector128<float> q3, ref float d, int width)
    {
        q0.StoreUnsafe(ref d);
        q1.StoreUnsafe(ref Unsafe.Add(ref d, width));
        q2.StoreUnsafe(ref Unsafe.Add(ref d, 2 * width));
        q3.StoreUnsafe(ref Unsafe.Add(ref d, 3 * width));
    }
}
