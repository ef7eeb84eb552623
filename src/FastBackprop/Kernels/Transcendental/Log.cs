using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;
using static FastBackprop.Kernels.Operators.SimdMath;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// log(x) and log1p(x) = log(1 + x) per lane, with the same bits at every vector width.
//
// Operation: x = 2^e m with m in [2/3, 4/3) read off the bits (subnormal x first scaled by 2^23),
// f = m - 1 (exact), log x = e ln2 + log1p(f) with log1p(f) = f + f^2 g(f) by a minimax polynomial
// on [-1/3, 1/3]. The sum e Ln2Hi + f is split exactly (Fast2Sum) so that only the last addition
// rounds at full size. log1p forms u = 1 + x and its exact rounding error c, and carries c 2^-e
// into f as a second word, so log1p(x) is as accurate as log of an exact 1 + x.
// Only exact IEEE operations, single roundings of + - * and fused multiply-adds, integer
// operations on the bits and selects: the scalar width computes each lane as the vectors do.
//
// Handles: log(+0) = log(-0) = -inf, log(x < 0) = NaN, log(+inf) = +inf, subnormal x (to -103.28);
// log1p(-1) = -inf, log1p(x < -1) = NaN, log1p(-0) = -0, log1p(x) = x for |x| < 2^-24,
// log1p(+inf) = +inf, up to log1p(float.MaxValue); NaN gives NaN. A NaN from a negative argument
// is float.NaN; a NaN argument comes back unchanged.
//
// Accuracy (measured at every 64th bit pattern over the whole float range, 2^26 inputs, by a sweep as in
// TranscendentalSweepTests (which runs every 2^16th in the suite; FASTBACKPROP_ULP_STEP sets the step)): log at most
// 0.82 ulp, log1p at most 0.87 ulp; the tests assert 1 ulp. Never allocates; branches only around the
// fix-up of special lanes (zero, negative, infinite, NaN), which changes no lane's bits.
//
// Coefficients: minimax fit (Lawson IRLS in 50-digit mpmath, rounded to float one at a time with
// the rest refitted) of (log1p(f) - f) / f^2 on [-1/3, 1/3], degree 9, weight f^2 / |log1p(f)|.
// ---------------------------------------------------------------------------------------------

internal static partial class Transcendental
{
    private const int TwoThirdsBits = 0x3F2A_AAAB;     // 2/3 rounded up: the bottom of m's range
    private const float SmallestNormal = 1.17549435e-38f;

    /// <summary>Per lane: the natural logarithm, within 0.82 ulp (1 ulp asserted), identical at every width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Log<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
    {
        // Subnormals (and the special lanes, fixed below) are scaled into the normal range first.
        TVector tiny = LessThan(x, TSimd.Create(SmallestNormal));
        TVector scaled = Select(tiny, TSimd.Multiply(x, TSimd.Create(8388608f)), x);   // 2^23
        TVector f = Decompose<TSimd, TVector>(scaled, out TVector e);
        e = TSimd.Subtract(e, Select(tiny, TSimd.Create(23f), TSimd.Zero));
        TVector y = LogOfOnePlusReduced<TSimd, TVector>(f, e, TSimd.Zero);

        TVector inDomain = And(GreaterThan(x, TSimd.Zero), LessThan(x, TSimd.Create(float.PositiveInfinity)));
        if (AnyTrue(Xor(inDomain, FromBits<TSimd, TVector>(-1))))
        {
            // log(±0) = -inf, log(x < 0) = NaN, and +inf and NaN are their own logarithms.
            TVector special = Select(LessThan(x, TSimd.Zero), TSimd.Create(float.NaN), x);
            special = Select(Equal(x, TSimd.Zero), TSimd.Create(float.NegativeInfinity), special);
            y = Select(inDomain, y, special);
        }
        return y;
    }

    /// <summary>Per lane: log(1 + x), within 0.87 ulp of the result (relative also near 0), identical at every width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector LogOnePlus<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector one = TSimd.Create(1f);
        TVector u = TSimd.Add(one, x);
        // c = (1 + x) - u exactly (Fast2Sum, the larger operand first). u >= 2^-24 for x > -1, so it is normal.
        TVector c = Select(GreaterThan(Abs<TSimd, TVector>(x), one),
            TSimd.Add(TSimd.Subtract(x, u), one),
            TSimd.Add(TSimd.Subtract(one, u), x));
        TVector f = Decompose<TSimd, TVector>(u, out TVector e);

        // 1 + x = 2^e (1 + f + c 2^-e). The exponent of the scale is capped at 64: beyond it |c| <= 1 and
        // c 2^-e is far below an ulp of the result (>= 44), so the cap changes nothing and keeps 2^-e normal.
        TVector cap = TSimd.Create(64f);
        TVector scale = Pow2<TSimd, TVector>(TSimd.Subtract(TSimd.Zero, Select(GreaterThan(e, cap), cap, e)));
        TVector cs = TSimd.Multiply(c, scale);
        // f + cs as a rounded sum and its exact error (Fast2Sum: f = 0 or |f| >= 2^-24 >= |cs|); log1p
        // of the sum is log1p of the rounded sum plus the error times 1 / (1 + fp) ~ 1 - fp.
        TVector fp = TSimd.Add(f, cs);
        TVector flo = TSimd.Add(TSimd.Subtract(f, fp), cs);
        TVector y = LogOfOnePlusReduced<TSimd, TVector>(fp, e, TSimd.FusedMultiplyAdd(flo, TSimd.Subtract(TSimd.Zero, fp), flo));
        // log1p(x) has the sign of x; only x = -0 needs the bit (every other negative x already gives a negative y).
        y = Or(y, SignBit<TSimd, TVector>(x));

        TVector inDomain = And(GreaterThan(x, TSimd.Create(-1f)), LessThan(x, TSimd.Create(float.PositiveInfinity)));
        if (AnyTrue(Xor(inDomain, FromBits<TSimd, TVector>(-1))))
        {
            // log1p(-1) = -inf, log1p(x < -1) = NaN, and +inf and NaN are their own.
            TVector special = Select(LessThan(x, TSimd.Create(-1f)), TSimd.Create(float.NaN), x);
            special = Select(Equal(x, TSimd.Create(-1f)), TSimd.Create(float.NegativeInfinity), special);
            y = Select(inDomain, y, special);
        }
        return y;
    }

    /// <summary>For positive normal <paramref name="x"/> = 2^e m with m in [2/3, 4/3): returns f = m - 1 (exact,
    /// by Sterbenz) and e as a float. Other lanes give meaningless finite values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Decompose<TSimd, TVector>(TVector x, out TVector e) where TSimd : ISimd<TVector> where TVector : struct
    {
        // Offsetting the bits by those of 2/3 makes the exponent field step where m crosses 2/3 and 4/3.
        TVector twoThirds = FromBits<TSimd, TVector>(TwoThirdsBits);
        TVector offset = IntegerSubtract(x, twoThirds);
        e = ConvertIntegerToSingle(ShiftRightArithmetic(offset, 23));
        TVector m = IntegerAdd(And(offset, FromBits<TSimd, TVector>(0x007F_FFFF)), twoThirds);
        return TSimd.Subtract(m, TSimd.Create(1f));
    }

    /// <summary>e ln2 + log1p(f + lo) for f in [-1/3, 1/3], integer-valued e and a tiny correction lo.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector LogOfOnePlusReduced<TSimd, TVector>(TVector f, TVector e, TVector lo) where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector g = TSimd.FusedMultiplyAdd(f, TSimd.Create(LogC9), TSimd.Create(LogC8));
        g = TSimd.FusedMultiplyAdd(g, f, TSimd.Create(LogC7));
        g = TSimd.FusedMultiplyAdd(g, f, TSimd.Create(LogC6));
        g = TSimd.FusedMultiplyAdd(g, f, TSimd.Create(LogC5));
        g = TSimd.FusedMultiplyAdd(g, f, TSimd.Create(LogC4));
        g = TSimd.FusedMultiplyAdd(g, f, TSimd.Create(LogC3));
        g = TSimd.FusedMultiplyAdd(g, f, TSimd.Create(LogC2));
        g = TSimd.FusedMultiplyAdd(g, f, TSimd.Create(LogC1));
        g = TSimd.FusedMultiplyAdd(g, f, TSimd.Create(-0.5f));

        // t = e Ln2Hi is exact (|e| <= 150 has 8 bits, Ln2Hi 15); hi + low = t + f exactly (Fast2Sum:
        // |t| >= ln2/2 > |f| when e != 0, and t = 0 otherwise).
        TVector t = TSimd.Multiply(e, TSimd.Create(Ln2Hi));
        TVector hi = TSimd.Add(t, f);
        TVector low = TSimd.Add(TSimd.Subtract(t, hi), f);
        low = TSimd.FusedMultiplyAdd(e, TSimd.Create(Ln2Lo), TSimd.Add(low, lo));
        return TSimd.Add(hi, TSimd.FusedMultiplyAdd(TSimd.Multiply(f, f), g, low));
    }

    /// <summary>2^n for integer-valued n in [-126, 127], built in the exponent field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Pow2<TSimd, TVector>(TVector n) where TSimd : ISimd<TVector> where TVector : struct
    {
        // n + 1.5 * 2^23 holds n in its low bits; shifting by 23 drops the magic's own bits (all above bit 8).
        TVector k = TSimd.Add(n, TSimd.Create(RoundingMagic));
        return IntegerAdd(ShiftLeft(k, 23), FromBits<TSimd, TVector>(OneBits));
    }

    private const float LogC1 = 3.333333433e-01f;
    private const float LogC2 = -2.499982566e-01f;
    private const float LogC3 = 1.999968141e-01f;
    private const float LogC4 = -1.667936146e-01f;
    private const float LogC5 = 1.430272162e-01f;
    private const float LogC6 = -1.219853684e-01f;
    private const float LogC7 = 1.076946110e-01f;
    private const float LogC8 = -1.283390373e-01f;
    private const float LogC9 = 1.195899695e-01f;
}
