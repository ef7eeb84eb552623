using FastBackprop.Kernels;
using FastBackprop.Tests.Training;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Kernels.Optimizers;

/// <summary><see cref="GradientClipping"/> against the norm computed in double.</summary>
/// <remarks>Tolerance: the float sum of squares covers at most <see cref="GradientClipping.BlockLength"/> terms per
/// partial sum (each block then goes into a double), so its relative error is at most γ_k with k = BlockLength + 8
/// (the chain of one accumulator, the lane reduction and the tail; Higham §3.1); the square root halves it and
/// the final rounding to float adds u. Each clipped element carries that plus two roundings (the scale factor,
/// the product).</remarks>
[Properties(Arbitrary = [typeof(OptimizerGenerators)], MaxTest = 200)]
public class GradientClippingProperties
{
    private const double U = 1.0 / (1 << 24);
    private static readonly double NormRelative = 0.5 * Gamma(GradientClipping.BlockLength + 8) + 2 * U;

    [Property]
    public void GradientClipping_MatchesReference_RandomCases(OptimizerCase c)
    {
        var random = new SeededRandom(c.Seed);
        // Up to ~12 blocks, so the block-by-block sum is exercised too.
        int n = c.Steps > 3 ? c.Length * 8 : c.Length;
        var g = new CanaryBuffer(n);
        OptimizerProperties.Fill(random, g.Span, c.RandomStart ? 1e-3f : 50f);
        float[] g0 = g.Span.ToArray();
        double norm = ReferenceNorm(g0);
        float maxNorm = (float)(norm * new[] { 0.1, 0.5, 0.998, 1.002, 3 }[random.NextInt32(5)]);
        if (maxNorm <= 0f) maxNorm = 1f;

        float returned = GradientClipping.ClipByNorm(g.Span, maxNorm);

        AssertRelative(norm, returned, NormRelative, $"{c}, n {n}: norm");
        if (norm > maxNorm)
        {
            double scale = maxNorm / norm;
            for (int i = 0; i < n; i++) AssertRelative(g0[i] * scale, g.Span[i], NormRelative + 2 * Gamma(1), $"{c}, n {n}: g[{i}]");
            AssertRelative(maxNorm, (float)ReferenceNorm(g.Span.ToArray()), NormRelative + 3 * Gamma(1), $"{c}, n {n}: clipped norm");
        }
        else
        {
            Assert.Equal(g0, g.Span.ToArray());
        }
        g.AssertCanariesIntact("gradient");
        AssertRelative(norm, GradientClipping.Norm(g0), NormRelative, $"{c}, n {n}: Norm");
    }

    [Fact]
    public void GradientClipping_MatchesReference_EmptyAndZero()
    {
        Assert.Equal(0f, GradientClipping.Norm([]));
        float[] zeros = new float[37];
        Assert.Equal(0f, GradientClipping.ClipByNorm(zeros, 1f));
        Assert.All(zeros, z => Assert.Equal(0f, z));
    }

    [Fact]
    public void GradientClipping_MatchesReference_HugeElementsDoNotOverflow()
    {
        // 1e30^2 overflows float; the double rerun gives the finite norm 1e30 * sqrt(40).
        float[] g = new float[40];
        g.AsSpan().Fill(1e30f);
        float norm = GradientClipping.ClipByNorm(g, 1f);
        AssertRelative(1e30 * Math.Sqrt(40), norm, NormRelative, "norm");
        AssertRelative(1 / Math.Sqrt(40), g[17], NormRelative + 2 * Gamma(1), "clipped element");
    }

    [Fact]
    public void GradientClipping_NaN_ReturnsNaNAndLeavesGradient()
    {
        float[] g = new float[33];
        g.AsSpan().Fill(2f);
        g[20] = float.NaN;
        Assert.True(float.IsNaN(GradientClipping.ClipByNorm(g, 1f)));
        Assert.Equal(2f, g[0]);
        Assert.Equal(2f, g[32]);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void GradientClipping_Throws_BadMaxNorm(float maxNorm)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByNorm(new float[4], maxNorm));
        Assert.Equal("maxNorm", e.ParamName);
    }

    private static double Gamma(int k) => k * U / (1 - k * U);

    private static double ReferenceNorm(float[] g)
    {
        double sum = 0;
        foreach (float x in g) sum += (double)x * x;   // ||g||^2 = Σ g_i^2
        return Math.Sqrt(sum);
    }

    private static void AssertRelative(double expected, float actual, double relative, string what)
    {
        double bound = relative * Math.Abs(expected) + 1e-44;
        if (!(Math.Abs(actual - expected) <= bound))
        {
            Assert.Fail($"{what}: expected {expected:R}, got {actual:R}; error {Math.Abs(actual - expected):E3} exceeds bound {bound:E3}.");
        }
    }
}
