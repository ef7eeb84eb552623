using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FastBackprop.Kernels.Operators;

// ---------------------------------------------------------------------------------------------
// SoftwareFma: the fused multiply-add a * b + c of floats, correctly rounded (one rounding), for
// CPUs without an FMA instruction (x86 before Haswell; the DOTNET_EnableAVX2=0 and
// DOTNET_EnableHWIntrinsic=0 tiers of CI). The runtime's own fallbacks are exact too, but call
// out to the C library for every element (MathF.FusedMultiplyAdd, and Vector128.FusedMultiplyAdd
// element by element), which made training on those tiers an order of magnitude slower; this is
// a handful of inlined double operations, two lanes per SSE2 register.
//
// Why it is exact (Boldo & Melquiond, "Emulation of FMA and correctly rounded sums: proved
// algorithms using rounding to odd", IEEE Trans. Computers 57(4), 2008):
//   1. p = (double)a * b is exact: two 24-bit significands give at most 48 bits, and the
//      exponents of floats (products down to 2^-298, up to 2^256) are well inside double's range.
//   2. s = p + c rounded to nearest double, and its error e = (p + c) - s exactly (TwoSum, Knuth:
//      six double operations, exact without overflow, which p + c cannot reach).
//   3. Round to odd: if e != 0 and s's last significand bit is 0, step s one ulp towards p + c
//      (the neighbour on the other side of p + c, whose last bit is 1). The result is RO(p + c),
//      p + c rounded to 53 bits "to odd".
//   4. Rounding RO(p + c) to the nearest float gives RN(p + c), the correctly rounded fma, because
//      53 >= 24 + 2 (the theorem's condition). Float subnormals, overflow to infinity and signed
//      zeros come out as IEEE fma gives them: p + c is exact or odd-rounded at a double exponent
//      far from double's subnormals, and the one rounding to float happens last, as in a true fma.
//      (A zero sum: e = 0 and s is the IEEE sum of p and c, signs included.)
// Infinities and NaN skip step 3 (s is not finite) and propagate as IEEE says. The plain
// (float)(p + c) would round twice and be wrong in rare cases (a = 1.9995118f, b = 2.9809598e-08f,
// c = 1 gives 1 instead of 1.0000001f; SoftwareFmaTests checks such cases against hardware FMA).
// ---------------------------------------------------------------------------------------------

/// <summary>Correctly rounded float fused multiply-add from double arithmetic, for CPUs without FMA.</summary>
internal static class SoftwareFma
{
    /// <summary>a * b + c, rounded once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Fused(float a, float b, float c)
    {
        double p = (double)a * b, d = c;
        double s = p + d;
        double t = s - p;
        double e = (p - (s - t)) + (d - t);   // (p + c) - s, exactly
        long bits = BitConverter.DoubleToInt64Bits(s);
        if (e != 0 && (bits & 1) == 0 && double.IsFinite(s))
        {
            bits += (BitConverter.DoubleToInt64Bits(e) ^ bits) >= 0 ? 1 : -1;   // one ulp away from zero if e has s's sign, else towards it
            s = BitConverter.Int64BitsToDouble(bits);
        }
        return (float)s;
    }

    /// <summary>Per lane a * b + c, rounded once: the same steps on two doubles at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Fused(Vector128<float> a, Vector128<float> b, Vector128<float> c) =>
        Vector128.Narrow(
            Fused(Vector128.WidenLower(a), Vector128.WidenLower(b), Vector128.WidenLower(c)),
            Fused(Vector128.WidenUpper(a), Vector128.WidenUpper(b), Vector128.WidenUpper(c)));

    // Steps 1 to 3 on two lanes (a, b, c are floats widened exactly); the caller narrows (step 4).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> Fused(Vector128<double> a, Vector128<double> b, Vector128<double> c)
    {
        Vector128<double> p = a * b;
        Vector128<double> s = p + c;
        Vector128<double> t = s - p;
        Vector128<double> e = (p - (s - t)) + (c - t);
        Vector128<long> bits = s.AsInt64();
        // Lanes to step: e != 0, s finite, last bit 0. Each condition as a mask of all ones.
        Vector128<long> inexact = ~Vector128.Equals(e, Vector128<double>.Zero).AsInt64();
        Vector128<long> finite = Vector128.LessThan(Vector128.Abs(s), Vector128.Create(double.PositiveInfinity)).AsInt64();
        Vector128<long> even = Vector128<long>.Zero - ((bits & Vector128<long>.One) ^ Vector128<long>.One);
        // +1 when e and s have the same sign (away from zero), -1 otherwise: 1 - 2 * (sign bit of e ^ s).
        Vector128<long> signs = Vector128.ShiftRightLogical(e.AsInt64() ^ bits, 63);
        Vector128<long> step = (Vector128<long>.One - (signs + signs)) & inexact & finite & even;
        return (bits + step).AsDouble();
    }
}
