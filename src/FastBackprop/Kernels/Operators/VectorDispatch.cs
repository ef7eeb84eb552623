using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FastBackprop.Kernels.Operators;

// ---------------------------------------------------------------------------------------------
// The one place that picks a kernel's vector width. A kernel writes its loop once, generic over
// ISimd<TVector>, wraps its operands in a small ref struct implementing IVectorKernel, and hands
// it here; VectorTiers.For chooses the widest accelerated register that fits the row (so a short
// row never runs an emulated or mostly-empty register) and this switch instantiates the loop at
// that width. The JIT folds IsHardwareAccelerated to constants, so the switch costs a few compares.
// A kernel that reduces is written over the 16 canonical lanes instead (ILanes16, Lanes16.cs) and
// runs through RunLanes, which picks how the 16 lanes are held. Neither choice changes a bit of
// any result (the operations are lane-wise, the order of every sum is fixed); they pick speed only.
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

    /// <summary>Runs <paramref name="kernel"/> with the 16 lanes in the widest accelerated registers: one
    /// Vector512, two Vector256, four Vector128, or 16 floats without hardware vectors. Unlike
    /// <see cref="Run{TKernel}"/> this does not depend on the length: a sum shorter than 16 is one partial
    /// block (a masked load where the CPU has one), and its bits are the same whichever lanes run it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RunLanes<TKernel>(ref TKernel kernel) where TKernel : ILanesKernel, allows ref struct
    {
        if (Vector512.IsHardwareAccelerated) kernel.Run<Lanes512>();
        else if (Vector256.IsHardwareAccelerated) kernel.Run<Lanes256>();
        else if (Vector128.IsHardwareAccelerated) kernel.Run<Lanes128>();
        else kernel.Run<LanesScalar>();
    }
}
