using FastBackprop.Kernels.Optimizers;
using FastBackprop.Tests.Training;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Kernels.Optimizers;

/// <summary><see cref="ParameterReductions"/> against its specification, bit for bit: the canonical order (16 lanes, FMA
/// from +0, the fixed tree) written as plain scalar code. The vector paths must give exactly these bits at every tier,
/// which the CI's four tier runs check; a tolerance would hide a width-dependent order.</summary>
[Properties(Arbitrary = [typeof(OptimizerGenerators)], MaxTest = 200)]
public class ParameterReductionsProperties
{
    [Property]
    public void Dot_MatchesCanonicalOrder_RandomCases(OptimizerCase c)
    {
        var random = new SeededRandom(c.Seed);
        int n = c.Steps > 3 ? c.Length * 7 : c.Length;
        float[] x = new float[n], y = new float[n];
        OptimizerProperties.Fill(random, x, c.RandomStart ? 1e-3f : 10f);
        OptimizerProperties.Fill(random, y, 3f);
        AssertBits(CanonicalDot(x, y), ParameterReductions.Dot(x, y), $"{c}, n {n}: Dot");
        AssertBits(CanonicalDot(x, x), ParameterReductions.SumOfSquares(x), $"{c}, n {n}: SumOfSquares");
        float[] magnitudes = [.. x.Select(MathF.Abs)];
        AssertBits(CanonicalDot(magnitudes, [.. x.Select(_ => 1f)]), ParameterReductions.SumOfMagnitudes(x), $"{c}, n {n}: SumOfMagnitudes");
        Assert.Equal(n == 0 ? 0f : magnitudes.Max(), ParameterReductions.MaxMagnitude(x));

        double[] xd = [.. x.Select(v => v * (1 + random.NextDouble()))], yd = [.. y.Select(v => (double)v / 3)];
        double expected = CanonicalDot(xd, yd), actual = ParameterReductions.Dot(xd, yd);
        Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual), $"{c}, n {n}: double Dot {actual:R}, canonical {expected:R}");
    }

    [Theory]
    [MemberData(nameof(OptimizerProperties.SweepLengths), MemberType = typeof(OptimizerProperties))]
    public void Dot_MatchesCanonicalOrder_EveryLength(int n)
    {
        var random = new SeededRandom((ulong)(500 + n));
        float[] x = new float[n], y = new float[n];
        OptimizerProperties.Fill(random, x, 1f);
        OptimizerProperties.Fill(random, y, 1e4f);
        AssertBits(CanonicalDot(x, y), ParameterReductions.Dot(x, y), $"n {n}");
    }

    [Fact]
    public void Dot_IsZeroForEmptyAndPropagatesNaN()
    {
        AssertBits(0f, ParameterReductions.Dot(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty), "empty");
        Assert.True(float.IsNaN(ParameterReductions.Dot([1f, float.NaN, 2f], [1f, 1f, 1f])));
        Assert.True(float.IsNaN(ParameterReductions.MaxMagnitude([1f, float.NaN, 2f])));
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => ParameterReductions.Dot(new float[3], new float[4])).ParamName);
    }

    /// <summary>The Gram update against the plain triple loop in double: every product of two widened floats is exact, so
    /// the loop's sums (one rounded add per row, in row order) are the kernel's bits.</summary>
    [Property(MaxTest = 100)]
    public void AddGram_MatchesRowByRowSums_RandomCases(OptimizerCase c)
    {
        var random = new SeededRandom(c.Seed);
        int n = 1 + c.Length % 90, rowCount = c.Steps * 7 - 4 + random.NextInt32(3), capacity = rowCount + (c.RandomStart ? 5 : 0);
        int panelStride = capacity * ParameterReductions.PanelWidth;
        double[] rows = new double[rowCount * n], panels = new double[ParameterReductions.PanelLength(n, capacity)];
        for (int r = 0; r < rowCount; r++)
        {
            for (int i = 0; i < n; i++)
            {
                rows[r * n + i] = random.NextSymmetric(random.NextInt32(4) == 0 ? 1e-3f : 2f);
                panels[ParameterReductions.PanelIndex(r, i, panelStride)] = rows[r * n + i];
            }
        }
        int length = n * (n + 1) / 2;
        double[] storage = new double[length + 32];
        storage.AsSpan().Fill(-7.25);
        Span<double> packed = storage.AsSpan(16, length);
        for (int k = 0; k < length; k++) packed[k] = random.NextSymmetric(1f) * 0.37;
        double[] expected = packed.ToArray();
        for (int r = 0; r < rowCount; r++)
        {
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j <= i; j++) expected[i * (i + 1) / 2 + j] += rows[r * n + i] * rows[r * n + j];
            }
        }

        ParameterReductions.AddGram(packed, panels, rowCount, panelStride, n);

        for (int k = 0; k < length; k++)
        {
            Assert.True(BitConverter.DoubleToInt64Bits(expected[k]) == BitConverter.DoubleToInt64Bits(packed[k]),
                $"{c} (n {n}, rows {rowCount}): element {k} is {packed[k]:R}, expected {expected[k]:R}.");
        }
        for (int k = 0; k < 16; k++) Assert.True(storage[k] == -7.25 && storage[16 + length + k] == -7.25, $"{c}: a guard element was written.");
    }

    [Theory]
    [InlineData(600, 2)]
    [InlineData(601, 3)]
    public void AddGram_OnSeveralThreads_GivesTheBitsOfOne(int n, int threads)
    {
        var random = new SeededRandom((ulong)n);
        const int rows = 128;
        int panelStride = rows * ParameterReductions.PanelWidth;
        double[] panels = new double[ParameterReductions.PanelLength(n, rows)];
        for (int r = 0; r < rows; r++)
        {
            for (int i = 0; i < n; i++) panels[ParameterReductions.PanelIndex(r, i, panelStride)] = random.NextSymmetric(1f);
        }
        double[] one = new double[n * (n + 1) / 2], several = new double[one.Length];
        ParameterReductions.AddGram(one, panels, rows, panelStride, n);
        using var pool = new WorkerPool(threads);
        ParameterReductions.AddGram(several, panels, rows, panelStride, n, pool);
        Assert.Equal(one, several);
    }

    [Fact]
    public void AddGram_Throws_ShortRowsOrMatrix()
    {
        Assert.Equal("panels", Assert.Throws<ArgumentException>(() => ParameterReductions.AddGram(new double[6], new double[15], 1, 16, 3)).ParamName);
        Assert.Equal("panels", Assert.Throws<ArgumentException>(() => ParameterReductions.AddGram(new double[6], new double[32], 2, 16, 3)).ParamName);
        Assert.Equal("packed", Assert.Throws<ArgumentException>(() => ParameterReductions.AddGram(new double[5], new double[16], 1, 16, 3)).ParamName);
    }

    // ---- the specification ---------------------------------------------------------------------

    internal static float CanonicalDot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        float[] lanes = new float[16];
        for (int j = 0; j < x.Length; j++) lanes[j % 16] = MathF.FusedMultiplyAdd(x[j], y[j], lanes[j % 16]);
        for (int width = 8; width >= 1; width /= 2)
        {
            for (int i = 0; i < width; i++) lanes[i] += lanes[i + width];
        }
        return lanes[0];
    }

    private static double CanonicalDot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        double[] lanes = new double[16];
        for (int j = 0; j < x.Length; j++) lanes[j % 16] = Math.FusedMultiplyAdd(x[j], y[j], lanes[j % 16]);
        for (int width = 8; width >= 1; width /= 2)
        {
            for (int i = 0; i < width; i++) lanes[i] += lanes[i + width];
        }
        return lanes[0];
    }

    private static void AssertBits(float expected, float actual, string what) =>
        Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual), $"{what}: {actual:R}, the canonical order gives {expected:R}.");
}
