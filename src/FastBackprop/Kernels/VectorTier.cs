using System.Numerics;
using System.Runtime.Intrinsics;

namespace FastBackprop.Kernels;

/// <summary>The vector width a kernel runs at.</summary>
public enum VectorTier
{
    /// <summary>Plain scalar code: no hardware vectors, or a span shorter than four floats.</summary>
    Scalar = 1,

    /// <summary>128-bit vectors (4 floats): SSE / AdvSimd.</summary>
    Vector128 = 4,

    /// <summary>256-bit vectors (8 floats): AVX2.</summary>
    Vector256 = 8,

    /// <summary>512-bit vectors (16 floats): AVX-512.</summary>
    Vector512 = 16,
}

/// <summary>Which vector tier this process runs, and which a kernel picks for a given length.</summary>
public static class VectorTiers
{
    /// <summary>The widest hardware-accelerated tier in this process. It reflects the
    /// <c>DOTNET_EnableAVX512</c>, <c>DOTNET_EnableAVX2</c> and <c>DOTNET_EnableHWIntrinsic</c> settings.</summary>
    public static VectorTier Active { get; } =
        Vector512.IsHardwareAccelerated ? VectorTier.Vector512
        : Vector256.IsHardwareAccelerated ? VectorTier.Vector256
        : Vector128.IsHardwareAccelerated ? VectorTier.Vector128
        : VectorTier.Scalar;

    /// <summary>Floats per <see cref="Vector{T}"/> in this process (informational: the kernels use the explicit tiers).</summary>
    public static int VectorTCount => Vector<float>.Count;

    /// <summary>The widest accelerated tier whose register fits in <paramref name="length"/> floats.
    /// A narrower register for short rows keeps tiny layers (2-4 units) out of the tail loop;
    /// an unaccelerated Vector512 is never chosen, since it is emulated in software.</summary>
    public static VectorTier For(int length)
    {
        // The JIT folds the IsHardwareAccelerated checks to constants, so this is a few compares.
        if (Vector512.IsHardwareAccelerated && length >= 16) return VectorTier.Vector512;
        if (Vector256.IsHardwareAccelerated && length >= 8) return VectorTier.Vector256;
        if (Vector128.IsHardwareAccelerated && length >= 4) return VectorTier.Vector128;
        return VectorTier.Scalar;
    }
}
