using System.Runtime.Intrinsics;
using FastBackprop.Kernels.Operators;
using FastBackprop.Tests.Support;
using Xunit;

namespace FastBackprop.Tests.Kernels.Operators;

/// <summary><see cref="SoftwareFma"/>, the FMA of the tiers without an FMA instruction, against the runtime's
/// MathF.FusedMultiplyAdd (the FMA instruction where the CPU has one, the C library's exact fmaf otherwise), bit for
/// bit, on the inputs where a float FMA is hard: a product near half an ulp of the addend (where rounding twice goes
/// wrong), near-cancellation, signed zeros, subnormals, overflow, infinities and NaN, and random bit patterns.</summary>
public class SoftwareFmaTests
{
    /// <summary>A case the plain double evaluation gets wrong: a*b = 2^-24 + 2^-60 exactly, so a*b + 1 lies just above
    /// the midpoint between 1 and the next float; rounded to double first it lands on the midpoint, and the tie then
    /// goes to the even neighbour, 1.</summary>
    [Fact]
    public void SoftwareFma_RoundsOnce_WhereDoubleArithmeticRoundsTwice()
    {
        float a = 16773121 * MathF.Pow(2, -23), b = 8390656 * MathF.Pow(2, -48), c = 1f;
        float naive = (float)(((double)a * b) + c);
        float exact = MathF.FusedMultiplyAdd(a, b, c);
        Assert.Equal(1f, naive);
        Assert.Equal(1f + MathF.Pow(2, -23), exact);
        AssertSame(exact, SoftwareFma.Fused(a, b, c), "scalar");
        AssertSame(exact, SoftwareFma.Fused(Vector128.Create(a), Vector128.Create(b), Vector128.Create(c)).GetElement(3), "vector");
        // Mirrored: below the midpoint between -1 and the next float down, and with the roles of a and b swapped.
        AssertSame(MathF.FusedMultiplyAdd(-a, b, -c), SoftwareFma.Fused(-a, b, -c), "negated");
        AssertSame(MathF.FusedMultiplyAdd(b, a, c), SoftwareFma.Fused(b, a, c), "swapped");
    }

    [Fact]
    public void SoftwareFma_SpecialValues_AreIeee()
    {
        float[] specials =
        [
            0f, -0f, 1f, -1f, float.Epsilon, -float.Epsilon, 1e-38f, -1e-38f, 1.17549435e-38f, float.MaxValue, -float.MaxValue,
            float.PositiveInfinity, float.NegativeInfinity, float.NaN, 3f, 1e-30f, -1e-30f, 1e19f, 2.5e38f, 0.5f,
        ];
        foreach (float a in specials)
        {
            foreach (float b in specials)
            {
                foreach (float c in specials) Check(a, b, c);
            }
        }
    }

    [Fact]
    public void SoftwareFma_RandomBitPatterns_AreTheCorrectlyRoundedFma()
    {
        var random = new SeededRandom(2026);
        for (int i = 0; i < 200_000; i++)
        {
            Check(Bits(random), Bits(random), Bits(random));
        }
    }

    /// <summary>Inputs built to sit at the hard spots: c cancelling most of a*b; a*b near half an ulp of c (the double
    /// rounding trap, hunted by moving c across the exponents just above the product's); results in the subnormal range.</summary>
    [Fact]
    public void SoftwareFma_HardCases_AreTheCorrectlyRoundedFma()
    {
        var random = new SeededRandom(8);
        for (int i = 0; i < 200_000; i++)
        {
            float a = random.NextSymmetric(2f) * MathF.Pow(2, random.NextInt32(40) - 20);
            float b = random.NextSymmetric(2f) * MathF.Pow(2, random.NextInt32(40) - 20);
            float product = a * b;
            switch (random.NextInt32(5))
            {
                case 4:   // the double rounding trap by construction (the first fact's family): see Trap
                    (float ta, float tb, float tc) = Trap(random);
                    Check(ta, tb, tc);
                    break;
                case 0:   // cancellation: c is the rounded product with its last bits nudged
                    Check(a, b, -BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(product) + random.NextInt32(9) - 4));
                    break;
                case 1:   // the product falls near half an ulp of c: c is 2^23..2^26 times larger
                    float scale = MathF.Pow(2, 23 + random.NextInt32(4));
                    Check(a, b, product * scale * (1 + (random.NextInt32(1 << 10) * MathF.Pow(2, -10))));
                    break;
                case 2:   // subnormal results
                    Check(a * 1e-20f, b * 1e-20f, random.NextSymmetric(1e-39f));
                    break;
                default:
                    Check(a, b, random.NextSymmetric(4f));
                    break;
            }
        }
    }

    /// <summary>a, b, c with a b within a relative 2^-29 of half an ulp of c, so that a b + c rounded to double lands on
    /// the midpoint between two floats while the exact value does not: significands A = 2^24 - (2β - 1), B = 2^23 + β give
    /// A B = 2^47 + 2^23 - 2β² + β, which for β near 2048 is 2^47 plus less than 2^18. Signs and the order of a and b vary,
    /// and c is any float in [1, 2) (the tie then goes up or down with its last bit).</summary>
    private static (float A, float B, float C) Trap(SeededRandom random)
    {
        int beta = 2000 + random.NextInt32(100);
        float a = ((1 << 24) - ((2 * beta) - 1)) * MathF.Pow(2, -23);                  // in [1, 2)
        float b = ((1 << 23) + beta) * MathF.Pow(2, -48);                               // a b = 2^-24 (1 + tiny): half an ulp of 1
        float c = ((1 << 23) + random.NextInt32(1 << 23)) * MathF.Pow(2, -23);         // in [1, 2): the same half ulp
        if (random.NextInt32(2) == 0) (a, b) = (b, a);
        if (random.NextInt32(2) == 0) (a, c) = (-a, -c);
        return (a, b, c);
    }

    private static float Bits(SeededRandom random) => BitConverter.Int32BitsToSingle((int)random.NextUInt64());

    // The scalar form and every lane of the vector form (each input in a different lane, the others garbage-free).
    private static void Check(float a, float b, float c)
    {
        float expected = MathF.FusedMultiplyAdd(a, b, c);
        AssertSame(expected, SoftwareFma.Fused(a, b, c), $"scalar fma({a:R}, {b:R}, {c:R})");
        Vector128<float> lanes = SoftwareFma.Fused(Vector128.Create(a, 1f, -2f, b), Vector128.Create(b, 3f, 0.5f, a), Vector128.Create(c, -3f, 1f, c));
        AssertSame(expected, lanes.GetElement(0), $"vector fma({a:R}, {b:R}, {c:R}) lane 0");
        AssertSame(MathF.FusedMultiplyAdd(b, a, c), lanes.GetElement(3), $"vector fma({b:R}, {a:R}, {c:R}) lane 3");
        AssertSame(0f, lanes.GetElement(1), "vector lane 1");
        AssertSame(0f, lanes.GetElement(2), "vector lane 2");
    }

    private static void AssertSame(float expected, float actual, string what)
    {
        if (!Canonical.SameBits(expected, actual))
        {
            Assert.Fail($"{what}: expected {expected:R} (0x{BitConverter.SingleToInt32Bits(expected):X8}), got {actual:R} (0x{BitConverter.SingleToInt32Bits(actual):X8}).");
        }
    }
}
