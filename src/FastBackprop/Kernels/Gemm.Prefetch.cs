using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// Gemm prefetch: the source of the next B block, hinted towards cache while the microkernels
// work on the current one.
//
// Packing a B block reads it once (Gemm.Pack.cs); when it is a weight matrix beyond the L2 and
// L3 (784-2048-2048-10: 16 MiB, read by the forward and backward products of every step), each
// row the pack visits is a new 4 KiB page, which the hardware prefetchers do not cross, so the
// pack waits on memory: 9% of that step on a Zen 4 core, against 2% for the same packs from
// cache. Hints issued in bursts between microkernel calls made the pack three times faster but
// slowed the microkernels by almost as much (most likely the burst occupies the L1 miss buffers
// that the microkernel's B-panel loads from L2 need). One hint every four depth steps inside the
// microkernel keeps a few lines in flight at any time, spread over the block: that step ran
// 1.04-1.05x as fast (11 of 11 alternating trials in one process), resident shapes the same.
// Contract: a LineStream covers rows x floats at stride ld; Hint issues one cache-line hint and
// advances, and does nothing once the region is covered or on CPUs without SSE. A hint is never
// a memory access: it cannot fault, change a value or the bits of a product, and a hint past the
// region's last float (the region need not start on a line) is harmless.
// ---------------------------------------------------------------------------------------------

public static partial class Gemm
{
    /// <summary>The cache lines of a rows x floats region (row stride ld), hinted one at a time by
    /// <see cref="Hint"/>; <c>default</c> is the empty stream.</summary>
    internal unsafe ref struct LineStream
    {
        private const int LineFloats = 16;
        private readonly float* start;
        private readonly nint ld;
        private readonly int rows, linesPerRow;
        private int row, line;

        /// <summary>The region of <paramref name="rows"/> rows of <paramref name="floats"/> floats from
        /// <paramref name="first"/>, row stride <paramref name="ld"/>.</summary>
        public LineStream(ref float first, nint ld, int rows, int floats)
        {
            // The address only feeds hints; if the GC moves the array the hints are merely wasted.
            start = (float*)Unsafe.AsPointer(ref first);
            this.ld = ld;
            this.rows = rows;
            linesPerRow = (floats + LineFloats - 1) / LineFloats + 1;  // + 1: a row need not start on a line
        }

        /// <summary>Hints the next line of the region towards L2 (a no-op once the region is covered).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Hint()
        {
            if (!Sse.IsSupported || row == rows) return;
            Sse.Prefetch1(start + row * ld + line * LineFloats);
            if (++line == linesPerRow)
            {
                line = 0;
                row++;
            }
        }
    }

    /// <summary>The source of the B block that <see cref="Drive{TKernel, TPanels}"/> packs after block (pc, jc) in the same row
    /// block of C, or the empty stream when (pc, jc) is the row block's last: the next row block starts again at
    /// (0, 0), which it has packed before.</summary>
    private static LineStream NextBlock(ref Operands op, int pc, int jc)
    {
        int nextJc = jc + NC, nextPc = pc;
        if (nextJc >= op.N)
        {
            nextJc = 0;
            nextPc += KC;
        }
        if (nextPc >= op.K) return default;
        int kc = Math.Min(KC, op.K - nextPc), nc = Math.Min(NC, op.N - nextJc);
        return op.Form == GemmForm.NT
            ? new LineStream(ref Unsafe.Add(ref op.B, (nint)nextJc * op.Ldb + nextPc), op.Ldb, nc, kc)  // B is n x k
            : new LineStream(ref Unsafe.Add(ref op.B, (nint)nextPc * op.Ldb + nextJc), op.Ldb, kc, nc);
    }
}
