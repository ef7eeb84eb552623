using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;
using static FastBackprop.Kernels.Operators.SimdMath;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// The logistic function σ(x) = 1 / (1 + e^-x) per lane, with the same bits at every vector width.
//
// Operation: e = e^(-|x|) (exp's reduction, polynomial and scaling), then σ = 1 / (1 + e) for
// x >= 0 and σ = e / (1 + e) for x < 0. The second form keeps full relative accuracy for large
// negative x, where σ(x) ~ e^x is tiny (σ(-100) = 3.7e-44, a subnormal) and 1 - 1/(1 + e^-x) would
// have lost every digit; the division then rounds the exact-ish e once more, so subnormal results
// are as accurate as exp's. The errors of e in numerator and denominator partly cancel. Same
// operations as exp: exact IEEE operations, single roundings, fused multiply-adds, bits and selects.
//
// Handles: σ(±0) = 0.5, σ(+inf) = 1, σ(-inf) = +0, σ(x) = 0 below -103.98, NaN gives NaN. One
// division per lane; never allocates, never branches on data.
//
// Accuracy (measured over all 2^32 inputs by the TranscendentalAccuracy sweep, see tests): at most
// 1.4 ulp.
// ---------------------------------------------------------------------------------------------

internal static partial class Transcendental
{
    /// <summary>Per lane: 1 / (1 + e^-x), within 1.4 ulp (relative, also for tiny results), identical at every width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Logistic<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector minusAbs = Or(x, TSimd.Create(-0f));                 // -|x|, NaN stays NaN
        TVector limit = TSimd.Create(-104f);
        minusAbs = Select(LessThan(minusAbs, limit), limit, minusAbs);   // e^-104 already rounds to 0

        // e = e^-|x| as eh + el, el carrying what rounding e to a float would lose.
        TVector eh = ExpSplit<TSimd, TVector>(minusAbs, out TVector el);

        // d + dl = 1 + eh + el (Fast2Sum, 1 >= eh), and the quotient num / d corrected for the roundings of
        // d and of the division: rho = num - q0 d exactly (fused), and (num + numl)/(d + dl) =
        // q0 + (rho + numl - q0 dl)/d to first order, where 1/d = 1 - σ(-|x|) is σ(x) for x >= 0 and
        // 1 - σ(x) for x < 0, taken from q0.
        TVector one = TSimd.Create(1f);
        TVector d = TSimd.Add(one, eh);
        TVector dl = TSimd.Add(TSimd.Add(TSimd.Subtract(one, d), eh), el);
        TVector negative = LessThan(x, TSimd.Zero);
        TVector num = Select(negative, eh, one);
        TVector numl = Select(negative, el, TSimd.Zero);
        TVector q0 = Divide(num, d);
        TVector minusQ0 = TSimd.Subtract(TSimd.Zero, q0);
        TVector rho = FusedMultiplyAdd(minusQ0, d, num);
        TVector correction = FusedMultiplyAdd(minusQ0, dl, TSimd.Add(rho, numl));
        TVector reciprocal = Select(negative, TSimd.Subtract(one, q0), q0);
        return FusedMultiplyAdd(correction, reciprocal, q0);
    }

    /// <summary>e^x for x in [-104, 0] or NaN as eh + el: eh is e^x to within 1 ulp and el most of the rest
    /// (to about 2^-26 relative; both scaled alike, so el is only meaningful while eh is normal).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector ExpSplit<TSimd, TVector>(TVector x, out TVector el) where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector r = Reduce<TSimd, TVector>(x, out TVector k, out _);
        TVector g = FusedMultiplyAdd(r, TSimd.Create(1.386307878e-03f), TSimd.Create(8.367432281e-03f));
        g = FusedMultiplyAdd(g, r, TSimd.Create(4.166724533e-02f));
        g = FusedMultiplyAdd(g, r, TSimd.Create(1.666653454e-01f));
        g = FusedMultiplyAdd(g, r, TSimd.Create(0.5f));
        TVector r2 = TSimd.Multiply(r, r);
        TVector q = FusedMultiplyAdd(r2, g, r);
        TVector ql = FusedMultiplyAdd(r2, g, TSimd.Subtract(r, q));                  // r - q exact (Sterbenz): q + ql = r + r2 g
        TVector one = TSimd.Create(1f);
        TVector ph = TSimd.Add(one, q);
        TVector pl = TSimd.Add(TSimd.Add(TSimd.Subtract(one, ph), q), ql);          // Fast2Sum, 1 > |q|

        // One scale for both words, as in ScaleByPowerOfTwo: a single 2^n while every lane has n >= -126.
        if (!AnyTrue(LessThan(x, TSimd.Create(-87.3f))))
        {
            TVector s = IntegerAdd(ShiftLeft(k, 23), FromBits<TSimd, TVector>(OneBits));
            el = TSimd.Multiply(pl, s);
            return TSimd.Multiply(ph, s);
        }
        TVector n = IntegerSubtract(k, FromBits<TSimd, TVector>(RoundingMagicBits));
        TVector n1 = ShiftRightArithmetic(n, 1);
        TVector bias = FromBits<TSimd, TVector>(127);
        TVector s1 = ShiftLeft(IntegerAdd(n1, bias), 23);
        TVector s2 = ShiftLeft(IntegerAdd(IntegerSubtract(n, n1), bias), 23);
        el = TSimd.Multiply(TSimd.Multiply(pl, s1), s2);
        return TSimd.Multiply(TSimd.Multiply(ph, s1), s2);
    }
}
