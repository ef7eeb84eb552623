using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// A float buffer whose first element sits on a 64-byte boundary (one cache line, one Vector512),
// for the long-lived buffers the kernels stream through: parameters, gradients, optimizer state,
// batch workspaces. A plain float[] starts wherever the allocator put it (the parameters of
// 784-256-128-10 started at 56 mod 64), so every Vector512 access of a 784-float weight row
// straddled two cache lines; aligned, a row's loads split only where the row length does.
//
// How: a pinned array (GC.AllocateArray(pinned: true), on the pinned object heap: never moved, so
// the address computed once stays valid) 15 floats longer than asked, and the span starting at
// the first 64-byte boundary in it. Zeroed like new float[n]. The layout inside is the caller's:
// the buffer only moves where the whole block starts.
// ---------------------------------------------------------------------------------------------

/// <summary>A zero-initialised float buffer of fixed length whose first element is 64-byte aligned; used as a span.</summary>
internal readonly struct AlignedBuffer
{
    private const int AlignmentBytes = 64;

    /// <summary>Floats of room to move the start to the next boundary (the array's data is at least 4-byte aligned).</summary>
    private const int Slack = (AlignmentBytes / sizeof(float)) - 1;

    private readonly float[] array;
    private readonly int start;

    /// <summary>Allocates <paramref name="length"/> floats, all zero, starting on a 64-byte boundary.</summary>
    public AlignedBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        array = GC.AllocateArray<float>(checked(length + Slack), pinned: true);
        start = AlignedStart(array);
        Length = length;
    }

    /// <summary>The number of floats.</summary>
    public int Length { get; }

    /// <summary>The whole buffer. (Unchecked: hot paths take it per call. A default instance has no array and must not
    /// be used; every owner assigns its buffers in its constructor.)</summary>
    public Span<float> Span => MemoryMarshal.CreateSpan(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(array), start), Length);

    public static implicit operator Span<float>(AlignedBuffer buffer) => buffer.Span;

    public static implicit operator ReadOnlySpan<float>(AlignedBuffer buffer) => buffer.Span;

    /// <summary><paramref name="length"/> floats from <paramref name="offset"/> (bounds checked).</summary>
    public Span<float> AsSpan(int offset, int length) => Span.Slice(offset, length);

    /// <summary>The index of the first element of a pinned array that is 64-byte aligned.</summary>
    private static unsafe int AlignedStart(float[] pinned)
    {
        nint misalignment = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned)) & (AlignmentBytes - 1);
        return misalignment == 0 ? 0 : (int)(AlignmentBytes - misalignment) / sizeof(float);
    }
}
