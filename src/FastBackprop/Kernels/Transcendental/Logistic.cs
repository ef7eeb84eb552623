using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;
using static FastBackprop.Kernels.Operators.SimdMath;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// The logistic function σ(x) = 1 / (1 + e^-x) per lane, with the same bits at every vector width.
//
// Operation: e = e^(-|x|) (exp's reduction, polynomial and scaling, rounded to one float), then
// σ = 1 / (1 + e) for x >= 0 and σ = e / (1 + e) for x < 0. The second form
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
// 1.46 ulp, e's own error passing through; the tests assert 2 ulp. (Carrying e as two floats gave
// 0.80 ulp but took more time than TensorPrimitives.Sigmoid at 256 and 4096 values.)
// ---------------------------------------------------------------------------------------------

internal static partial class Transcendental
{
    /// <summary>Per lane: 1 / (1 + e^-x), within 1.5 ulp (relative, also for tiny results), identical at every width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Logistic<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector minusAbs = Or(x, TSimd.Create(-0f));                 // -|x|, NaN stays NaN
        TVector limit = TSimd.Create(-104f);
        minusAbs = Select(LessThan(minusAbs, limit), limit, minusAbs);   // e^-104 already rounds to 0

        // e = e^-|x| to within 1 ulp: exp's reduction and polynomial, 1 + q rounded, scaled (no second word:
        // its extra operations would cost more than TensorPrimitives.Sigmoid takes, and e's error reaches σ
        // attenuated, by 1 / (1 + e) in e / (1 + e) and by e / (1 + e) in 1 / (1 + e)).
        TVector r = Reduce<TSimd, TVector>(minusAbs, out TVector k, out _);
        TVector g = TSimd.FusedMultiplyAdd(r, TSimd.Create(1.386307878e-03f), TSimd.Create(8.367432281e-03f));
        g = TSimd.FusedMultiplyAdd(g, r, TSimd.Create(4.166724533e-02f));
        g = TSimd.FusedMultiplyAdd(g, r, TSimd.Create(1.666653454e-01f));
        g = TSimd.FusedMultiplyAdd(g, r, TSimd.Create(0.5f));
        TVector one = TSimd.Create(1f);
        TVector p = TSimd.Add(one, TSimd.FusedMultiplyAdd(TSimd.Multiply(r, r), g, r));
        TVector e;
        if (!AnyTrue(LessThan(minusAbs, TSimd.Create(-87.3f))))
        {
            e = TSimd.Multiply(p, Pow2FromMagic<TSimd, TVector>(k));
        }
        else
        {
            // 2^n in two normal factors, the second product rounding once into the subnormals (as ExpCore).
            TVector s2 = SplitPow2<TSimd, TVector>(k, out TVector s1);
            e = TSimd.Multiply(TSimd.Multiply(p, s1), s2);
        }

        // d + dl = 1 + e exactly (Fast2Sum, 1 >= e), and the quotient num / d corrected for the roundings of d
        // and of the division: rho = num - q0 d exactly (fused), and num / (d + dl) = q0 + (rho - q0 dl) / d to
        // first order, where 1 / d = 1 - σ(-|x|) is σ(x) for x >= 0 and 1 - σ(x) for x < 0, taken from q0.
        TVector d = TSimd.Add(one, e);
        TVector dl = TSimd.Add(TSimd.Subtract(one, d), e);
        TVector negative = LessThan(x, TSimd.Zero);
        TVector num = Select(negative, e, one);
        TVector q0 = Divide(num, d);
        TVector minusQ0 = TSimd.Subtract(TSimd.Zero, q0);
        TVector rho = TSimd.FusedMultiplyAdd(minusQ0, d, num);
        TVector correction = TSimd.FusedMultiplyAdd(minusQ0, dl, rho);
        TVector reciprocal = Select(negative, TSimd.Subtract(one, q0), q0);
        return TSimd.FusedMultiplyAdd(correction, reciprocal, q0);
    }
}
