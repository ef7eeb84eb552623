using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;
using static FastBackprop.Kernels.Operators.SimdMath;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// The logistic function σ(x) = 1 / (1 + e^-x) per lane, with the same bits at every vector width.
//
// Operation: e = e^(-|x|) as two floats eh + el (exp's reduction, polynomial and scaling, its last
// roundings kept), then σ = 1 / (1 + e) for x >= 0 and σ = e / (1 + e) for x < 0. The second form
// keeps full relative accuracy for large negative x, where σ(x) ~ e^x is tiny (σ(-100) = 3.78e-44,
// a subnormal) and 1 - 1/(1 + e^-x) would have lost every digit. The quotient is corrected for the
// roundings of 1 + e and of the division by exact two-float steps, so only the last operation rounds
// at full size. Same operations as exp: exact IEEE operations, single roundings, fused multiply-adds,
// bits and selects.
//
// Handles: σ(±0) = 0.5, σ(+inf) = 1, σ(-inf) = +0, σ(x) = 0 below -103.98, NaN gives NaN. One
// division per lane; never allocates; branches only around the rare registers with x < -87.3,
// which changes no lane's bits.
//
// Accuracy (measured at every 64th bit pattern over the whole float range, 2^26 inputs, by a sweep as in
// TranscendentalSweepTests (which runs every 2^16th in the suite; FASTBACKPROP_ULP_STEP sets the step)): at most
// 0.80 ulp (the largest errors in results below 2^-100, whose low word underflows); the tests
// assert 1 ulp.
// ---------------------------------------------------------------------------------------------

internal static partial class Transcendental
{
    /// <summary>Per lane: 1 / (1 + e^-x), within 0.8 ulp (relative, also for tiny results), identical at every width.</summary>
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
}
