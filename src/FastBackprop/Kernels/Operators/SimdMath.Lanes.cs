using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FastBackprop.Kernels.Operators;

// ---------------------------------------------------------------------------------------------
// The per-lane operations the transcendental kernels (Kernels/Transcendental) are built from,
// beyond ISimd's arithmetic (whose FusedMultiplyAdd they use): bitwise operations, 32-bit integer
// arithmetic on a float register's bits, comparisons and selects.
//
// Every one of them is exact, or rounds once as IEEE-754 binary32 prescribes, at every width, so a
// kernel made of them gives the same bits for a lane whatever the width: the scalar width runs the
// same operations on one lane.
//
// Masks are float registers whose lanes are all ones (true) or all zeros (false), as the vector
// comparisons return them; the scalar width uses the float with those bits. Integer operations
// reinterpret a lane's 32 bits as a two's-complement int and wrap on overflow, at every width.
// ---------------------------------------------------------------------------------------------

internal static partial class SimdMath
{
    /// <summary>A register with every lane holding the float whose bits are <paramref name="bits"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector FromBits<TSimd, TVector>(int bits) where TSimd : ISimd<TVector> where TVector : struct =>
        TSimd.Create(BitConverter.Int32BitsToSingle(bits));

    // ---- bitwise ----------------------------------------------------------------------------

    /// <summary>Per lane: the bits of a AND b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector And<TVector>(TVector a, TVector b) where TVector : struct
    {
        if (typeof(TVector) == typeof(Vector512<float>)) return To<TVector>(V512(a) & V512(b));
        if (typeof(TVector) == typeof(Vector256<float>)) return To<TVector>(V256(a) & V256(b));
        if (typeof(TVector) == typeof(Vector128<float>)) return To<TVector>(V128(a) & V128(b));
        if (typeof(TVector) == typeof(float)) return ToBits<TVector>(Bits(a) & Bits(b));
        return ThrowUnsupported<TVector>();
    }

    /// <summary>Per lane: the bits of a OR b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Or<TVector>(TVector a, TVector b) where TVector : struct
    {
        if (typeof(TVector) == typeof(Vector512<float>)) return To<TVector>(V512(a) | V512(b));
        if (typeof(TVector) == typeof(Vector256<float>)) return To<TVector>(V256(a) | V256(b));
        if (typeof(TVector) == typeof(Vector128<float>)) return To<TVector>(V128(a) | V128(b));
        if (typeof(TVector) == typeof(float)) return ToBits<TVector>(Bits(a) | Bits(b));
        return ThrowUnsupported<TVector>();
    }

    /// <summary>Per lane: the bits of a XOR b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Xor<TVector>(TVector a, TVector b) where TVector : struct
    {
        if (typeof(TVector) == typeof(Vector512<float>)) return To<TVector>(V512(a) ^ V512(b));
        if (typeof(TVector) == typeof(Vector256<float>)) return To<TVector>(V256(a) ^ V256(b));
        if (typeof(TVector) == typeof(Vector128<float>)) return To<TVector>(V128(a) ^ V128(b));
        if (typeof(TVector) == typeof(float)) return ToBits<TVector>(Bits(a) ^ Bits(b));
        return ThrowUnsupported<TVector>();
    }

    /// <summary>Per lane: |x|, by clearing the sign bit (so |NaN| is a NaN with the same payload).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Abs<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct =>
        And(x, FromBits<TSimd, TVector>(0x7FFF_FFFF));

    /// <summary>Per lane: the sign bit of x alone (-0 for negative x and negative NaNs, +0 otherwise).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector SignBit<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct =>
        And(x, TSimd.Create(-0f));

    // ---- comparisons and select ------------------------------------------------------------

    /// <summary>Per lane: a &gt; b as a mask (false when either is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector GreaterThan<TVector>(TVector a, TVector b) where TVector : struct
    {
        if (typeof(TVector) == typeof(Vector512<float>)) return To<TVector>(Vector512.GreaterThan(V512(a), V512(b)));
        if (typeof(TVector) == typeof(Vector256<float>)) return To<TVector>(Vector256.GreaterThan(V256(a), V256(b)));
        if (typeof(TVector) == typeof(Vector128<float>)) return To<TVector>(Vector128.GreaterThan(V128(a), V128(b)));
        if (typeof(TVector) == typeof(float)) return Mask<TVector>(S(a) > S(b));
        return ThrowUnsupported<TVector>();
    }

    /// <summary>Per lane: a &lt; b as a mask (false when either is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector LessThan<TVector>(TVector a, TVector b) where TVector : struct => GreaterThan(b, a);

    /// <summary>Per lane: a == b as a mask (false when either is NaN; -0 == +0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Equal<TVector>(TVector a, TVector b) where TVector : struct
    {
        if (typeof(TVector) == typeof(Vector512<float>)) return To<TVector>(Vector512.Equals(V512(a), V512(b)));
        if (typeof(TVector) == typeof(Vector256<float>)) return To<TVector>(Vector256.Equals(V256(a), V256(b)));
        if (typeof(TVector) == typeof(Vector128<float>)) return To<TVector>(Vector128.Equals(V128(a), V128(b)));
        if (typeof(TVector) == typeof(float)) return Mask<TVector>(S(a) == S(b));
        return ThrowUnsupported<TVector>();
    }

    /// <summary>Per lane: <paramref name="mask"/> ? <paramref name="whenTrue"/> : <paramref name="whenFalse"/>,
    /// the bits of the chosen operand unchanged.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Select<TVector>(TVector mask, TVector whenTrue, TVector whenFalse) where TVector : struct
    {
        if (typeof(TVector) == typeof(Vector512<float>)) return To<TVector>(Vector512.ConditionalSelect(V512(mask), V512(whenTrue), V512(whenFalse)));
        if (typeof(TVector) == typeof(Vector256<float>)) return To<TVector>(Vector256.ConditionalSelect(V256(mask), V256(whenTrue), V256(whenFalse)));
        if (typeof(TVector) == typeof(Vector128<float>)) return To<TVector>(Vector128.ConditionalSelect(V128(mask), V128(whenTrue), V128(whenFalse)));
        if (typeof(TVector) == typeof(float)) return Bits(mask) != 0 ? whenTrue : whenFalse;
        return ThrowUnsupported<TVector>();
    }

    /// <summary>Whether any lane of <paramref name="mask"/> is true: for branches around work that only
    /// rare lanes need (the branch changes how long a register takes, never a lane's bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyTrue<TVector>(TVector mask) where TVector : struct
    {
        if (typeof(TVector) == typeof(Vector512<float>)) return Vector512.ExtractMostSignificantBits(V512(mask)) != 0;
        if (typeof(TVector) == typeof(Vector256<float>)) return Vector256.ExtractMostSignificantBits(V256(mask)) != 0;
        if (typeof(TVector) == typeof(Vector128<float>)) return Vector128.ExtractMostSignificantBits(V128(mask)) != 0;
        if (typeof(TVector) == typeof(float)) return Bits(mask) != 0;
        ThrowUnsupported<TVector>();
        return false;
    }

    // ---- integer lanes -----------------------------------------------------------------------

    /// <summary>Per lane: the bits of a plus the bits of b, as 32-bit integers (wrapping).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector IntegerAdd<TVector>(TVector a, TVector b) where TVector : struct
    {
        if (typeof(TVector) == typeof(Vector512<float>)) return To<TVector>((V512(a).AsInt32() + V512(b).AsInt32()).AsSingle());
        if (typeof(TVector) == typeof(Vector256<float>)) return To<TVector>((V256(a).AsInt32() + V256(b).AsInt32()).AsSingle());
        if (typeof(TVector) == typeof(Vector128<float>)) return To<TVector>((V128(a).AsInt32() + V128(b).AsInt32()).AsSingle());
        if (typeof(TVector) == typeof(float)) return ToBits<TVector>(unchecked(Bits(a) + Bits(b)));
        return ThrowUnsupported<TVector>();
    }

    /// <summary>Per lane: the bits of a minus the bits of b, as 32-bit integers (wrapping).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector IntegerSubtract<TVector>(TVector a, TVector b) where TVector : struct
    {
        if (typeof(TVector) == typeof(Vector512<float>)) return To<TVector>((V512(a).AsInt32() - V512(b).AsInt32()).AsSingle());
        if (typeof(TVector) == typeof(Vector256<float>)) return To<TVector>((V256(a).AsInt32() - V256(b).AsInt32()).AsSingle());
        if (typeof(TVector) == typeof(Vector128<float>)) return To<TVector>((V128(a).AsInt32() - V128(b).AsInt32()).AsSingle());
        if (typeof(TVector) == typeof(float)) return ToBits<TVector>(unchecked(Bits(a) - Bits(b)));
        return ThrowUnsupported<TVector>();
    }

    /// <summary>Per lane: the bits shifted left by <paramref name="count"/> (0..31), zeros shifted in.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector ShiftLeft<TVector>(TVector x, [ConstantExpected(Min = 0, Max = 31)] int count) where TVector : struct
    {
        if (typeof(TVector) == typeof(Vector512<float>)) return To<TVector>(Vector512.ShiftLeft(V512(x).AsInt32(), count).AsSingle());
        if (typeof(TVector) == typeof(Vector256<float>)) return To<TVector>(Vector256.ShiftLeft(V256(x).AsInt32(), count).AsSingle());
        if (typeof(TVector) == typeof(Vector128<float>)) return To<TVector>(Vector128.ShiftLeft(V128(x).AsInt32(), count).AsSingle());
        if (typeof(TVector) == typeof(float)) return ToBits<TVector>(Bits(x) << count);
        return ThrowUnsupported<TVector>();
    }

    /// <summary>Per lane: the bits shifted right by <paramref name="count"/> (0..31), copies of the sign bit shifted in.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector ShiftRightArithmetic<TVector>(TVector x, [ConstantExpected(Min = 0, Max = 31)] int count) where TVector : struct
    {
        if (typeof(TVector) == typeof(Vector512<float>)) return To<TVector>(Vector512.ShiftRightArithmetic(V512(x).AsInt32(), count).AsSingle());
        if (typeof(TVector) == typeof(Vector256<float>)) return To<TVector>(Vector256.ShiftRightArithmetic(V256(x).AsInt32(), count).AsSingle());
        if (typeof(TVector) == typeof(Vector128<float>)) return To<TVector>(Vector128.ShiftRightArithmetic(V128(x).AsInt32(), count).AsSingle());
        if (typeof(TVector) == typeof(float)) return ToBits<TVector>(Bits(x) >> count);
        return ThrowUnsupported<TVector>();
    }

    /// <summary>Per lane: the bits, as a 32-bit integer, converted to float; exact for |i| ≤ 2^24.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector ConvertIntegerToSingle<TVector>(TVector i) where TVector : struct
    {
        if (typeof(TVector) == typeof(Vector512<float>)) return To<TVector>(Vector512.ConvertToSingle(V512(i).AsInt32()));
        if (typeof(TVector) == typeof(Vector256<float>)) return To<TVector>(Vector256.ConvertToSingle(V256(i).AsInt32()));
        if (typeof(TVector) == typeof(Vector128<float>)) return To<TVector>(Vector128.ConvertToSingle(V128(i).AsInt32()));
        if (typeof(TVector) == typeof(float)) return To<TVector>((float)Bits(i));
        return ThrowUnsupported<TVector>();
    }

    // ---- reinterpretation ----------------------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> V512<TVector>(TVector x) where TVector : struct => Unsafe.BitCast<TVector, Vector512<float>>(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> V256<TVector>(TVector x) where TVector : struct => Unsafe.BitCast<TVector, Vector256<float>>(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> V128<TVector>(TVector x) where TVector : struct => Unsafe.BitCast<TVector, Vector128<float>>(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float S<TVector>(TVector x) where TVector : struct => Unsafe.BitCast<TVector, float>(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Bits<TVector>(TVector x) where TVector : struct => Unsafe.BitCast<TVector, int>(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector To<TVector>(Vector512<float> x) where TVector : struct => Unsafe.BitCast<Vector512<float>, TVector>(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector To<TVector>(Vector256<float> x) where TVector : struct => Unsafe.BitCast<Vector256<float>, TVector>(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector To<TVector>(Vector128<float> x) where TVector : struct => Unsafe.BitCast<Vector128<float>, TVector>(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector To<TVector>(float x) where TVector : struct => Unsafe.BitCast<float, TVector>(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector ToBits<TVector>(int bits) where TVector : struct => Unsafe.BitCast<int, TVector>(bits);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Mask<TVector>(bool condition) where TVector : struct => Unsafe.BitCast<int, TVector>(condition ? -1 : 0);
}
