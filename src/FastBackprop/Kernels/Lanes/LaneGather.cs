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

    /// <summary>Row <paramref name="rows"/>[i] (16 of them, each in range: the caller checked) of
    /// <paramref name="source"/>, <paramref name="width"/> floats wide, into lane i of <paramref name="block"/>.</summary>
    public static unsafe void Rows(Vector512<int> rows, ReadOnlySpan<float> source, int width, ref float block)
    {
        Vector512<int> starts = rows * width;
        fixed (float* first = &MemoryMarshal.GetReference(source))
        {
            Vector256<int> low = starts.GetLower(), high = starts.GetUpper();
            for (int e = 0; e < width; e++)
            {
                ref float lanes = ref Unsafe.Add(ref block, e * LaneSums.Stride);
                Avx2.GatherVector256(first + e, low, 4).StoreUnsafe(ref lanes);
                Avx2.GatherVector256(first + e, high, 4).StoreUnsafe(ref Unsafe.Add(ref lanes, 8));
            }
        }
    }
}
