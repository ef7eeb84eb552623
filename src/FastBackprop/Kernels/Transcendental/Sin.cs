using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;
using static FastBackprop.Kernels.Operators.SimdMath;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// sin(x) and cos(x) per lane, over the whole float range, with the same bits at every vector width.
//
// Operation: x = n π/2 + r with |r| <= π/4 (+ 0.3%), r carried as two floats rh + rl, then
// sin x = ±sin r or ±cos r by n mod 4, each by a minimax polynomial in r^2 with rl folded in.
// Reduction for |x| <= 65536 (Cody-Waite, in the registers): π/2 = C1 + C2 + C3 + C4 (float parts,
// 2^-103 left over), x - n C1 exact (a multiple of 2^-23 below 1 in magnitude), the rest added as
// an exact two-float sum with fused products. For larger finite |x| (rare: those lanes only),
// Payne-Hanek in integers: the 24-bit mantissa times a 128-bit window of the bits of 2/π, taken
// mod 4, then the fraction times π/2 in double and split into rh + rl. That path is one scalar
// routine called for such lanes at every width, so it gives the same bits whatever the width; the
// vector path uses only exact IEEE operations, single roundings, fused multiply-adds, bits and
// selects. The reduced argument is off by less than n 8.5e-32 < 2^-86 absolute in registers
// (π/2 minus its four parts, times n <= 41723) and by 2^-100 absolute plus 2^-52 relative on the
// large path; the sweeps, whose inputs include the floats nearest to multiples of π/2, show none
// of it in the results.
//
// Handles: sin(±0) = ±0, sin(x) = x for subnormal and tiny x, cos(±0) = 1, sin and cos of ±inf
// and NaN are NaN (a NaN argument's own bits, quieted). Never allocates; branches only around the
// rare large lanes, which changes no lane's bits.
//
// Accuracy (measured at every 64th bit pattern over the whole float range, 2^26 inputs, by a sweep as in
// TranscendentalSweepTests (which runs every 2^16th in the suite; FASTBACKPROP_ULP_STEP sets the step)): sin at most
// 0.72 ulp, cos at most 0.72 ulp; the tests assert 0.8 ulp.
//
// Coefficients: minimax fits (Lawson IRLS in mpmath, rounded to float one at a time) of
// (sin r - r)/r^3 and (cos r - 1 + r^2/2)/r^4 in z = r^2 on [0, 0.625], degree 3 each, weights
// r^3/sin r and r^4/cos r. The bits of 2/π are the standard table (fdlibm's ipio2, as hexadecimal).
// ---------------------------------------------------------------------------------------------

internal static partial class Transcendental
{
    private const float PiOver2Part1 = 1.570796371e+00f;    // 0x3FC90FDB: π/2 rounded to float
    private const float PiOver2Part2 = -4.371138829e-08f;   // 0xB33BBD2E: the rest, rounded
    private const float PiOver2Part3 = -1.715124510e-15f;   // 0xA6F72CED
    private const float PiOver2Part4 = 1.056299898e-23f;    // 0x194C5170; π/2 - the four parts = 8.5e-32
    private const float TwoOverPi = 6.366197467e-01f;       // 0x3F22F983
    private const float CodyWaiteLimit = 65536f;            // n = round(x 2/π) is then off the true rounding by at most 0.0017

    /// <summary>Per lane: sin(x), within 0.8 ulp over the whole float range, identical at every width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Sin<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct =>
        SinCos<TSimd, TVector>(x, 0);

    /// <summary>Per lane: cos(x), within 0.8 ulp over the whole float range, identical at every width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Cos<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct =>
        SinCos<TSimd, TVector>(x, 1);

    /// <summary>sin(x + quarterTurns π/2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector SinCos<TSimd, TVector>(TVector x, int quarterTurns) where TSimd : ISimd<TVector> where TVector : struct
    {
        // n = round(x 2/π) by one fused rounding next to 1.5 * 2^23; its bits hold n mod 4 in the lowest two.
        TVector k = TSimd.FusedMultiplyAdd(x, TSimd.Create(TwoOverPi), TSimd.Create(RoundingMagic));
        TVector nf = TSimd.Subtract(k, TSimd.Create(RoundingMagic));
        TVector r1 = TSimd.FusedMultiplyAdd(nf, TSimd.Create(-PiOver2Part1), x);        // exact, see the file comment
        // rh + rl = r1 - n C2 exactly (n C2 = p + pe by a fused product; TwoSum, as neither term dominates).
        TVector p = TSimd.Multiply(nf, TSimd.Create(PiOver2Part2));
        TVector pe = TSimd.FusedMultiplyAdd(nf, TSimd.Create(PiOver2Part2), TSimd.Subtract(TSimd.Zero, p));
        TVector rh = TSimd.Subtract(r1, p);
        TVector back = TSimd.Subtract(rh, r1);
        TVector rl = TSimd.Add(TSimd.Subtract(r1, TSimd.Subtract(rh, back)), TSimd.Subtract(TSimd.Subtract(TSimd.Zero, p), back));
        rl = TSimd.Subtract(rl, pe);
        rl = TSimd.FusedMultiplyAdd(nf, TSimd.Create(-PiOver2Part3), rl);
        rl = TSimd.FusedMultiplyAdd(nf, TSimd.Create(-PiOver2Part4), rl);
        // Renormalise so that |rl| <= ulp(rh)/2 (Fast2Sum: rl is far below rh here).
        TVector sum = TSimd.Add(rh, rl);
        rl = TSimd.Subtract(rl, TSimd.Subtract(sum, rh));
        rh = sum;

        TVector magnitude = Abs<TSimd, TVector>(x);
        TVector large = And(GreaterThan(magnitude, TSimd.Create(CodyWaiteLimit)), LessThan(magnitude, TSimd.Create(float.PositiveInfinity)));
        if (AnyTrue(large)) ReduceLargeLanes<TSimd, TVector>(x, large, ref k, ref rh, ref rl);

        // sin(n π/2 + r): q = n + quarterTurns mod 4 picks sin r (0), cos r (1), -sin r (2), -cos r (3).
        TVector q = IntegerAdd(k, FromBits<TSimd, TVector>(quarterTurns));
        TVector z = TSimd.Multiply(rh, rh);

        // sin r = rh + (rh z S(z) + rl (1 - z/2)), rl cos rh to first order; the bracket is below 0.11 |rh|.
        TVector s = TSimd.FusedMultiplyAdd(z, TSimd.Create(SinC3), TSimd.Create(SinC2));
        s = TSimd.FusedMultiplyAdd(s, z, TSimd.Create(SinC1));
        s = TSimd.FusedMultiplyAdd(s, z, TSimd.Create(SinC0));
        TVector sinTail = TSimd.FusedMultiplyAdd(TSimd.Multiply(rh, z), s, TSimd.FusedMultiplyAdd(rl, TSimd.Multiply(z, TSimd.Create(-0.5f)), rl));
        TVector sinR = TSimd.Add(rh, sinTail);

        // cos r = 1 - rh^2/2 + rh^4 C(z) - rl rh. rh^2 = z + zl exactly (fused); 1 - z/2 = w + its exact error
        // (Fast2Sum, z/2 <= 0.32 and exact), so only the last addition rounds at full size.
        TVector zl = TSimd.FusedMultiplyAdd(rh, rh, TSimd.Subtract(TSimd.Zero, z));
        TVector half = TSimd.Multiply(z, TSimd.Create(0.5f));
        TVector one = TSimd.Create(1f);
        TVector w = TSimd.Subtract(one, half);
        TVector c = TSimd.FusedMultiplyAdd(z, TSimd.Create(CosC3), TSimd.Create(CosC2));
        c = TSimd.FusedMultiplyAdd(c, z, TSimd.Create(CosC1));
        c = TSimd.FusedMultiplyAdd(c, z, TSimd.Create(CosC0));
        TVector cosTail = TSimd.Subtract(TSimd.Subtract(one, w), half);
        cosTail = TSimd.FusedMultiplyAdd(TSimd.Multiply(z, z), c, cosTail);
        cosTail = TSimd.FusedMultiplyAdd(zl, TSimd.Create(-0.5f), cosTail);
        cosTail = TSimd.FusedMultiplyAdd(TSimd.Subtract(TSimd.Zero, rl), rh, cosTail);
        TVector cosR = TSimd.Add(w, cosTail);

        TVector odd = ShiftLeft(q, 31);                                       // sign bit set for q = 1, 3
        TVector y = Select(ShiftRightArithmetic(odd, 31), cosR, sinR);
        y = Xor(y, And(ShiftLeft(q, 30), TSimd.Create(-0f)));                  // negate for q = 2, 3
        // sin(±0) = ±0 and subnormal sines come out as x itself only if the sign of zero survives the
        // reduction, which adds zeros of either sign; x is its own sine for |x| < 2^-12 anyway.
        if (quarterTurns == 0) y = Select(LessThan(magnitude, TSimd.Create(2.44140625e-4f)), x, y);
        // ±inf gives inf - inf in the reduction, whose NaN is negative on x86 and positive on Arm: return
        // float.NaN instead, the same on every CPU. (A NaN argument comes back quieted, as from any operation.)
        return Select(Equal(magnitude, TSimd.Create(float.PositiveInfinity)), TSimd.Create(float.NaN), y);
    }

    /// <summary>Replaces k (its low two bits), rh and rl by the Payne-Hanek reduction in the lanes of
    /// <paramref name="large"/> (finite |x| above the Cody-Waite limit).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ReduceLargeLanes<TSimd, TVector>(TVector x, TVector large, ref TVector k, ref TVector rh, ref TVector rl)
        where TSimd : ISimd<TVector> where TVector : struct
    {
        Span<float> lanes = stackalloc float[5 * 16];
        Span<float> xs = lanes[..16], flags = lanes[16..32], ks = lanes[32..48], his = lanes[48..64], los = lanes[64..80];
        TSimd.Store(x, ref xs[0]);
        TSimd.Store(large, ref flags[0]);
        TSimd.Store(k, ref ks[0]);
        TSimd.Store(rh, ref his[0]);
        TSimd.Store(rl, ref los[0]);
        for (int i = 0; i < TSimd.Count; i++)
        {
            if (BitConverter.SingleToInt32Bits(flags[i]) == 0) continue;
            int quadrant = PayneHanek(xs[i], out his[i], out los[i]);
            ks[i] = BitConverter.Int32BitsToSingle(RoundingMagicBits + quadrant);
        }
        k = TSimd.Load(ref ks[0]);
        rh = TSimd.Load(ref his[0]);
        rl = TSimd.Load(ref los[0]);
    }

    /// <summary>x = n π/2 + rh + rl for finite |x| &gt; 2^16: returns n mod 4 (in 0..3), with |rh + rl| &lt;= π/4,
    /// rl below half an ulp of rh, and rh + rl within 2^-52 relative plus 2^-100 absolute of x - n π/2.</summary>
    internal static int PayneHanek(float x, out float rh, out float rl)
    {
        int bits = BitConverter.SingleToInt32Bits(x);
        ulong mantissa = (uint)(bits & 0x007F_FFFF) | 0x0080_0000u;
        int e = ((bits >> 23) & 0xFF) - 150;                                  // |x| = mantissa 2^e, e >= -7

        // W = the bits b_(e-1) .. b_(e+126) of 2/π = 0.b1 b2 ... as a 128-bit integer, so that
        // |x| 2/π = mantissa W 2^-126 (mod 4): the earlier bits only add multiples of 4.
        UInt128 window = TwoOverPiBits(e - 2);
        UInt128 product = mantissa * window;                                  // mod 2^128: y = product 2^-126 in [0, 4)
        UInt128 rounded = product + (UInt128.One << 125);
        int n = (int)(rounded >> 126);                                        // round(y) mod 4
        Int128 fraction = (Int128)(product - ((UInt128)(uint)n << 126));      // (y - n) 2^126, |.| <= 2^125

        // The fraction times π/2 in double (53 bits from the top 64 significant ones), split into two floats.
        bool negativeFraction = fraction < 0;
        UInt128 magnitudeBits = (UInt128)(negativeFraction ? -fraction : fraction);
        double r = 0;
        if (magnitudeBits != UInt128.Zero)
        {
            // The top 53 significant bits, exactly a double (a long below 2^53 converts exactly).
            int shift = (int)UInt128.LeadingZeroCount(magnitudeBits);
            long top = (long)(ulong)((magnitudeBits << shift) >> 75);
            r = Math.ScaleB(top, 75 - 126 - shift) * 1.5707963267948966;
            r = negativeFraction ? -r : r;
        }
        if (bits < 0)
        {
            r = -r;
            n = -n;
        }
        rh = (float)r;
        rl = (float)(r - rh);
        return n & 3;
    }

    /// <summary>128 bits of 2/π starting after bit <paramref name="start"/> (0-based: bit 0 is b1, the first bit
    /// after the point); a negative start shifts zeros in from the left.</summary>
    private static UInt128 TwoOverPiBits(int start)
    {
        ReadOnlySpan<ulong> words = [0xA2F9836E4E441529, 0xFC2757D1F534DDC0, 0xDB6295993C439041, 0xFE5163ABDEBBC561, 0xB7246E3A424DD2E0, 0x06492EEA09D1921C];
        if (start < 0) return new UInt128(words[0], words[1]) >> -start;
        int word = start >> 6, offset = start & 63;
        UInt128 high = new(words[word], words[word + 1]);
        if (offset == 0) return high;
        return (high << offset) | (words[word + 2] >> (64 - offset));
    }

    private const float SinC0 = -1.666666716e-01f;
    private const float SinC1 = 8.333378471e-03f;
    private const float SinC2 = -1.985260897e-04f;
    private const float SinC3 = 2.827294111e-06f;
    private const float CosC0 = 4.166666791e-02f;
    private const float CosC1 = -1.388897886e-03f;
    private const float CosC2 = 2.482147102e-05f;
    private const float CosC3 = -2.881943146e-07f;
}
