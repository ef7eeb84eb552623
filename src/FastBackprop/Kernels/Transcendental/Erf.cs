using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;
using static FastBackprop.Kernels.Operators.SimdMath;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// The error function erf(x) = 2/√π ∫_0^x e^(-t^2) dt per lane, with the same bits at every width.
//
// Operation: for |x| < 0.875, erf x = x + x t(x^2) (t = erf(x)/x - 1 by a minimax polynomial in
// x^2), one rounding at the end, exact for tiny and subnormal x. For |x| >= 0.875,
// erf|x| = 1 - e^(-x^2) R(|x|) with R = erfcx, e^x^2 erfc x, smooth and slowly varying, by a
// minimax polynomial in |x| - 0.875 up to 4 (erf rounds to 1 from 3.92 on); x^2 is split exactly
// into h + l (fused) and e^(-x^2) = e^-h (1 - l) by exp's kernel. The sign of x is put back last.
// Only exact IEEE operations, single roundings, fused multiply-adds, bits and selects.
//
// Handles: erf(±0) = ±0, erf(x) = 2x/√π rounded for tiny x, subnormals included, erf(±inf) = ±1,
// NaN gives NaN. Never allocates, never branches on data.
//
// Accuracy (measured at every 64th bit pattern over the whole float range, 2^26 inputs, by a sweep as in
// TranscendentalSweepTests (which runs every 2^16th in the suite; FASTBACKPROP_ULP_STEP sets the step)): at most
// 0.80 ulp; the tests assert 1 ulp.
//
// Coefficients: minimax fits (Lawson IRLS in mpmath, rounded to float one at a time) of
// erf(x)/x - 1 in x^2 on [0, 0.875^2], degree 6, weight x/erf x; and of erfcx(0.875 + u) on
// u in [0, 3.125], degree 10 with c0 exact as two floats, weight e^(-x^2)/erf x (the error as it
// reaches erf: 2^-31.5).
// ---------------------------------------------------------------------------------------------

internal static partial class Transcendental
{
    /// <summary>Per lane: erf(x), within 1 ulp, identical at every width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Erf<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
    {
        // |x| < 0.875: erf x = x + x t(x^2).
        TVector z = TSimd.Multiply(x, x);
        TVector t = TSimd.FusedMultiplyAdd(z, TSimd.Create(7.842351624e-05f), TSimd.Create(-8.021739777e-04f));
        t = TSimd.FusedMultiplyAdd(t, z, TSimd.Create(5.190636497e-03f));
        t = TSimd.FusedMultiplyAdd(t, z, TSimd.Create(-2.685528249e-02f));
        t = TSimd.FusedMultiplyAdd(t, z, TSimd.Create(1.128362194e-01f));
        t = TSimd.FusedMultiplyAdd(t, z, TSimd.Create(-3.761262894e-01f));
        t = TSimd.FusedMultiplyAdd(t, z, TSimd.Create(1.283791661e-01f));
        TVector small = TSimd.FusedMultiplyAdd(x, t, x);

        // |x| >= 0.875: erf|x| = 1 - E, E = e^(-x^2) R(|x|), with |x| capped at 4 (NaN stays NaN). E is up to
        // 0.22, so its errors reach the result a quarter as large: it is carried as Eh + El.
        TVector a = Abs<TSimd, TVector>(x);
        TVector limit = TSimd.Create(4f);
        a = Select(GreaterThan(a, limit), limit, a);
        TVector u = TSimd.Subtract(a, TSimd.Create(0.875f));                        // exact for a in [0.875, 4]
        TVector p = TSimd.FusedMultiplyAdd(u, TSimd.Create(ErfcxC10), TSimd.Create(ErfcxC9));
        p = TSimd.FusedMultiplyAdd(p, u, TSimd.Create(ErfcxC8));
        p = TSimd.FusedMultiplyAdd(p, u, TSimd.Create(ErfcxC7));
        p = TSimd.FusedMultiplyAdd(p, u, TSimd.Create(ErfcxC6));
        p = TSimd.FusedMultiplyAdd(p, u, TSimd.Create(ErfcxC5));
        p = TSimd.FusedMultiplyAdd(p, u, TSimd.Create(ErfcxC4));
        p = TSimd.FusedMultiplyAdd(p, u, TSimd.Create(ErfcxC3));
        p = TSimd.FusedMultiplyAdd(p, u, TSimd.Create(ErfcxC2));
        p = TSimd.FusedMultiplyAdd(p, u, TSimd.Create(ErfcxC1));
        // R = c0 + u p with c0 as two floats; Rl is the last step's rounding error (exact while Rh >= c0/2,
        // i.e. |x| <= 1.8; beyond, E < 0.002 and an error of 2^-26 in Rl no longer shows).
        TVector c0 = TSimd.Create(ErfcxC0);
        TVector rh = TSimd.FusedMultiplyAdd(u, p, c0);
        TVector rl = TSimd.Add(TSimd.FusedMultiplyAdd(u, p, TSimd.Subtract(c0, rh)), TSimd.Create(ErfcxC0Low));

        // x^2 = h + l exactly; e^(-h) = eh + el (exp's kernel, its rounding kept), e^-(h + l) = e^-h (1 - l).
        TVector h = TSimd.Multiply(a, a);
        TVector l = TSimd.FusedMultiplyAdd(a, a, TSimd.Subtract(TSimd.Zero, h));
        TVector eh = ExpSplit<TSimd, TVector>(TSimd.Subtract(TSimd.Zero, h), out TVector el);   // -h in [-16, -0.76]
        TVector bigE = TSimd.Multiply(eh, rh);
        TVector smallE = TSimd.FusedMultiplyAdd(eh, rh, TSimd.Subtract(TSimd.Zero, bigE));        // exact
        smallE = TSimd.FusedMultiplyAdd(eh, rl, smallE);
        smallE = TSimd.FusedMultiplyAdd(el, rh, smallE);
        smallE = TSimd.FusedMultiplyAdd(TSimd.Subtract(TSimd.Zero, bigE), l, smallE);
        // 1 - Eh split exactly (Fast2Sum, 1 > Eh), then the small parts, then one rounding at full size.
        TVector one = TSimd.Create(1f);
        TVector hi = TSimd.Subtract(one, bigE);
        TVector lo = TSimd.Subtract(TSimd.Subtract(one, hi), bigE);
        TVector large = Or(TSimd.Add(hi, TSimd.Subtract(lo, smallE)), SignBit<TSimd, TVector>(x));

        return Select(LessThan(a, TSimd.Create(0.875f)), small, large);
    }

    private const float ErfcxC0 = 4.643115699e-01f;       // erfcx(0.875) as C0 + C0Low
    private const float ErfcxC0Low = 1.327354582e-08f;
    private const float ErfcxC1 = -3.158338368e-01f;
    private const float ErfcxC2 = 1.879548430e-01f;
    private const float ErfcxC3 = -1.008903161e-01f;
    private const float ErfcxC4 = 4.969498888e-02f;
    private const float ErfcxC5 = -2.251077443e-02f;
    private const float ErfcxC6 = 9.132260457e-03f;
    private const float ErfcxC7 = -3.096172819e-03f;
    private const float ErfcxC8 = 7.839320460e-04f;
    private const float ErfcxC9 = -1.258239936e-04f;
    private const float ErfcxC10 = 9.297868928e-06f;
}
