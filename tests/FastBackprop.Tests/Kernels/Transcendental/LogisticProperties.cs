using FsCheck.Xunit;
using Xunit;
using static FastBackprop.Tests.Kernels.TranscendentalTests.TranscendentalCases;

namespace FastBackprop.Tests.Kernels.TranscendentalTests;

/// <summary>The logistic function (Kernels/Transcendental/Logistic.cs) against double precision, within its ulp
/// bound, including the tiny (subnormal) results of large negative arguments.</summary>
public class LogisticProperties
{
    private const int Count = 512;

    [Property(MaxTest = 100)]
    public void Logistic_WithinBound_RandomBitPatterns(ulong seed) => UlpAssert.WithinBound(Function.Logistic, RandomBits(seed, Count), $"seed {seed}");

    [Property(MaxTest = 100)]
    public void Logistic_WithinBound_ActiveRange(ulong seed) => UlpAssert.WithinBound(Function.Logistic, RandomUniform(seed, Count, -20, 20), $"seed {seed}");

    [Property(MaxTest = 50)]
    public void Logistic_WithinBound_TinyResults(ulong seed) => UlpAssert.WithinBound(Function.Logistic, RandomUniform(seed, Count, -105, -80), $"seed {seed}");

    [Fact]
    public void Logistic_MatchesReference_Edges()
    {
        UlpAssert.WithinBound(Function.Logistic, CommonEdges(), "edges");
        UlpAssert.WithinBound(Function.Logistic, [-100f, -87.33654f, -87.4f, -88f, -103.97f, -103.98f, 16.635532f, 17f, 88f, -1.9584961f, -85.96875f, -86.58594f], "break points");
        UlpAssert.ExactAtEveryWidth(Function.Logistic, 0f, 0.5f);
        UlpAssert.ExactAtEveryWidth(Function.Logistic, -0f, 0.5f);
        UlpAssert.ExactAtEveryWidth(Function.Logistic, float.PositiveInfinity, 1f);
        UlpAssert.ExactAtEveryWidth(Function.Logistic, float.NegativeInfinity, 0f);
        UlpAssert.ExactAtEveryWidth(Function.Logistic, 20f, 1f);
        UlpAssert.ExactAtEveryWidth(Function.Logistic, -200f, 0f);
        UlpAssert.ExactAtEveryWidth(Function.Logistic, float.NaN, float.NaN);
        // σ(-100) = e^-100 / (1 + e^-100) = 3.72e-44 = 26.55 * 2^-149, a subnormal that rounds to 27 * 2^-149;
        // 1 - 1/(1 + e^-x) would give 0.
        UlpAssert.ExactAtEveryWidth(Function.Logistic, -100f, 27 * float.Epsilon);
    }
}
