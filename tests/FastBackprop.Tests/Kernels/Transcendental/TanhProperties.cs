using FastBackprop.Kernels;
using FsCheck.Xunit;
using Xunit;
using static FastBackprop.Tests.Kernels.TranscendentalTests.TranscendentalCases;

namespace FastBackprop.Tests.Kernels.TranscendentalTests;

/// <summary>tanh (Kernels/Transcendental/Tanh.cs) against double precision, within its ulp bound: relative
/// accuracy near 0 (where TensorPrimitives.Tanh's error was absolute), both sides of the break at 0.55, saturation.</summary>
public class TanhProperties
{
    private const int Count = 512;

    [Property(MaxTest = 100)]
    public void Tanh_WithinBound_RandomBitPatterns(ulong seed) => UlpAssert.WithinBound(Function.Tanh, RandomBits(seed, Count), $"seed {seed}");

    [Property(MaxTest = 100)]
    public void Tanh_WithinBound_ActiveRange(ulong seed) => UlpAssert.WithinBound(Function.Tanh, RandomUniform(seed, Count, -10, 10), $"seed {seed}");

    [Property(MaxTest = 100)]
    public void Tanh_WithinBound_AroundTheBreak(ulong seed) => UlpAssert.WithinBound(Function.Tanh, RandomUniform(seed, Count, 0.5, 0.6), $"seed {seed}");

    [Fact]
    public void Tanh_MatchesReference_Edges()
    {
        UlpAssert.WithinBound(Function.Tanh, CommonEdges(), "edges");
        UlpAssert.WithinBound(Function.Tanh, [0.55f, 0.54999995f, -0.55f, 9.011f, 9.1f, 9.2f, 8.5f, 8.777344f, -8.777344f, 20f, 45f, 1e-3f, 0.1f], "break points");
        UlpAssert.ExactAtEveryWidth(Function.Tanh, 0f, 0f);
        UlpAssert.ExactAtEveryWidth(Function.Tanh, -0f, -0f);
        UlpAssert.ExactAtEveryWidth(Function.Tanh, 1e-9f, 1e-9f);          // TensorPrimitives.Tanh gave -5.96e-8
        UlpAssert.ExactAtEveryWidth(Function.Tanh, -1e-9f, -1e-9f);
        UlpAssert.ExactAtEveryWidth(Function.Tanh, 1e-30f, 1e-30f);
        UlpAssert.ExactAtEveryWidth(Function.Tanh, float.Epsilon, float.Epsilon);
        UlpAssert.ExactAtEveryWidth(Function.Tanh, -float.Epsilon, -float.Epsilon);
        UlpAssert.ExactAtEveryWidth(Function.Tanh, 10f, 1f);
        UlpAssert.ExactAtEveryWidth(Function.Tanh, -10f, -1f);
        UlpAssert.ExactAtEveryWidth(Function.Tanh, float.PositiveInfinity, 1f);
        UlpAssert.ExactAtEveryWidth(Function.Tanh, float.NegativeInfinity, -1f);
        UlpAssert.ExactAtEveryWidth(Function.Tanh, float.NaN, float.NaN);
        // Relative accuracy near 0: tanh(1e-5) to within the bound relative to 1e-5, not to 1.
        UlpAssert.WithinBound(Function.Tanh, [1e-5f, -1e-5f, 3e-6f, 1e-7f, 2e-20f], "tiny");
    }

    [Fact]
    public void Tanh_IsOdd_AtEveryWidth()
    {
        float[] x = RandomBits(99, 1024);
        foreach (VectorTier width in Widths)
        {
            float[] a = Padded(x), b = Padded(Array.ConvertAll(x, v => -v)), ya = new float[a.Length], yb = new float[b.Length];
            Apply(Function.Tanh, width, a, ya);
            Apply(Function.Tanh, width, b, yb);
            for (int i = 0; i < x.Length; i++)
            {
                Assert.True(float.IsNaN(ya[i]) ? float.IsNaN(yb[i]) : BitConverter.SingleToInt32Bits(yb[i]) == BitConverter.SingleToInt32Bits(-ya[i]),
                    $"tanh(-x) != -tanh(x) at x = {x[i]:R}, {width}");
            }
        }
    }
}
