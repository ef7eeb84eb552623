using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FastBackprop.Kernels.Lanes;

// ---------------------------------------------------------------------------------------------
// LaneGather: 16 rows of one row-major matrix into a lane block (element e of lane i's row at
// [e · 16 + i]) by AVX2 gathers (.NET has no AVX-512 gather), two per element: the lock-step driver's
// common step (16 lanes on one data set, one row each) copied 16 x (inputs + targets) floats one
// by one, a large part of a tiny network's lane step. Data movement only: every float arrives
// with its bits. Without AVX2 (or with fewer than 16 lanes) the caller copies element by element.
// ---------------------------------------------------------------------------------------------

/// <summary>Hardware gathers of 16 rows into a lane block (see the file header).</summary>
internal static class LaneGather
{
    /// <summary>Whether <see cref="Rows"/> gathers on this machine.</summary>
    public static bool IsSupported => Avx2.IsSupported;

    /// <summary>Row r[i] (16 of them: lanes 0-7 in <paramref name="lowRows"/>, 8-15 in <paramref name="highRows"/>, each
    /// in range: the caller checked) of <paramref name="source"/>, <paramref name="width"/> floats wide, into lane i of
    /// <paramref name="block"/>.</summary>
    public static unsafe void Rows(Vector256<int> lowRows, Vector256<int> highRows, ReadOnlySpan<float> source, int width, ref float block)
    {
        fixed (float* first = &MemoryMarshal.GetReference(source))
        {
            Vector256<int> low = lowRows * width, high = highRows * width;
            for (int e = 0; e < width; e++)
            {
                ref float lanes = ref Unsafe.Add(ref block, e * LaneSums.Stride);
                Avx2.GatherVector256(first + e, low, 4).StoreUnsafe(ref lanes);
                Avx2.GatherVector256(first + e, high, 4).StoreUnsafe(ref Unsafe.Add(ref lanes, 8));
            }
        }
    }
}
