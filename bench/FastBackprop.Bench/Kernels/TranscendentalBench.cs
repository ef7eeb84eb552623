using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using FastBackprop.Kernels;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Bench.Kernels;

/// <summary>This project's exp, tanh and logistic (Kernels/Transcendental, the same bits at every vector tier)
/// over spans of 16, 256 and 4,096 values, each against TensorPrimitives.Exp, Tanh and Sigmoid (its
/// category's baseline), whose results differ between tiers. Tanh and logistic run through the public
/// kernels (Activation.Tanh, Activation.Logistic), exp through the element-wise driver as they do. The Min column
/// is shown as well as the mean: on a shared machine the mean of a short run moves with the neighbours' load.</summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[MinColumn]
[HideColumns("Error", "StdDev", "Median", "RatioSD", "EnvironmentVariables")]
public class TranscendentalBench
{
    private float[] x = null!, y = null!;

    /// <summary>Values per call.</summary>
    [Params(16, 256, 4096)]
    public int Length { get; set; } = 256;

    /// <summary>Arguments uniform in [-10, 10]: both sides of every function's break points (tanh's 0.55,
    /// its saturation at 9.1) and far enough into exp's range that its results span 2^-29..2^29.</summary>
    [GlobalSetup]
    public void Setup()
    {
        x = Operands.Symmetric(new SeededRandom(23), Length, 10f);
        y = new float[Length];
        Console.WriteLine($"// TranscendentalBench {Length}: vector tier {VectorTiers.Active}");
    }

    /// <summary>TensorPrimitives.Exp.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("exp")]
    public float TensorPrimitivesExp()
    {
        TensorPrimitives.Exp(x, y);
        return y[0];
    }

    /// <summary>Transcendental.Exp through the element-wise driver.</summary>
    [Benchmark, BenchmarkCategory("exp")]
    public float Exp()
    {
        ElementwiseDriver.Map(default(ExpOperator), x, y);
        return y[0];
    }

    /// <summary>TensorPrimitives.Tanh.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("tanh")]
    public float TensorPrimitivesTanh()
    {
        TensorPrimitives.Tanh(x, y);
        return y[0];
    }

    /// <summary>Activation.Tanh.</summary>
    [Benchmark, BenchmarkCategory("tanh")]
    public float Tanh()
    {
        Activation.Tanh(x, y);
        return y[0];
    }

    /// <summary>TensorPrimitives.Sigmoid.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("logistic")]
    public float TensorPrimitivesSigmoid()
    {
        TensorPrimitives.Sigmoid(x, y);
        return y[0];
    }

    /// <summary>Activation.Logistic.</summary>
    [Benchmark, BenchmarkCategory("logistic")]
    public float Logistic()
    {
        Activation.Logistic(x, y);
        return y[0];
    }

    private readonly struct ExpOperator : IUnaryOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVector Invoke<TSimd, TVector>(TVector value) where TSimd : ISimd<TVector> where TVector : struct
            => Transcendental.Exp<TSimd, TVector>(value);
    }
}
