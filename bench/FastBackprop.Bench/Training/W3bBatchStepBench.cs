using BenchmarkDotNet.Attributes;
using FastBackprop.Bench.Workloads;

namespace FastBackprop.Bench.Training;

/// <summary>W3b mnist-batch (DESIGN.md): 784-256-128-10, ReLU hidden, softmax + cross-entropy,
/// mini-batch SGD with eta 0.01 through <see cref="Network.TrainBatch"/>, batch 64 and 256, on 1 and
/// all threads. Every invocation trains <see cref="SamplesPerInvoke"/> samples (4 steps of 64 or 1 of
/// 256), so Mean and Allocated are per SAMPLE (OperationsPerInvoke; an attribute cannot depend on
/// the batch parameter); a step is Batch x Mean. GFLOP/s counts 6 x weights per sample (forward,
/// backward and gradient products; biases and element-wise work not counted); "% of peak" divides
/// by the FMA peak probe of the same run.
/// <para>Baseline: ReferenceBackprop.TrainStep, per-pattern SGD in double (the textbook loops; the
/// same 6 x weights flops per sample, but a different update rule from the mean-gradient batch step,
/// checked equal for a batch of one in setup). It takes milliseconds and allocates per pattern, so it
/// presents only <see cref="ReferencePatterns"/> patterns per invocation. It has no threads: its rows
/// repeat under each Threads value so every group has its baseline.</para></summary>
[MemoryDiagnoser(displayGenColumns: false)]
[HideColumns("Error", "StdDev", "Median", "RatioSD", "EnvironmentVariables")]
public class W3bBatchStepBench : BatchStepBench
{
    /// <summary>Samples per invocation of <see cref="Engine"/>.</summary>
    public const int SamplesPerInvoke = 256;

    /// <summary>Patterns per invocation of <see cref="Reference"/>.</summary>
    public const int ReferencePatterns = 2;

    /// <summary>6 x weights: flops per training sample.</summary>
    public static double FlopsPerSample { get; } = 6.0 * BatchWorkload.WeightCount(BatchWorkload.W3bDefinition);

    /// <summary>Flops really executed per sample (the first layer computes no dX).</summary>
    public static double ExecutedFlopsPerSample { get; } = BatchWorkload.ExecutedFlopsPerSample(BatchWorkload.W3bDefinition);

    /// <summary>Patterns per step.</summary>
    [Params(64, 256)]
    public int Batch { get; set; } = 64;

    /// <inheritdoc/>
    protected override int StepSize => Batch;

    /// <inheritdoc/>
    protected override int ReferencePatternCount => 8;

    /// <inheritdoc/>
    protected override BatchWorkload CreateWorkload() => BatchWorkload.W3b(Batch);

    /// <summary>ReferenceBackprop.TrainStep on <see cref="ReferencePatterns"/> patterns.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = ReferencePatterns)]
    public double Reference() => ReferenceSteps(ReferencePatterns);

    /// <summary><see cref="SamplesPerInvoke"/> / Batch calls of Network.TrainBatch.</summary>
    [Benchmark(OperationsPerInvoke = SamplesPerInvoke)]
    public float Engine() => EngineSteps(SamplesPerInvoke / Batch);
}
