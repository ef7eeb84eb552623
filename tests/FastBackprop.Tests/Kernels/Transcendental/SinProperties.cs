using FsCheck.Xunit;
using Xunit;
using static FastBackprop.Tests.Kernels.TranscendentalTests.TranscendentalCases;

namespace FastBackprop.Tests.Kernels.TranscendentalTests;

/// <summary>sin and cos (Kernels/Transcendental/Sin.cs) against double precision (the C library's sin and cos,
/// whose own argument reduction is exact), within their ulp bounds over the whole float range: the register
/// reduction up to 65536, the Payne-Hanek lanes beyond, and arguments next to multiples of π/2.</summary>
public class SinProperties
{
    private const int Count = 512;

    [Property(MaxTest = 100)]
    public void Sin_WithinBound_RandomBitPatterns(ulong seed) => UlpAssert.WithinBound(Function.Sin, RandomBits(seed, Count), $"seed {seed}");

    [Property(MaxTest = 100)]
    public void Sin_WithinBound_Periods(ulong seed) => UlpAssert.WithinBound(Function.Sin, RandomUniform(seed, Count, -100, 100), $"seed {seed}");

    [Property(MaxTest = 50)]
    public void Sin_WithinBound_HugeArguments(ulong seed) => UlpAssert.WithinBound(Function.Sin, RandomUniform(seed, Count, 6e4, 1e12), $"seed {seed}");

    [Property(MaxTest = 100)]
    public void Cos_WithinBound_RandomBitPatterns(ulong seed) => UlpAssert.WithinBound(Function.Cos, RandomBits(seed, Count), $"seed {seed}");

    [Property(MaxTest = 100)]
    public void Cos_WithinBound_Periods(ulong seed) => UlpAssert.WithinBound(Function.Cos, RandomUniform(seed, Count, -100, 100), $"seed {seed}");

    [Fact]
    public void SinCos_MatchesReference_NearMultiplesOfHalfPi()
    {
        // The floats nearest to k π/2, and their neighbours, for k up to 2^17 and at a few huge magnitudes: where
        // the reduced argument is smallest and any error of the reduction shows most.
        var inputs = new List<float>();
        for (long k = 1; k <= 1L << 17; k = (k * 3 / 2) + 1)
        {
            float nearest = (float)(k * (Math.PI / 2));
            inputs.AddRange([nearest, MathF.BitIncrement(nearest), MathF.BitDecrement(nearest), -nearest]);
        }
        inputs.AddRange([65536f, 65536.004f, 65535.996f, 1e5f, 1e10f, 1e20f, 1e30f, 1e38f, float.MaxValue, -float.MaxValue, 16367173f * 72057594037927936f]);
        UlpAssert.WithinBound(Function.Sin, [.. inputs], "near k π/2");
        UlpAssert.WithinBound(Function.Cos, [.. inputs], "near k π/2");
    }

    [Fact]
    public void SinCos_MatchesReference_Edges()
    {
        UlpAssert.WithinBound(Function.Sin, CommonEdges(), "edges");
        UlpAssert.WithinBound(Function.Cos, CommonEdges(), "edges");
        UlpAssert.ExactAtEveryWidth(Function.Sin, 0f, 0f);
        UlpAssert.ExactAtEveryWidth(Function.Sin, -0f, -0f);
        UlpAssert.ExactAtEveryWidth(Function.Sin, float.Epsilon, float.Epsilon);
        UlpAssert.ExactAtEveryWidth(Function.Sin, -float.Epsilon, -float.Epsilon);
        UlpAssert.ExactAtEveryWidth(Function.Sin, 1e-9f, 1e-9f);
        UlpAssert.ExactAtEveryWidth(Function.Sin, float.PositiveInfinity, float.NaN);
        UlpAssert.ExactAtEveryWidth(Function.Sin, float.NegativeInfinity, float.NaN);
        UlpAssert.ExactAtEveryWidth(Function.Sin, float.NaN, float.NaN);
        UlpAssert.ExactAtEveryWidth(Function.Cos, 0f, 1f);
        UlpAssert.ExactAtEveryWidth(Function.Cos, -0f, 1f);
        UlpAssert.ExactAtEveryWidth(Function.Cos, float.Epsilon, 1f);
        UlpAssert.ExactAtEveryWidth(Function.Cos, float.PositiveInfinity, float.NaN);
        UlpAssert.ExactAtEveryWidth(Function.Cos, float.NaN, float.NaN);
        // ±inf give float.NaN's own bits at every width (not the CPU's default NaN of inf - inf).
        UlpAssert.AtEveryWidth(Function.Sin, float.PositiveInfinity, y => BitConverter.SingleToInt32Bits(y) == BitConverter.SingleToInt32Bits(float.NaN), "float.NaN's bits");
    }

    [Fact]
    public void PayneHanek_AgreesWithCodyWaite_WhereBothApply()
    {
        // The large-argument path is only taken above 65536; both reductions must give the same r there (to
        // rounding) so that nothing jumps at the switch.
        foreach (float x in RandomUniform(3, 2000, 1e3, 65536))
        {
            int quadrant = FastBackprop.Kernels.Transcendental.PayneHanek(x, out float rh, out float rl);
            double r = rh + (double)rl;
            double n = Math.Round(x / (Math.PI / 2));
            // In double: n π/2 is off by at most n 6.2e-17 (π/2 rounded) + 2^-37 (the product rounded) < 1e-11.
            double expected = x - (n * (Math.PI / 2));
            Assert.True(Math.Abs(r - expected) <= 1e-11, $"x = {x:R}: r = {r:R}, expected {expected:R}");
            Assert.Equal(((long)n % 4 + 4) % 4, quadrant);
        }
    }
}
