using BenchmarkDotNet.Attributes;
using FastBackprop.Diagnostics;

namespace FastBackprop.Bench.Training;

/// <summary>W4 wide (<see cref="Workload.W4"/>): 1024-1024-1024-1024, ReLU hidden, identity output, half
/// squared error, mini-batch 256 SGD (eta 1e-3) through <see cref="Network.TrainBatch"/>, on 1 and all
/// threads. One invocation is one step of 256 samples; Mean and Allocated are per SAMPLE
/// (OperationsPerInvoke = 256), a step is 256 x Mean. GFLOP/s counts <see cref="Workload.FlopsPerPattern"/>
/// per sample (6 x 3.1 M); "% of peak" divides by the FMA peak probe of the same run.
/// <para>Baseline: ReferenceBackprop.TrainStep on one pattern per invocation (double, textbook
/// loops, about 75 MB allocated per pattern). It is feasible but slow (tens of ms per pattern), and
/// it repeats under each Threads value so every group has its baseline.</para></summary>
public class W4WideStepBench : BatchStepBench
{
    /// <summary>Patterns per step: the workload's batch, a constant here for OperationsPerInvoke (checked
    /// against <see cref="Workload.BatchSize"/> in setup).</summary>
    public const int Batch = 256;

    private protected override Workload Workload => Workload.W4;

    private protected override int StepSize => Batch == Workload.BatchSize
        ? Batch
        : throw new InvalidOperationException($"W4WideStepBench.Batch is {Batch}, but W4's batch is {Workload.BatchSize}.");

    private protected override int ReferenceCycle => 4;

    /// <summary>ReferenceBackprop.TrainStep on one pattern.</summary>
    [Benchmark(Baseline = true)]
    public double Reference() => ReferenceSteps(1);

    /// <summary>One Network.TrainBatch of 256 samples.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public float Engine() => EngineSteps(1);
}
