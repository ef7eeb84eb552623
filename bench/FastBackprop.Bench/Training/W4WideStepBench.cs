using BenchmarkDotNet.Attributes;
using FastBackprop.Bench.Workloads;

namespace FastBackprop.Bench.Training;

/// <summary>W4 wide (DESIGN.md): 1024-1024-1024-1024, ReLU hidden, identity output, half squared
/// error, mini-batch 256 SGD (eta 0.001) through <see cref="Network.TrainBatch"/>, on 1 and all
/// threads. One invocation is one step of 256 samples; Mean and Allocated are per SAMPLE
/// (OperationsPerInvoke = 256), a step is 256 x Mean. GFLOP/s counts 6 x weights per sample
/// (3 x 2 x 3.1 M); "% of peak" divides by the FMA peak probe of the same run.
/// <para>Baseline: ReferenceBackprop.TrainStep on one pattern per invocation (double, textbook
/// loops, about 75 MB allocated per pattern). It is feasible but slow (tens of ms per pattern), and
/// it repeats under each Threads value so every group has its baseline.</para></summary>
[MemoryDiagnoser(displayGenColumns: false)]
[HideColumns("Error", "StdDev", "Median", "RatioSD", "EnvironmentVariables")]
public class W4WideStepBench : BatchStepBench
{
    /// <summary>Patterns per step.</summary>
    public const int Batch = 256;

    /// <summary>6 x weights: flops per training sample.</summary>
    public static double FlopsPerSample { get; } = 6.0 * BatchWorkload.WeightCount(BatchWorkload.W4Definition);

    /// <summary>Flops really executed per sample (the first layer computes no dX).</summary>
    public static double ExecutedFlopsPerSample { get; } = BatchWorkload.ExecutedFlopsPerSample(BatchWorkload.W4Definition);

    /// <inheritdoc/>
    protected override int StepSize => Batch;

    /// <inheritdoc/>
    protected override int ReferencePatternCount => 4;

    /// <inheritdoc/>
    protected override BatchWorkload CreateWorkload() => BatchWorkload.W4(Batch);

    /// <summary>ReferenceBackprop.TrainStep on one pattern.</summary>
    [Benchmark(Baseline = true)]
    public double Reference() => ReferenceSteps(1);

    /// <summary>One Network.TrainBatch of 256 samples.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public float Engine() => EngineSteps(1);
}
