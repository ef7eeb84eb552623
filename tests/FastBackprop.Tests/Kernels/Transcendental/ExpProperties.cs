using FsCheck.Xunit;
using Xunit;
using static FastBackprop.Tests.Kernels.TranscendentalTests.TranscendentalCases;

namespace FastBackprop.Tests.Kernels.TranscendentalTests;

/// <summary>exp and expm1 (Kernels/Transcendental/Exp.cs) against double precision, within their ulp bounds,
/// over random bit patterns, the interesting ranges and the edges of the float range.</summary>
public class ExpProperties
{
    private const int Count = 512;

    [Property(MaxTest = 100)]
    public void Exp_WithinBound_RandomBitPatterns(ulong seed) => UlpAssert.WithinBound(Function.Exp, RandomBits(seed, Count), $"seed {seed}");

    [Property(MaxTest = 100)]
    public void Exp_WithinBound_WholeFiniteRange(ulong seed) => UlpAssert.WithinBound(Function.Exp, RandomUniform(seed, Count, -104, 89), $"seed {seed}");

    [Property(MaxTest = 50)]
    public void Exp_WithinBound_SubnormalResults(ulong seed) => UlpAssert.WithinBound(Function.Exp, RandomUniform(seed, Count, -104, -87.3), $"seed {seed}");

    [Fact]
    public void Exp_MatchesReference_Edges()
    {
        UlpAssert.WithinBound(Function.Exp, CommonEdges(), "edges");
        // 15.625229 (0x417A00F0): 1.015 ulp before exp kept its last roundings (found by a sweep of every 16th pattern).
        UlpAssert.WithinBound(Function.Exp, [15.625229f, 88.72283f, 88.72284f, 88.7f, 88.4f, 88.37f, -87.33654f, -87.33655f, -87.4f, -100f, -103.27893f, -103.972f, -103.97208f, -103.98f, -104f, -200f], "thresholds");
        UlpAssert.ExactAtEveryWidth(Function.Exp, 0f, 1f);
        UlpAssert.ExactAtEveryWidth(Function.Exp, -0f, 1f);
        UlpAssert.ExactAtEveryWidth(Function.Exp, float.PositiveInfinity, float.PositiveInfinity);
        UlpAssert.ExactAtEveryWidth(Function.Exp, float.NegativeInfinity, 0f);
        UlpAssert.ExactAtEveryWidth(Function.Exp, float.NaN, float.NaN);
        UlpAssert.ExactAtEveryWidth(Function.Exp, 88.72284f, float.PositiveInfinity);   // e^x > float.MaxValue (1 + 2^-25)
        UlpAssert.ExactAtEveryWidth(Function.Exp, -103.98f, 0f);                          // e^x < 2^-150
        UlpAssert.ExactAtEveryWidth(Function.Exp, -103.97f, float.Epsilon);               // e^x = 0.502 * 2^-149 rounds up to it
        UlpAssert.AtEveryWidth(Function.Exp, 88.72283f, float.IsFinite, "finite (e^x < float.MaxValue)");
    }

    [Property(MaxTest = 100)]
    public void ExpM1_WithinBound_RandomBitPatterns(ulong seed) => UlpAssert.WithinBound(Function.ExpM1, RandomBits(seed, Count), $"seed {seed}");

    [Property(MaxTest = 100)]
    public void ExpM1_WithinBound_WholeFiniteRange(ulong seed) => UlpAssert.WithinBound(Function.ExpM1, RandomUniform(seed, Count, -20, 89), $"seed {seed}");

    [Property(MaxTest = 100)]
    public void ExpM1_WithinBound_NearZero(ulong seed) => UlpAssert.WithinBound(Function.ExpM1, RandomUniform(seed, Count, -1, 1), $"seed {seed}");

    [Fact]
    public void ExpM1_MatchesReference_Edges()
    {
        UlpAssert.WithinBound(Function.ExpM1, CommonEdges(), "edges");
        UlpAssert.WithinBound(Function.ExpM1, [88.72283f, 88.72284f, 88.4f, 88.37f, 17f, 17.33f, 16.98f, -16.98f, -17.32868f, -17.32869f, -17.5f, -18f, -30f, 0.3465736f, -0.3465736f, 0.35f, -0.35f], "thresholds");
        UlpAssert.ExactAtEveryWidth(Function.ExpM1, 0f, 0f);
        UlpAssert.ExactAtEveryWidth(Function.ExpM1, -0f, -0f);
        UlpAssert.ExactAtEveryWidth(Function.ExpM1, float.Epsilon, float.Epsilon);
        UlpAssert.ExactAtEveryWidth(Function.ExpM1, -float.Epsilon, -float.Epsilon);
        UlpAssert.ExactAtEveryWidth(Function.ExpM1, 1e-30f, 1e-30f);
        UlpAssert.ExactAtEveryWidth(Function.ExpM1, float.PositiveInfinity, float.PositiveInfinity);
        UlpAssert.ExactAtEveryWidth(Function.ExpM1, float.NegativeInfinity, -1f);
        UlpAssert.ExactAtEveryWidth(Function.ExpM1, -30f, -1f);
        UlpAssert.ExactAtEveryWidth(Function.ExpM1, float.NaN, float.NaN);
        UlpAssert.ExactAtEveryWidth(Function.ExpM1, 88.72284f, float.PositiveInfinity);
        UlpAssert.AtEveryWidth(Function.ExpM1, 88.72283f, float.IsFinite, "finite");
    }
}
