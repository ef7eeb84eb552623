using FsCheck.Xunit;
using Xunit;
using static FastBackprop.Tests.Kernels.TranscendentalTests.TranscendentalCases;

namespace FastBackprop.Tests.Kernels.TranscendentalTests;

/// <summary>log and log1p (Kernels/Transcendental/Log.cs) against double precision, within their ulp bounds,
/// over random bit patterns, the interesting ranges and the edges of the float range.</summary>
public class LogProperties
{
    private const int Count = 512;

    [Property(MaxTest = 100)]
    public void Log_WithinBound_RandomBitPatterns(ulong seed) => UlpAssert.WithinBound(Function.Log, RandomBits(seed, Count), $"seed {seed}");

    [Property(MaxTest = 100)]
    public void Log_WithinBound_NearOne(ulong seed) => UlpAssert.WithinBound(Function.Log, RandomUniform(seed, Count, 0.5, 2), $"seed {seed}");

    [Property(MaxTest = 50)]
    public void Log_WithinBound_SubnormalArguments(ulong seed) => UlpAssert.WithinBound(Function.Log, RandomUniform(seed, Count, 0, 1.2e-38), $"seed {seed}");

    [Fact]
    public void Log_MatchesReference_Edges()
    {
        UlpAssert.WithinBound(Function.Log, CommonEdges(), "edges");
        UlpAssert.WithinBound(Function.Log, [0.6666666f, 0.6666667f, 0.66666675f, 1.3333333f, 1.3333334f, 0.99999994f, 1.0000001f, 2.7182817f, 2.7182819f], "break points");
        UlpAssert.ExactAtEveryWidth(Function.Log, 1f, 0f);
        UlpAssert.ExactAtEveryWidth(Function.Log, 0f, float.NegativeInfinity);
        UlpAssert.ExactAtEveryWidth(Function.Log, -0f, float.NegativeInfinity);
        UlpAssert.ExactAtEveryWidth(Function.Log, -1f, float.NaN);
        UlpAssert.ExactAtEveryWidth(Function.Log, -float.Epsilon, float.NaN);
        UlpAssert.ExactAtEveryWidth(Function.Log, float.NegativeInfinity, float.NaN);
        UlpAssert.ExactAtEveryWidth(Function.Log, float.PositiveInfinity, float.PositiveInfinity);
        UlpAssert.ExactAtEveryWidth(Function.Log, float.NaN, float.NaN);
        UlpAssert.AtEveryWidth(Function.Log, float.Epsilon, y => Math.Abs(y - (-103.27893f)) <= 1e-5f, "log(2^-149) = -103.27893");
    }

    [Property(MaxTest = 100)]
    public void LogOnePlus_WithinBound_RandomBitPatterns(ulong seed) => UlpAssert.WithinBound(Function.LogOnePlus, RandomBits(seed, Count), $"seed {seed}");

    [Property(MaxTest = 100)]
    public void LogOnePlus_WithinBound_NearZero(ulong seed) => UlpAssert.WithinBound(Function.LogOnePlus, RandomUniform(seed, Count, -0.5, 1), $"seed {seed}");

    [Property(MaxTest = 100)]
    public void LogOnePlus_WithinBound_NearMinusOne(ulong seed) => UlpAssert.WithinBound(Function.LogOnePlus, RandomUniform(seed, Count, -1, -0.99), $"seed {seed}");

    [Fact]
    public void LogOnePlus_MatchesReference_Edges()
    {
        UlpAssert.WithinBound(Function.LogOnePlus, CommonEdges(), "edges");
        UlpAssert.WithinBound(Function.LogOnePlus, [-0.99999994f, -0.9999999f, -0.5f, -0.33333334f, 0.33333334f, 0.41421357f, 16777216f, 16777218f, 3e38f, 5.9604645e-8f, -5.9604645e-8f, 2.9802322e-8f], "break points");
        UlpAssert.ExactAtEveryWidth(Function.LogOnePlus, 0f, 0f);
        UlpAssert.ExactAtEveryWidth(Function.LogOnePlus, -0f, -0f);
        UlpAssert.ExactAtEveryWidth(Function.LogOnePlus, float.Epsilon, float.Epsilon);
        UlpAssert.ExactAtEveryWidth(Function.LogOnePlus, -float.Epsilon, -float.Epsilon);
        UlpAssert.ExactAtEveryWidth(Function.LogOnePlus, 1e-30f, 1e-30f);
        UlpAssert.ExactAtEveryWidth(Function.LogOnePlus, -1f, float.NegativeInfinity);
        UlpAssert.ExactAtEveryWidth(Function.LogOnePlus, -1.0000001f, float.NaN);
        UlpAssert.ExactAtEveryWidth(Function.LogOnePlus, float.NegativeInfinity, float.NaN);
        UlpAssert.ExactAtEveryWidth(Function.LogOnePlus, float.PositiveInfinity, float.PositiveInfinity);
        UlpAssert.ExactAtEveryWidth(Function.LogOnePlus, float.NaN, float.NaN);
        UlpAssert.AtEveryWidth(Function.LogOnePlus, float.MaxValue, float.IsFinite, "finite");
    }
}
