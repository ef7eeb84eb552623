using BenchmarkDotNet.Attributes;
using FastBackprop.Diagnostics;

namespace FastBackprop.Bench.Training;

/// <summary>W3b mnist-batch (<see cref="Workload.W3b"/>): 784-256-128-10, ReLU hidden, softmax +
/// cross-entropy, mini-batch SGD with eta 0.01 through <see cref="Network.TrainBatch"/>, batch 64 and 256,
/// on 1 and all threads. Every invocation trains <see cref="SamplesPerInvoke"/> samples (4 steps of 64 or
/// 1 of 256), so Mean and Allocated are per SAMPLE (OperationsPerInvoke; an attribute cannot depend on
/// the batch parameter); a step is Batch x Mean. GFLOP/s counts <see cref="Workload.FlopsPerPattern"/>
/// per sample; "% of peak" divides by the FMA peak probe of the same run.
/// <para>Baseline: ReferenceBackprop.TrainStep, per-pattern SGD in double (the textbook loops; the
/// same flops per sample, but a different update rule from the mean-gradient batch step, checked equal
/// for a batch of one in setup). It takes milliseconds and allocates per pattern, so it presents only
/// <see cref="ReferencePatterns"/> patterns per invocation. It has no threads: its rows repeat under
/// each Threads value so every group has its baseline.</para></summary>
public class W3bBatchStepBench : BatchStepBench
{
    /// <summary>Samples per invocation of <see cref="Engine"/>.</summary>
    public const int SamplesPerInvoke = 256;

    /// <summary>Patterns per invocation of <see cref="Reference"/>.</summary>
    public const int ReferencePatterns = 2;

    /// <summary>Patterns per step.</summary>
    [ParamsSource(nameof(Batches))]
    public int Batch { get; set; } = Workload.W3b.BatchSize;

    /// <summary>The workload's batch (64) and the design's second size, 256.</summary>
    public static IEnumerable<int> Batches => [Workload.W3b.BatchSize, 256];

    private protected override Workload Workload => Workload.W3b;

    private protected override int StepSize => Batch;

    private protected override int ReferenceCycle => 8;

    /// <summary>ReferenceBackprop.TrainStep on <see cref="ReferencePatterns"/> patterns.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = ReferencePatterns)]
    public double Reference() => ReferenceSteps(ReferencePatterns);

    /// <summary><see cref="SamplesPerInvoke"/> / Batch calls of Network.TrainBatch.</summary>
    [Benchmark(OperationsPerInvoke = SamplesPerInvoke)]
    public float Engine() => EngineSteps(SamplesPerInvoke / Batch);
}
