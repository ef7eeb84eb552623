using FastBackprop.IO;
using Xunit;

namespace FastBackprop.Tests.NetworkTests;

/// <summary>Weight initialisation schemes and the portable normal deviates behind them.</summary>
public class InitializationTests
{
    [Fact]
    public void NextGaussian_HasMeanZeroAndUnitVariance_AndFixedBits()
    {
        var random = new SeededRandom(2026);
        // Golden values: these bits must come out on every platform and .NET version.
        Assert.Equal(0x3FE244ED0B15C929, BitConverter.DoubleToInt64Bits(random.NextGaussian()));
        Assert.Equal(0x3FE2E9E7869E404B, BitConverter.DoubleToInt64Bits(random.NextGaussian()));
        Assert.Equal(0x3FD73D459E983E15, BitConverter.DoubleToInt64Bits(random.NextGaussian()));
        double sum = 0, squares = 0, fourth = 0;
        const int n = 200_000;
        for (int i = 0; i < n; i++)
        {
            double z = random.NextGaussian();
            sum += z;
            squares += z * z;
            fourth += z * z * z * z;
        }
        double mean = sum / n, variance = squares / n - mean * mean;
        Assert.InRange(mean, -0.01, 0.01);              // standard error 1/sqrt(n) = 0.0022
        Assert.InRange(variance, 0.985, 1.015);         // standard error sqrt(2/n) = 0.0032
        Assert.InRange(fourth / n, 2.9, 3.1);           // the normal's kurtosis is 3
    }

    [Theory]
    [InlineData(WeightInitialization.XavierUniform, 0x861ECBC4u)]
    [InlineData(WeightInitialization.HeUniform, 0xEA0D30B8u)]
    [InlineData(WeightInitialization.XavierNormal, 0x62246EDFu)]
    [InlineData(WeightInitialization.HeNormal, 0xF97B497Au)]
    [InlineData(WeightInitialization.Uniform, 0x02327728u)]
    public void InitializeWeights_EachScheme_GivesFixedBits(WeightInitialization scheme, uint crc)
    {
        var network = new Network(7, Loss.HalfSquaredError, new Dense(5, TransferFunction.Tanh), new Dense(3, TransferFunction.Identity));
        network.InitializeWeights(99, scheme, 0.25f);
        Assert.Equal(crc, Crc32.Compute(System.Runtime.InteropServices.MemoryMarshal.AsBytes(network.Parameters)));
    }

    [Theory]
    [InlineData(WeightInitialization.XavierUniform)]
    [InlineData(WeightInitialization.HeUniform)]
    [InlineData(WeightInitialization.XavierNormal)]
    [InlineData(WeightInitialization.HeNormal)]
    [InlineData(WeightInitialization.Uniform)]
    public void InitializeWeights_EachScheme_HasItsSpreadAndZeroBiases(WeightInitialization scheme)
    {
        var network = new Network(400, Loss.HalfSquaredError, new Dense(300, TransferFunction.Relu), new Dense(2, TransferFunction.Identity));
        network.Parameters.Fill(1f);
        network.InitializeWeights(5, scheme, uniformRange: 0.3f);
        ReadOnlySpan<float> w = network.GetWeights(0);
        double sum = 0, squares = 0, max = 0;
        foreach (float v in w) { sum += v; squares += (double)v * v; max = Math.Max(max, Math.Abs(v)); }
        double std = Math.Sqrt(squares / w.Length - (sum / w.Length) * (sum / w.Length));
        double expected = scheme switch
        {
            WeightInitialization.XavierUniform => Math.Sqrt(6.0 / 700) / Math.Sqrt(3),   // U(-a, a) has std a / sqrt 3
            WeightInitialization.HeUniform => Math.Sqrt(6.0 / 400) / Math.Sqrt(3),
            WeightInitialization.XavierNormal => Math.Sqrt(2.0 / 700),
            WeightInitialization.HeNormal => Math.Sqrt(2.0 / 400),
            _ => 0.3 / Math.Sqrt(3),
        };
        Assert.InRange(std, 0.98 * expected, 1.02 * expected);
        if (scheme is WeightInitialization.XavierUniform or WeightInitialization.HeUniform or WeightInitialization.Uniform)
        {
            Assert.True(max <= expected * Math.Sqrt(3), "a uniform weight lies outside its range");
        }
        else
        {
            Assert.True(max > 3 * expected, "120,000 normal draws should reach beyond 3 sigma");
        }
        Assert.All(network.GetBiases(0).ToArray(), b => Assert.Equal(0f, b));
    }

    [Fact]
    public void InitializeWeights_BadArguments_AreRejected()
    {
        var network = new Network(2, Loss.HalfSquaredError, new Dense(1, TransferFunction.Identity));
        Assert.Throws<ArgumentOutOfRangeException>("scheme", () => network.InitializeWeights(1, (WeightInitialization)42));
        Assert.Throws<ArgumentOutOfRangeException>("uniformRange", () => network.InitializeWeights(1, WeightInitialization.Uniform, float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>("uniformRange", () => network.InitializeWeights(1, WeightInitialization.Uniform, 0f));
    }
}
