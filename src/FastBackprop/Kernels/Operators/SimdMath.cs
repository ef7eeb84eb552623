using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
namespace FastBackprop.Kernels.Operators;

// ---------------------------------------------------------------------------------------------
// The operations some kernels need beyond ISimd: square root, division and maximum, and (in
// SimdMath.Lanes.cs) the per-lane operations the transcendental kernels are built from
// (Kernels/Transcendental, which kernels call directly).
//
// They dispatch on typeof(TVector), which the JIT folds to a constant for every value-type
// instantiation, so each call compiles to the code of its width with no branch left. Every result
// is identical at every width, bit for bit: square root, division and maximum are exact IEEE
// operations.
// ---------------------------------------------------------------------------------------------

/// <summary>Square root, division and maximum for the register types of <see cref="ISimd{TVector}"/>.</summary>
internal static partial class SimdMath
{
    /// <summary>Per lane: √x (NaN for x &lt; 0, as IEEE).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Sqrt<TVector>(TVector x) where TVector : struct
    {
        if (typeof(TVector) == typeof(Vector512<float>))
            return Unsafe.BitCast<Vector512<float>, TVector>(Vector512.Sqrt(Unsafe.BitCast<TVector, Vector512<float>>(x)));
        if (typeof(TVector) == typeof(Vector256<float>))
            return Unsafe.BitCast<Vector256<float>, TVector>(Vector256.Sqrt(Unsafe.BitCast<TVector, Vector256<float>>(x)));
        if (typeof(TVector) == typeof(Vector128<float>))
            return Unsafe.BitCast<Vector128<float>, TVector>(Vector128.Sqrt(Unsafe.BitCast<TVector, Vector128<float>>(x)));
        if (typeof(TVector) == typeof(float))
            return Unsafe.BitCast<float, TVector>(MathF.Sqrt(Unsafe.BitCast<TVector, float>(x)));
        return ThrowUnsupported<TVector>();
    }

    /// <summary>Per lane: a / b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Divide<TVector>(TVector a, TVector b) where TVector : struct
    {
        if (typeof(TVector) == typeof(Vector512<float>))
            return Unsafe.BitCast<Vector512<float>, TVector>(Unsafe.BitCast<TVector, Vector512<float>>(a) / Unsafe.BitCast<TVector, Vector512<float>>(b));
        if (typeof(TVector) == typeof(Vector256<float>))
            return Unsafe.BitCast<Vector256<float>, TVector>(Unsafe.BitCast<TVector, Vector256<float>>(a) / Unsafe.BitCast<TVector, Vector256<float>>(b));
        if (typeof(TVector) == typeof(Vector128<float>))
            return Unsafe.BitCast<Vector128<float>, TVector>(Unsafe.BitCast<TVector, Vector128<float>>(a) / Unsafe.BitCast<TVector, Vector128<float>>(b));
        if (typeof(TVector) == typeof(float))
            return Unsafe.BitCast<float, TVector>(Unsafe.BitCast<TVector, float>(a) / Unsafe.BitCast<TVector, float>(b));
        return ThrowUnsupported<TVector>();
    }

    /// <summary>Per lane: max(a, b), NaN if either is NaN (IEEE 754-2019 maximum).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Max<TVector>(TVector a, TVector b) where TVector : struct
    {
        if (typeof(TVector) == typeof(Vector512<float>))
            return Unsafe.BitCast<Vector512<float>, TVector>(Vector512.Max(Unsafe.BitCast<TVector, Vector512<float>>(a), Unsafe.BitCast<TVector, Vector512<float>>(b)));
        if (typeof(TVector) == typeof(Vector256<float>))
            return Unsafe.BitCast<Vector256<float>, TVector>(Vector256.Max(Unsafe.BitCast<TVector, Vector256<float>>(a), Unsafe.BitCast<TVector, Vector256<float>>(b)));
        if (typeof(TVector) == typeof(Vector128<float>))
            return Unsafe.BitCast<Vector128<float>, TVector>(Vector128.Max(Unsafe.BitCast<TVector, Vector128<float>>(a), Unsafe.BitCast<TVector, Vector128<float>>(b)));
        if (typeof(TVector) == typeof(float))
            return Unsafe.BitCast<float, TVector>(MathF.Max(Unsafe.BitCast<TVector, float>(a), Unsafe.BitCast<TVector, float>(b)));
        return ThrowUnsupported<TVector>();
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TVector ThrowUnsupported<TVector>() =>
        throw new NotSupportedException($"{typeof(TVector)} is not a register type of ISimd.");
}
