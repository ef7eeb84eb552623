using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using FastBackprop.Kernels;
using FastBackprop.Reference;

namespace FastBackprop.Bench.Kernels;

/// <summary>The forward product of the W3a layers: <c>net = W x + b</c> for 256x784 and 128x256
/// weights (units x inputs), engine kernel against the double reference and a TensorPrimitives.Dot per row.</summary>
[HideColumns("Error", "StdDev", "Median", "RatioSD", "EnvironmentVariables")]
public class GemvBench
{
    private float[] weights = null!, bias = null!, x = null!, net = null!;
    private double[] netDouble = null!;

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
        var random = new SeededRandom(7);
        weights = new float[rows * cols];
        for (int i = 0; i < weights.Length; i++) weights[i] = random.NextSymmetric(0.1f);
        bias = new float[rows];
        for (int i = 0; i < bias.Length; i++) bias[i] = random.NextSymmetric(0.1f);
        x = new float[cols];
        for (int i = 0; i < x.Length; i++) x[i] = random.NextSingle();
        net = new float[rows];
        netDouble = new double[rows];
    }

    /// <summary>ReferenceKernels.Gemv: double accumulation, plain loops.</summary>
    [Benchmark(Baseline = true)]
    public double Reference()
    {
        ReferenceKernels.Gemv(weights, bias, x, netDouble);
        return netDouble[0];
    }

    /// <summary>The engine's Gemv.Multiply.</summary>
    [Benchmark]
    public float Engine()
    {
        Gemv.Multiply(weights, bias, x, net);
        return net[0];
    }

    /// <summary>One TensorPrimitives.Dot per row.</summary>
    [Benchmark]
    public float RowwiseDot()
    {
        int cols = x.Length;
        for (int k = 0; k < net.Length; k++) net[k] = TensorPrimitives.Dot(weights.AsSpan(k * cols, cols), x) + bias[k];
        return net[0];
    }
}
