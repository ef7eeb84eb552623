using FsCheck.Xunit;
using Xunit;
using static FastBackprop.Tests.Kernels.TranscendentalTests.TranscendentalCases;

namespace FastBackprop.Tests.Kernels.TranscendentalTests;

/// <summary>erf (Kernels/Transcendental/Erf.cs) against double precision, within its ulp bound, on both sides of
/// its break at 0.875, near 0 (relative accuracy, subnormals) and at saturation; and the double reference itself
/// against mpmath.</summary>
public class ErfProperties
{
    private const int Count = 512;

    [Property(MaxTest = 100)]
    public void Erf_WithinBound_RandomBitPatterns(ulong seed) => UlpAssert.WithinBound(Function.Erf, RandomBits(seed, Count), $"seed {seed}");

    [Property(MaxTest = 100)]
    public void Erf_WithinBound_ActiveRange(ulong seed) => UlpAssert.WithinBound(Function.Erf, RandomUniform(seed, Count, -4.5, 4.5), $"seed {seed}");

    [Property(MaxTest = 100)]
    public void Erf_WithinBound_AroundTheBreak(ulong seed) => UlpAssert.WithinBound(Function.Erf, RandomUniform(seed, Count, 0.8, 1.0), $"seed {seed}");

    [Fact]
    public void Erf_MatchesReference_Edges()
    {
        UlpAssert.WithinBound(Function.Erf, CommonEdges(), "edges");
        UlpAssert.WithinBound(Function.Erf, [0.875f, 0.87499994f, -0.875f, 0.94628906f, 3.9192f, 3.92f, 4f, 4.0000005f, 6f, 10f, 1e-20f, 2.5f], "break points");
        UlpAssert.ExactAtEveryWidth(Function.Erf, 0f, 0f);
        UlpAssert.ExactAtEveryWidth(Function.Erf, -0f, -0f);
        UlpAssert.ExactAtEveryWidth(Function.Erf, float.PositiveInfinity, 1f);
        UlpAssert.ExactAtEveryWidth(Function.Erf, float.NegativeInfinity, -1f);
        UlpAssert.ExactAtEveryWidth(Function.Erf, 5f, 1f);
        UlpAssert.ExactAtEveryWidth(Function.Erf, -5f, -1f);
        UlpAssert.ExactAtEveryWidth(Function.Erf, float.NaN, float.NaN);
        UlpAssert.ExactAtEveryWidth(Function.Erf, 1e-30f, (float)(1e-30 * 1.1283791670955126));   // 2x/√π
        UlpAssert.ExactAtEveryWidth(Function.Erf, 8 * float.Epsilon, 9 * float.Epsilon);          // 9.03 * 2^-149 rounds to 9
    }

    [Theory]
    [InlineData(0.5, 0.52049987781304653768)]
    [InlineData(1.0, 0.84270079294971486934)]
    [InlineData(2.0, 0.99532226501895273416)]
    [InlineData(3.5, 0.99999925690162765859)]
    [InlineData(1e-5, 1.1283791670578999350e-5)]
    [InlineData(0.875, 0.78407506105985965831)]
    public void Erf_DoubleReference_MatchesMpmath(double x, double expected)
    {
        // Values from mpmath.erf at 40 digits; the reference must be far inside a float ulp (2^-24 relative).
        Assert.True(Math.Abs(ReferenceMath.Erf(x) - expected) <= 1e-14 * expected, $"erf({x}) = {ReferenceMath.Erf(x):R}, mpmath {expected:R}");
        Assert.True(Math.Abs(ReferenceMath.Erf(-x) + expected) <= 1e-14 * expected, $"erf({-x}) = {ReferenceMath.Erf(-x):R}");
    }
}
