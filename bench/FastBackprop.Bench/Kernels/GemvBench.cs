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
        (weights, bias, x) = Operands.Layer(Shape, seed: 7, perUnitLimit: 0.1f);
        net = new float[bias.Length];
        netDouble = new double[bias.Length];
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
