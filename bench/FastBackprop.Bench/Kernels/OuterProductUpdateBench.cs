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
        (weights, delta, y) = Operands.Layer(Shape, seed: 17, perUnitLimit: 0.01f);
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
