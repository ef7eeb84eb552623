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
        for (int panel = 0; panel < nc; panel += nr)
        {
            int cols = Math.Min(nr, nc - panel);
            ref float dst = ref Unsafe.Add(ref packed, (nint)panel * kc);
            if (op.Form == GemmForm.NT)
            {
                // B is stored n x k: column j of op(B) is row j of B; NR rows interleaved depth by depth.
                Interleave(ref Unsafe.Add(ref op.B, (jc + panel) * ldb + pc), ldb, cols, nr, kc, ref dst);
            }
            else
            {
                // B is stored k x n: the NR values of one depth are contiguous in B's row pc + q.
                CopyRows(ref Unsafe.Add(ref op.B, (nint)pc * ldb + jc + panel), ldb, cols, nr, kc, ref dst);
            }
        }
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
        int r = 0;
        if (Sse.IsSupported)
        {
            // 4 x 4 blocks: four loads, eight shuffles and four stores move 16 floats, against
            // 16 scalar loads and stores with a strided write each.
            for (; r + 4 <= count; r += 4)
            {
                ref float s0 = ref Unsafe.Add(ref src, r * ld);
                ref float s1 = ref Unsafe.Add(ref s0, ld);
                ref float s2 = ref Unsafe.Add(ref s1, ld);
                ref float s3 = ref Unsafe.Add(ref s2, ld);
                ref float d = ref Unsafe.Add(ref dst, r);
                int q = 0;
                for (; q + 4 <= kc; q += 4)
                {
                    Vector128<float> v0 = Vector128.LoadUnsafe(ref s0, (nuint)q);  // r0: q q+1 q+2 q+3
                    Vector128<float> v1 = Vector128.LoadUnsafe(ref s1, (nuint)q);
                    Vector128<float> v2 = Vector128.LoadUnsafe(ref s2, (nuint)q);
                    Vector128<float> v3 = Vector128.LoadUnsafe(ref s3, (nuint)q);
                    Vector128<float> lo01 = Sse.UnpackLow(v0, v1);   // r0q0 r1q0 r0q1 r1q1
                    Vector128<float> lo23 = Sse.UnpackLow(v2, v3);   // r2q0 r3q0 r2q1 r3q1
                    Vector128<float> hi01 = Sse.UnpackHigh(v0, v1);  // r0q2 r1q2 r0q3 r1q3
                    Vector128<float> hi23 = Sse.UnpackHigh(v2, v3);  // r2q2 r3q2 r2q3 r3q3
                    ref float dq = ref Unsafe.Add(ref d, (nint)q * width);
                    Sse.MoveLowToHigh(lo01, lo23).StoreUnsafe(ref dq);                           // depth q
                    Sse.MoveHighToLow(lo23, lo01).StoreUnsafe(ref Unsafe.Add(ref dq, width));      // depth q+1
                    Sse.MoveLowToHigh(hi01, hi23).StoreUnsafe(ref Unsafe.Add(ref dq, 2 * width));  // depth q+2
                    Sse.MoveHighToLow(hi23, hi01).StoreUnsafe(ref Unsafe.Add(ref dq, 3 * width));  // depth q+3
                }
                for (; q < kc; q++)
                {
                    ref float dq = ref Unsafe.Add(ref d, (nint)q * width);
                    dq = Unsafe.Add(ref s0, q);
                    Unsafe.Add(ref dq, 1) = Unsafe.Add(ref s1, q);
                    Unsafe.Add(ref dq, 2) = Unsafe.Add(ref s2, q);
                    Unsafe.Add(ref dq, 3) = Unsafe.Add(ref s3, q);
                }
            }
        }
        for (; r < count; r++)
        {
            ref float s = ref Unsafe.Add(ref src, r * ld);
            ref float d = ref Unsafe.Add(ref dst, r);
            for (int q = 0; q < kc; q++) Unsafe.Add(ref d, (nint)q * width) = Unsafe.Add(ref s, q);
        }
        for (; r < width; r++)
        {
            ref float d = ref Unsafe.Add(ref dst, r);
            for (int q = 0; q < kc; q++) Unsafe.Add(ref d, (nint)q * width) = 0f;
        }
    }
}
