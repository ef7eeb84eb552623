using BenchmarkDotNet.Attributes;
using FastBackprop.Kernels;

namespace FastBackprop.Bench.Kernels;

/// <summary>The online weight update <c>W += scale · delta ⊗ y</c> at the W3a layer shapes
/// (units x inputs), OuterProductUpdate.Apply against a naive scalar double loop. Each update reads
/// and writes the whole matrix once, so memory traffic (8 bytes per weight) bounds it, not FMAs.</summary>
[HideColumns("Error", "StdDev", "Median", "RatioSD", "EnvironmentVariables")]
public class OuterProductUpdateBench
{
    private float[] weights = null!, delta = null!, y = null!;

    /// <summary>Units x inputs.</summary>
    [Params("256x784", "128x256")]
    public string Shape { get; set; } = "256x784";

    /// <summary>Fills the operands from a fixed seed.</summary>
    [GlobalSetup]
    public void Setup()
    {
        string[] parts = Shape.Split('x');
        int rows = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        int cols = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        var random = new SeededRandom(17);
        weights = new float[rows * cols];
        for (int i = 0; i < weights.Length; i++) weights[i] = random.NextSymmetric(0.1f);
        delta = new float[rows];
        for (int i = 0; i < delta.Length; i++) delta[i] = random.NextSymmetric(0.01f);
        y = new float[cols];
        for (int i = 0; i < y.Length; i++) y[i] = random.NextSingle();
        Console.WriteLine($"// OuterProductUpdateBench {Shape}: vector tier {VectorTiers.Active}");
    }

    /// <summary>Plain nested loops over float arrays.</summary>
    [Benchmark(Baseline = true)]
    public float NaiveScalar()
    {
        float[] w = weights, d = delta, x = y;
        int cols = x.Length;
        const float scale = -1e-3f;
        for (int k = 0; k < d.Length; k++)
        {
            float s = scale * d[k];
            int row = k * cols;
            for (int j = 0; j < cols; j++) w[row + j] += s * x[j];
        }
        return w[0];
    }

    /// <summary>OuterProductUpdate.Apply.</summary>
    [Benchmark]
    public float Engine()
    {
        OuterProductUpdate.Apply(weights, delta, y, -1e-3f);
        return weights[0];
    }
}
