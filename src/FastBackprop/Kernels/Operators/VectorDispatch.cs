using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FastBackprop.Kernels.Operators;

// ---------------------------------------------------------------------------------------------
// The one place that picks a kernel's vector width. A kernel writes its loop once, generic over
// ISimd<TVector>, wraps its operands in a small ref struct implementing IVectorKernel, and hands
// it here; VectorTiers.For chooses the widest accelerated register that fits the row (so a short
// row never runs an emulated or mostly-empty register) and this switch instantiates the loop at
// that width. The JIT folds IsHardwareAccelerated to constants, so the switch costs a few compares.
// ---------------------------------------------------------------------------------------------

/// <summary>A kernel body, written once and run at the vector width <see cref="VectorDispatch"/> picks.</summary>
internal interface IVectorKernel
{
    /// <summary>Runs the kernel with registers of <typeparamref name="TSimd"/>'s width.</summary>
    void Run<TSimd, TVector>() where TSimd : ISimd<TVector> where TVector : struct;
}

/// <summary>Runs a kernel at the widest accelerated vector tier that fits its row length.</summary>
internal static class VectorDispatch
{
    /// <summary>Runs <paramref name="kernel"/> at <see cref="VectorTiers.For"/>(<paramref name="length"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<TKernel>(int length, ref TKernel kernel) where TKernel : IVectorKernel, allows ref struct
    {
        switch (VectorTiers.For(length))
        {
            case VectorTier.Vector512: kernel.Run<Simd512, Vector512<float>>(); break;
            case VectorTier.Vector256: kernel.Run<Simd256, Vector256<float>>(); break;
            case VectorTier.Vector128: kernel.Run<Simd128, Vector128<float>>(); break;
            default: kernel.Run<SimdScalar, float>(); break;
        }
    }
}
