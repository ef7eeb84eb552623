using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;
using static FastBackprop.Kernels.Operators.SimdMath;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// tanh(x) per lane, with the same bits at every vector width.
//
// Operation: below 0.55, tanh a = a + a^3 T(a^2) by a minimax odd polynomial, one rounding at the
// end, so tanh is accurate relative to its result near 0 (tanh(1e-30) = 1e-30, subnormals
// unchanged), where TensorPrimitives.Tanh, through e^(-2|x|), was only accurate to an ulp of 1.
// From 0.55 on, tanh a = 1 - 2 / (t + 2) with t = e^(2a) - 1 (expm1's reduction and polynomial),
// the roundings of t + 2, of the division and of 1 - w corrected by exact two-float steps. The sign
// of x is put back last. Only exact IEEE operations, single roundings, fused multiply-adds, bit
// operations and selects. Coefficients: minimax fit (as for exp) of (tanh a - a)/a^3 in a^2 on
// [0, 0.55^2], degree 5, weight a^3 / tanh a.
//
// Handles: tanh(±0) = ±0, |x| >= 9.1 gives ±1 (tanh rounds to 1 from 9.011 on), ±inf gives ±1,
// NaN gives NaN. One division per lane, both branches computed and selected; never allocates,
// never branches on data.
//
// Accuracy (measured at every 64th bit pattern over the whole float range, 2^26 inputs, by a sweep as in
// TranscendentalSweepTests (which runs every 2^16th in the suite; FASTBACKPROP_ULP_STEP sets the step)): at most
// 0.80 ulp; the tests assert 1 ulp.
// ---------------------------------------------------------------------------------------------

internal static partial class Transcendental
{
    /// <summary>Per lane: tanh(x), within 0.8 ulp (relative, also near 0), identical at every width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Tanh<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector a = Abs<TSimd, TVector>(x);
        TVector limit = TSimd.Create(9.1f);
        a = Select(GreaterThan(a, limit), limit, a);           // NaN stays NaN

        // |x| < 0.55: tanh a = a + a^3 T(a^2), rounding once at the end (exact a for subnormal a).
        TVector z = TSimd.Multiply(a, a);
        TVector p = TSimd.FusedMultiplyAdd(z, TSimd.Create(2.144659404e-03f), TSimd.Create(-8.193826303e-03f));
        p = TSimd.FusedMultiplyAdd(p, z, TSimd.Create(2.171129361e-02f));
        p = TSimd.FusedMultiplyAdd(p, z, TSimd.Create(-5.394914374e-02f));
        p = TSimd.FusedMultiplyAdd(p, z, TSimd.Create(1.333322674e-01f));
        p = TSimd.FusedMultiplyAdd(p, z, TSimd.Create(-3.333333135e-01f));
        TVector small = TSimd.FusedMultiplyAdd(TSimd.Multiply(a, z), p, a);

        // |x| >= 0.55: tanh a = t / (t + 2) with t = e^2a - 1 >= 2 (expm1's reduction and polynomial;
        // 2a in [1.1, 18.2], so n in [2, 26]). t = 2^n q + (2^n - 1) rounds once for n <= 24, where 2^n - 1
        // is exact; for n = 25, 26 it is off by at most 1 in t > 2^24, which moves t / (t + 2) by < 2^-48.
        TVector r = Reduce<TSimd, TVector>(TSimd.Add(a, a), out TVector k, out _);
        // e^r - 1 by exp's shorter polynomial (error 2^-28 of e^r): a relative error in t reaches tanh at most
        // half as large (d tanh / tanh = 2 / (t + 2) dt / t, and t >= 2).
        TVector g = TSimd.FusedMultiplyAdd(r, TSimd.Create(1.386307878e-03f), TSimd.Create(8.367432281e-03f));
        g = TSimd.FusedMultiplyAdd(g, r, TSimd.Create(4.166724533e-02f));
        g = TSimd.FusedMultiplyAdd(g, r, TSimd.Create(1.666653454e-01f));
        g = TSimd.FusedMultiplyAdd(g, r, TSimd.Create(0.5f));
        TVector q = TSimd.FusedMultiplyAdd(TSimd.Multiply(r, r), g, r);
        TVector s = Pow2FromMagic<TSimd, TVector>(k);
        TVector one = TSimd.Create(1f);
        TVector t = TSimd.FusedMultiplyAdd(s, q, TSimd.Subtract(s, one));
        // tanh a = 1 - w with w = 2 / (t + 2) in (0, 0.5], all roundings but the last corrected: d + dl = t + 2
        // exactly (Fast2Sum, t >= 2), -rho = w d - 2 exactly (fused), so 2 / (d + dl) = w + (rho - w dl) / d
        // to first order, with 1 / d = w / 2 to 2^-24; and 1 - w is split exactly into hi + lo (Fast2Sum).
        TVector two = TSimd.Create(2f);
        TVector d = TSimd.Add(t, two);
        TVector dl = TSimd.Add(TSimd.Subtract(t, d), two);
        TVector w = Divide(two, d);
        TVector minusRho = TSimd.FusedMultiplyAdd(w, d, TSimd.Create(-2f));
        TVector minusCorrection = TSimd.FusedMultiplyAdd(w, dl, minusRho);
        TVector hi = TSimd.Subtract(one, w);
        TVector lo = TSimd.Subtract(TSimd.Subtract(one, hi), w);
        TVector large = TSimd.Add(hi, TSimd.FusedMultiplyAdd(minusCorrection, TSimd.Multiply(w, TSimd.Create(0.5f)), lo));

        TVector y = Select(LessThan(a, TSimd.Create(0.55f)), small, large);
        return Or(y, SignBit<TSimd, TVector>(x));
    }
}
