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

    /// <summary>The layered Gram update against its definition as a plain loop over the packed elements: per element and
    /// pattern in order, (M[a, c] · x̃[b]) · x̃[d] added to the element, each operation rounded as written. The kernel's
    /// register tiles and its loop over the rest must give these bits at every tier.</summary>
    [Property(MaxTest = 100)]
    public void AddLayeredGram_MatchesElementByElementSums_RandomCases(OptimizerCase c)
    {
        var random = new SeededRandom(c.Seed);
        int layers = 1 + c.Length % 3, count = 1 + random.NextInt32(2 * c.Steps + 3), capacity = count + (c.RandomStart ? 3 : 0);
        var dense = new Layer[layers];
        for (int l = 0; l < layers; l++) dense[l] = new Dense(1 + random.NextInt32(l == layers - 1 ? 4 : 9), TransferFunction.Logistic);
        var layout = new GramLayout(new NetworkDefinition(1 + random.NextInt32(40), Loss.HalfSquaredError, dense));
        (double[][] inputs, double[][] products) = RandomChunk(random, layout, capacity);
        int n = layout.ParameterCount, length = n * (n + 1) / 2;
        double[] storage = new double[length + 32];
        storage.AsSpan().Fill(-7.25);
        Span<double> packed = storage.AsSpan(16, length);
        for (int k = 0; k < length; k++) packed[k] = random.NextSymmetric(1f) * 0.37;
        double[] expected = packed.ToArray();
        for (int i = 0; i < n; i++)
        {
            int l = layout.LayerOf[i], a = layout.UnitOf[i], b = layout.InputOf[i];
            for (int j = 0; j <= i; j++)
            {
                int m = layout.LayerOf[j], cu = layout.UnitOf[j], d = layout.InputOf[j];
                double[] product = products[layout.Pair(l, m)];
                for (int p = 0; p < count; p++)
                {
                    double coefficient = product[(a * layout.Units[m] + cu) * capacity + p] * inputs[l][p * (layout.Inputs[l] + 1) + b];
                    double term = coefficient * inputs[m][p * (layout.Inputs[m] + 1) + d];
                    expected[i * (i + 1) / 2 + j] += term;
                }
            }
        }

        ParameterReductions.AddLayeredGram(packed, layout, inputs, products, count, capacity);

        for (int k = 0; k < length; k++)
        {
            Assert.True(BitConverter.DoubleToInt64Bits(expected[k]) == BitConverter.DoubleToInt64Bits(packed[k]),
                $"{c} (n {n}, patterns {count}): element {k} is {packed[k]:R}, expected {expected[k]:R}.");
        }
        for (int k = 0; k < 16; k++) Assert.True(storage[k] == -7.25 && storage[16 + length + k] == -7.25, $"{c}: a guard element was written.");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void AddLayeredGram_OnSeveralThreads_GivesTheBitsOfOne(int threads)
    {
        var random = new SeededRandom((ulong)threads);
        const int count = 64;
        var layout = new GramLayout(new NetworkDefinition(30, Loss.HalfSquaredError, new Dense(20, TransferFunction.Tanh), new Dense(5, TransferFunction.Logistic)));
        (double[][] inputs, double[][] products) = RandomChunk(random, layout, count);
        int n = layout.ParameterCount;
        double[] one = new double[n * (n + 1) / 2], several = new double[one.Length];
        ParameterReductions.AddLayeredGram(one, layout, inputs, products, count, count);
        using var pool = new WorkerPool(threads);
        ParameterReductions.AddLayeredGram(several, layout, inputs, products, count, count, pool);
        Assert.Equal(one, several);
    }

    [Fact]
    public void AddLayeredGram_Throws_WrongMatrixLengthOrNonDenseLayer()
    {
        var layout = new GramLayout(new NetworkDefinition(2, Loss.HalfSquaredError, new Dense(1, TransferFunction.Logistic)));   // 3 parameters
        Assert.Equal("packed", Assert.Throws<ArgumentException>(() => ParameterReductions.AddLayeredGram(new double[5], layout, [new double[3]], [new double[1]], 1, 1)).ParamName);
        Assert.Equal("definition", Assert.Throws<ArgumentException>(() => new GramLayout(new NetworkDefinition(2, Loss.HalfSquaredError,
            new Dense(3, TransferFunction.Tanh), new Dropout(0.5f), new Dense(1, TransferFunction.Logistic)))).ParamName);
    }

    // Random layer inputs (with the bias's 1) and products for capacity patterns, some of them tiny.
    private static (double[][] Inputs, double[][] Products) RandomChunk(SeededRandom random, GramLayout layout, int capacity)
    {
        var inputs = new double[layout.LayerCount][];
        var products = new double[layout.PairCount][];
        for (int l = 0; l < layout.LayerCount; l++)
        {
            int stride = layout.Inputs[l] + 1;
            inputs[l] = new double[capacity * stride];
            for (int k = 0; k < inputs[l].Length; k++) inputs[l][k] = k % stride == layout.Inputs[l] ? 1.0 : random.NextSymmetric(random.NextInt32(4) == 0 ? 1e-3f : 2f) * (1 + random.NextDouble());
            for (int m = 0; m <= l; m++)
            {
                double[] product = products[layout.Pair(l, m)] = new double[layout.Units[l] * layout.Units[m] * capacity];
                for (int k = 0; k < product.Length; k++) product[k] = random.NextSymmetric(1f) * (1 + random.NextDouble());
            }
        }
        return (inputs, products);
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
