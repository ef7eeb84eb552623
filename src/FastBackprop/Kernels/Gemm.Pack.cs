using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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
                ref float src = ref Unsafe.Add(ref op.A, (nint)pc * lda + ic + panel);
                for (int q = 0; q < kc; q++)
                {
                    ref float s = ref Unsafe.Add(ref src, q * lda);
                    ref float d = ref Unsafe.Add(ref dst, (nint)q * mr);
                    int r = 0;
                    for (; r < rows; r++) Unsafe.Add(ref d, r) = Unsafe.Add(ref s, r);
                    for (; r < mr; r++) Unsafe.Add(ref d, r) = 0f;
                }
            }
            else
            {
                // A is stored m x k: read each row forward, write it down the panel with stride MR.
                for (int r = 0; r < rows; r++)
                {
                    ref float s = ref Unsafe.Add(ref op.A, (ic + panel + r) * lda + pc);
                    ref float d = ref Unsafe.Add(ref dst, r);
                    for (int q = 0; q < kc; q++) Unsafe.Add(ref d, (nint)q * mr) = Unsafe.Add(ref s, q);
                }
                for (int r = rows; r < mr; r++)
                {
                    ref float d = ref Unsafe.Add(ref dst, r);
                    for (int q = 0; q < kc; q++) Unsafe.Add(ref d, (nint)q * mr) = 0f;
                }
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
                // B is stored n x k: column j of op(B) is row j of B, read forward, written with stride NR.
                for (int c = 0; c < cols; c++)
                {
                    ref float s = ref Unsafe.Add(ref op.B, (jc + panel + c) * ldb + pc);
                    ref float d = ref Unsafe.Add(ref dst, c);
                    for (int q = 0; q < kc; q++) Unsafe.Add(ref d, (nint)q * nr) = Unsafe.Add(ref s, q);
                }
                for (int c = cols; c < nr; c++)
                {
                    ref float d = ref Unsafe.Add(ref dst, c);
                    for (int q = 0; q < kc; q++) Unsafe.Add(ref d, (nint)q * nr) = 0f;
                }
            }
            else
            {
                // B is stored k x n: the NR values of one depth are contiguous in B's row pc + q.
                ref float src = ref Unsafe.Add(ref op.B, (nint)pc * ldb + jc + panel);
                for (int q = 0; q < kc; q++)
                {
                    Span<float> d = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref dst, (nint)q * nr), nr);
                    MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref src, q * ldb), cols).CopyTo(d);
                    if (cols < nr) d[cols..].Clear();
                }
            }
        }
    }
}
