using System.Runtime.InteropServices;
using FastBackprop.Kernels;
using FastBackprop.Kernels.Operators;
using FastBackprop.Tests.Support;
using FastBackprop.Tests.Training;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Kernels.Optimizers;

/// <summary><see cref="GradientClipping"/> against the norm computed in double, and its sum of squares with the 16
/// lanes in every register width against the canonical order, bit for bit.</summary>
/// <remarks>Tolerance: each square passes through at most BlockLength / 16 float roundings on its way along its
/// lane (the first fused onto -0 is exact) and 4 in the tree; the block sums then go into a double, whose own
/// error over at most a few thousand blocks stays far below one float rounding, counted as one more. So the
/// relative error of the sum of squares is at most γ_k with k = BlockLength / 16 + 5 (Higham §3.1; all terms are
/// non-negative, so the condition is the sum itself); the square root halves it and the final rounding to float
/// adds u. Each clipped element carries that plus two roundings (the scale factor, the product).</remarks>
[Properties(Arbitrary = [typeof(OptimizerGenerators)], MaxTest = 200)]
public class GradientClippingProperties
{
    private const double U = 1.0 / (1 << 24);
    private static readonly double NormRelative = 0.5 * Gamma((GradientClipping.BlockLength / 16) + 5) + 2 * U;

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

    /// <summary>Every length 0..70, the large sizes, and the block boundaries 255..257, 511..513 and beyond.</summary>
    public static TheoryData<int> SweepLengths() => new([.. Generators.SweepLengths, 511, 512, 513, 1000, 2049]);

    /// <summary>Σ g_i² as canonical sums of 256-element blocks added to a double in order, with each width's lanes, and the
    /// norm from it: the same bits as the blocks summed one lane at a time.</summary>
    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void GradientClipping_SameBitsAtEveryWidth_EveryLength(int n)
    {
        foreach (bool hard in new[] { false, true })
        {
            float[] g = Canonical.Operand(n, (ulong)(30000 + n), 0, hard, amplitude: 3f);
            double expected = 0;
            for (int i = 0; i < n; i += GradientClipping.BlockLength)
            {
                ReadOnlySpan<float> block = g.AsSpan(i, Math.Min(GradientClipping.BlockLength, n - i));
                expected += Canonical.Dot(block, block);
            }
            string what = $"n={n}{(hard ? " hard" : "")}";
            ref float x = ref MemoryMarshal.GetArrayDataReference(g);
            Assert.True(expected == GradientClipping.SumOfSquares<Lanes512>(ref x, n), $"Lanes512 {what}");
            Assert.True(expected == GradientClipping.SumOfSquares<Lanes256>(ref x, n), $"Lanes256 {what}");
            Assert.True(expected == GradientClipping.SumOfSquares<Lanes128>(ref x, n), $"Lanes128 {what}");
            Assert.True(expected == GradientClipping.SumOfSquares<LanesScalar>(ref x, n), $"LanesScalar {what}");
            Assert.Equal(BitConverter.SingleToInt32Bits((float)Math.Sqrt(expected)), BitConverter.SingleToInt32Bits(GradientClipping.Norm(g)));
        }
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
