using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using FastBackprop.Kernels;

namespace FastBackprop.Bench.Kernels;

/// <summary>Activation f (Activation.Logistic, Activation.Rectifier) and f' (ActivationDerivative.Logistic,
/// ActivationDerivative.Rectifier: delta ⊙ f') over one online layer (256 units) and one batch block
/// (256 x 256 = 65,536 values), each against a naive scalar loop (its category's baseline).</summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[HideColumns("Error", "StdDev", "Median", "RatioSD", "EnvironmentVariables")]
public class ActivationBench
{
    private float[] net = null!, output = null!, delta = null!, deltaSource = null!;

    /// <summary>Values per call.</summary>
    [Params(256, 65_536)]
    public int Length { get; set; } = 256;

    /// <summary>Net sums in [-4, 4], outputs, and deltas.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new SeededRandom(19);
        net = Operands.Symmetric(random, Length, 4f);
        deltaSource = Operands.Symmetric(random, Length, 1f);
        output = new float[Length];
        delta = new float[Length];
        Activation.Logistic(net, output);
        Console.WriteLine($"// ActivationBench {Length}: vector tier {VectorTiers.Active}");
    }

    /// <summary>y = 1 / (1 + e^-x), one MathF.Exp per element.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("Logistic f")]
    public float NaiveLogistic()
    {
        float[] x = net, y = output;
        for (int i = 0; i < x.Length; i++) y[i] = 1f / (1f + MathF.Exp(-x[i]));
        return y[0];
    }

    /// <summary>Activation.Logistic.</summary>
    [Benchmark, BenchmarkCategory("Logistic f")]
    public float Logistic()
    {
        Activation.Logistic(net, output);
        return output[0];
    }

    /// <summary>y = max(x, 0).</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("ReLU f")]
    public float NaiveRectifier()
    {
        float[] x = net, y = output;
        for (int i = 0; i < x.Length; i++) y[i] = x[i] > 0f ? x[i] : 0f;
        return y[0];
    }

    /// <summary>Activation.Rectifier with slope 0.</summary>
    [Benchmark, BenchmarkCategory("ReLU f")]
    public float Rectifier()
    {
        Activation.Rectifier(net, 0f, output);
        return output[0];
    }

    /// <summary>delta *= y (1 - y). Each call restores delta first (both methods of the category do),
    /// so the values stay the same from call to call.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("Logistic f'")]
    public float NaiveLogisticDerivative()
    {
        deltaSource.CopyTo(delta, 0);
        float[] y = output, d = delta;
        for (int i = 0; i < d.Length; i++) d[i] *= y[i] * (1f - y[i]);
        return d[0];
    }

    /// <summary>ActivationDerivative.Logistic (after the same copy).</summary>
    [Benchmark, BenchmarkCategory("Logistic f'")]
    public float LogisticDerivative()
    {
        deltaSource.CopyTo(delta, 0);
        ActivationDerivative.Logistic(output, delta);
        return delta[0];
    }

    /// <summary>delta = x &gt; 0 ? delta : 0 (after the same copy).</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("ReLU f'")]
    public float NaiveRectifierDerivative()
    {
        deltaSource.CopyTo(delta, 0);
        float[] x = net, d = delta;
        for (int i = 0; i < d.Length; i++) d[i] = x[i] > 0f ? d[i] : 0f;
        return d[0];
    }

    /// <summary>ActivationDerivative.Rectifier with slope 0 (after the same copy).</summary>
    [Benchmark, BenchmarkCategory("ReLU f'")]
    public float RectifierDerivative()
    {
        deltaSource.CopyTo(delta, 0);
        ActivationDerivative.Rectifier(net, 0f, delta);
        return delta[0];
    }
}
