using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;
using static FastBackprop.Kernels.Operators.SimdMath;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// exp(x) and expm1(x) = e^x - 1 per lane, with the same bits at every vector width.
//
// Operation: x = n ln2 + r with n = round(x / ln2) and |r| <= ln2/2 (Cody-Waite: n ln2 in two
// parts, the first of 15 bits so that x - n Ln2Hi is exact), e^r - 1 = r + r^2 g(r) by a minimax
// polynomial, then e^x = 2^n (1 + (e^r - 1)) and e^x - 1 = 2^n (e^r - 1) + (2^n - 1).
// Every step is an exact IEEE operation or one rounding of +, -, *, or a fused multiply-add, and
// the integer n is taken from a magic-number addition (round to nearest even, the IEEE default),
// so the scalar width computes each lane exactly as the vector widths do.
//
// Handles the whole float range: x > 88.7228 gives +inf, subnormal results come out of one final
// rounding (2^n is applied as 2^n1 * 2^n2 so that neither factor leaves the normal range and only
// the last product rounds), x < -103.98 gives +0, -inf gives +0, +inf gives +inf, NaN gives NaN.
// expm1 keeps the sign of zero (expm1(-0) = -0), is accurate relative to its result near 0
// (expm1(x) = x for |x| < 2^-25, subnormals included) and gives -1 below -17.33.
//
// Accuracy (measured at every 64th bit pattern over the whole float range, 2^26 inputs, by a sweep as in
// TranscendentalSweepTests (which runs every 2^16th in the suite; FASTBACKPROP_ULP_STEP sets the step)): exp at most
// 0.80 ulp (the largest errors in subnormal results, which round twice), expm1 at most 0.79 ulp; the
// tests assert 1 ulp. Never allocates; branches only around the rare registers with |x| > 87.3,
// which changes no lane's bits.
//
// Coefficients: minimax fits (Lawson's iteratively reweighted least squares in 50-digit mpmath,
// coefficients rounded to float one at a time and the rest refitted) of (e^r - 1 - r) / r^2 on
// [-ln2/2, ln2/2]: degree 4 with weight r^2 / e^r (error 2^-28.0 relative to e^r) for exp, degree 5
// with weight r^2 / (e^r - 1) (2^-31.1 relative to e^r - 1) for expm1, which is divided by r.
// ---------------------------------------------------------------------------------------------

/// <summary>Elementary functions per lane, written once for every width of <see cref="ISimd{TVector}"/>,
/// giving the same bits at every width.</summary>
internal static partial class Transcendental
{
    private const float Log2E = 1.44269502f;                // 0x3FB8AA3B, log2(e) rounded
    private const float Ln2Hi = 0.693145751953125f;         // 0x3F317200: 15 significant bits, so n * Ln2Hi is exact for |n| < 2^9
    private const float Ln2Lo = 1.42860677e-6f;             // 0x35BFBE8E: ln 2 - Ln2Hi rounded
    private const float RoundingMagic = 12582912f;          // 1.5 * 2^23: adding it rounds |v| < 2^22 to an integer held in the low mantissa bits
    private const int RoundingMagicBits = 0x4B40_0000;
    private const int OneBits = 0x3F80_0000;

    /// <summary>Per lane: e^x, within 0.8 ulp (1 ulp asserted), identical at every width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Exp<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
    {
        // Beyond these the result is +inf (89: n = 128 and 2^128 e^r overflows) or 0 (-104: 2^-150 e^r
        // rounds to 0), so clamping changes nothing and keeps n in [-150, 128]. NaN fails both
        // comparisons and flows through to the result.
        TVector limit = TSimd.Create(89f);
        x = Select(GreaterThan(x, limit), limit, x);
        limit = TSimd.Create(-104f);
        x = Select(LessThan(x, limit), limit, x);
        return ExpCore<TSimd, TVector>(x);
    }

    /// <summary>e^x for x in [-104, 89] or NaN, rounded once from (ph + pl) 2^n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector ExpCore<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector ph = ExpOfReduced<TSimd, TVector>(x, out TVector pl, out TVector k);
        // |x| <= 87.3 means |n| <= 126: 2^n is a normal float, and ph 2^n + pl 2^n rounds once (fused, so
        // pl 2^n cannot underflow on the way).
        if (!AnyTrue(GreaterThan(Abs<TSimd, TVector>(x), TSimd.Create(87.3f))))
        {
            TVector s = Pow2FromMagic<TSimd, TVector>(k);
            return TSimd.FusedMultiplyAdd(pl, s, TSimd.Multiply(ph, s));
        }
        // Otherwise (ph + pl) 2^n1, rounded to 24 bits (normal: n1 >= -75), then times 2^n2, rounded into the
        // subnormals or to infinity: within half an ulp there plus 2^-24 of one.
        TVector s2 = SplitPow2<TSimd, TVector>(k, out TVector s1);
        return TSimd.Multiply(TSimd.FusedMultiplyAdd(pl, s1, TSimd.Multiply(ph, s1)), s2);
    }

    /// <summary>e^x for x in [-104, 89] or NaN as eh + el: eh is e^x to within 1 ulp and el most of the rest
    /// (to about 2^-26 relative), both scaled alike, so el only counts while it is normal too.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector ExpSplit<TSimd, TVector>(TVector x, out TVector el) where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector ph = ExpOfReduced<TSimd, TVector>(x, out TVector pl, out TVector k);
        if (!AnyTrue(GreaterThan(Abs<TSimd, TVector>(x), TSimd.Create(87.3f))))
        {
            TVector s = Pow2FromMagic<TSimd, TVector>(k);
            el = TSimd.Multiply(pl, s);
            return TSimd.Multiply(ph, s);
        }
        TVector s2 = SplitPow2<TSimd, TVector>(k, out TVector s1);
        el = TSimd.Multiply(TSimd.Multiply(pl, s1), s2);
        return TSimd.Multiply(TSimd.Multiply(ph, s1), s2);
    }

    /// <summary>x = n ln2 + r, and e^r = ph + pl: returns ph, with the magic-biased n in <paramref name="k"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector ExpOfReduced<TSimd, TVector>(TVector x, out TVector pl, out TVector k) where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector r = Reduce<TSimd, TVector>(x, out k, out _);
        // e^r = 1 + r + r^2 g(r) = ph + pl: q = r + r^2 g rounded, ql its rounding error (r - q is exact by
        // Sterbenz, q / r being in [0.84, 1.19]), 1 + q split exactly (Fast2Sum, 1 > |q|).
        TVector g = TSimd.FusedMultiplyAdd(r, TSimd.Create(1.386307878e-03f), TSimd.Create(8.367432281e-03f));
        g = TSimd.FusedMultiplyAdd(g, r, TSimd.Create(4.166724533e-02f));
        g = TSimd.FusedMultiplyAdd(g, r, TSimd.Create(1.666653454e-01f));
        g = TSimd.FusedMultiplyAdd(g, r, TSimd.Create(0.5f));
        TVector r2 = TSimd.Multiply(r, r);
        TVector q = TSimd.FusedMultiplyAdd(r2, g, r);
        TVector ql = TSimd.FusedMultiplyAdd(r2, g, TSimd.Subtract(r, q));
        TVector one = TSimd.Create(1f);
        TVector ph = TSimd.Add(one, q);
        pl = TSimd.Add(TSimd.Add(TSimd.Subtract(one, ph), q), ql);
        return ph;
    }

    /// <summary>2^n for |n| &lt;= 126 from the magic-biased n: n sits in k's low bits and the magic's own bits all
    /// lie above bit 8, so shifting by 23 leaves n's in the exponent field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Pow2FromMagic<TSimd, TVector>(TVector k) where TSimd : ISimd<TVector> where TVector : struct =>
        IntegerAdd(ShiftLeft(k, 23), FromBits<TSimd, TVector>(OneBits));

    /// <summary>2^n = 2^n1 2^n2 with n1 = floor(n / 2), for n in [-150, 128] from the magic-biased n: both factors
    /// in [-75, 64], so both are normal floats. Returns 2^n2, and 2^n1 in <paramref name="s1"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector SplitPow2<TSimd, TVector>(TVector k, out TVector s1) where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector n = IntegerSubtract(k, FromBits<TSimd, TVector>(RoundingMagicBits));
        TVector n1 = ShiftRightArithmetic(n, 1);
        TVector bias = FromBits<TSimd, TVector>(127);
        s1 = ShiftLeft(IntegerAdd(n1, bias), 23);
        return ShiftLeft(IntegerAdd(IntegerSubtract(n, n1), bias), 23);
    }

    /// <summary>Per lane: e^x - 1, within 0.8 ulp of the result (relative also near 0), identical at every width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector ExpM1<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
    {
        // Above 89 the result is +inf, as at 89 (n = 128); below -17.33 (e^x < 2^-25) it rounds to -1,
        // as at -18 (n = -26), so the clamps change nothing. NaN passes both.
        TVector sign = SignBit<TSimd, TVector>(x);
        TVector limit = TSimd.Create(89f);
        x = Select(GreaterThan(x, limit), limit, x);
        limit = TSimd.Create(-18f);
        x = Select(LessThan(x, limit), limit, x);

        TVector r = Reduce<TSimd, TVector>(x, out TVector k, out TVector nf);
        TVector q = ExpM1Polynomial<TSimd, TVector>(r, out TVector ql);

        // s = 2^n, except that n = 128 (x in [88.38, 89]) takes 2^127 and a final doubling, which
        // rounds nothing (it overflows exactly when the true result does).
        TVector n = IntegerSubtract(k, FromBits<TSimd, TVector>(RoundingMagicBits));
        TVector over = GreaterThan(nf, TSimd.Create(127.5f));
        n = IntegerAdd(n, over);                                   // a true mask is the integer -1
        TVector s = ShiftLeft(IntegerAdd(n, FromBits<TSimd, TVector>(127)), 23);

        // e^x - 1 = s (q + ql) + (s - 1), where s q and s ql are exact (s is a power of 2). For |n| <= 24,
        // s - 1 is exact too, and (s - 1) + s q is split exactly into hi + lo (Fast2Sum: |s - 1| >= |s q|,
        // or s - 1 = 0); beyond, s - 1 is not a float, so s + s q is split and the -1 joins the small part.
        // Either way only the last addition rounds at the size of the result: no cancellation of
        // s - 1 against s q (n = 1, q ~ -0.3) can expose q's rounding.
        TVector one = TSimd.Create(1f);
        TVector near = LessThan(Abs<TSimd, TVector>(nf), TSimd.Create(24.5f));
        TVector big = Select(near, TSimd.Subtract(s, one), s);
        TVector sq = TSimd.Multiply(s, q);
        TVector hi = TSimd.Add(big, sq);
        TVector lo = TSimd.Add(TSimd.Subtract(big, hi), sq);
        lo = TSimd.Add(TSimd.FusedMultiplyAdd(s, ql, lo), Select(near, TSimd.Zero, TSimd.Create(-1f)));
        TVector y = TSimd.Multiply(TSimd.Add(hi, lo), Select(over, TSimd.Create(2f), one));
        // e^x - 1 has the sign of x; only x = -0 needs the bit (every negative x already gives a negative y).
        return Or(y, sign);
    }

    /// <summary>x = n ln2 + r with |r| &lt;= ln2/2 (+ rounding): returns r, the magic-biased n in
    /// <paramref name="k"/> (its bits are RoundingMagicBits + n) and n as a float in <paramref name="nf"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Reduce<TSimd, TVector>(TVector x, out TVector k, out TVector nf) where TSimd : ISimd<TVector> where TVector : struct
    {
        // round(x log2 e) by one fused rounding next to 1.5 * 2^23, whose ulp is 1.
        k = TSimd.FusedMultiplyAdd(x, TSimd.Create(Log2E), TSimd.Create(RoundingMagic));
        nf = TSimd.Subtract(k, TSimd.Create(RoundingMagic));
        // x - n Ln2Hi is exact: n Ln2Hi has at most 24 bits, and the difference is a multiple of
        // min(ulp(x), 2^-15) below 0.36 in magnitude. The second step rounds once, relative to r.
        TVector r = TSimd.FusedMultiplyAdd(nf, TSimd.Create(-Ln2Hi), x);
        return TSimd.FusedMultiplyAdd(nf, TSimd.Create(-Ln2Lo), r);
    }

    /// <summary>e^r - 1 = r + r^2 g(r) for |r| &lt;= ln2/2, relative to e^r - 1 (so r itself for tiny r), as
    /// q + <paramref name="ql"/>: q rounded, ql the rounding error of its last step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector ExpM1Polynomial<TSimd, TVector>(TVector r, out TVector ql) where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector g = TSimd.FusedMultiplyAdd(r, TSimd.Create(1.976258354e-04f), TSimd.Create(1.393232029e-03f));
        g = TSimd.FusedMultiplyAdd(g, r, TSimd.Create(8.333545178e-03f));
        g = TSimd.FusedMultiplyAdd(g, r, TSimd.Create(4.166649282e-02f));
        g = TSimd.FusedMultiplyAdd(g, r, TSimd.Create(1.666666567e-01f));
        g = TSimd.FusedMultiplyAdd(g, r, TSimd.Create(0.5f));
        TVector r2 = TSimd.Multiply(r, r);
        TVector q = TSimd.FusedMultiplyAdd(r2, g, r);
        // r - q is exact (Sterbenz: q / r is in [0.84, 1.19]), so the fused step below is q's rounding error
        // (to within r2's own rounding, relatively 2^-24 of r^2 g).
        ql = TSimd.FusedMultiplyAdd(r2, g, TSimd.Subtract(r, q));
        return q;
    }
}
