using BenchmarkDotNet.Attributes;
using FastBackprop.Bench.Baselines;
using FastBackprop.Diagnostics;

namespace FastBackprop.Bench.Training;

/// <summary>W3a mnist-online (<see cref="Workload.W3a"/>): 784-256-128-10 logistic, half squared error,
/// per-sample SGD (eta 0.1) over 512 synthetic samples, cycled. Times are per sample (OperationsPerInvoke).
/// The reference allocates about 2 MB per step and takes milliseconds, so it presents only 16 samples per
/// invocation (its own OperationsPerInvoke), cycling through the same 512.</summary>
public class W3aOnlineStepBench : OnlineStepBench
{
    /// <summary>Samples per invocation for the float implementations (<see cref="Workload.PatternCount"/> of W3a; checked in setup).</summary>
    public const int Samples = 512;

    /// <summary>Samples per invocation for the double-precision reference.</summary>
    public const int ReferenceSamples = 16;

    private RowwiseTensorPrimitivesMlp rowwise = null!;

    private protected override Workload Workload => Workload.W3a;

    private protected override int PatternsPerInvoke => Samples;

    private protected override int CheckSteps => 8;

    /// <summary>ReferenceBackprop.TrainStep: double precision, textbook loops, allocating.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = ReferenceSamples)]
    public double Reference() => ReferenceSteps(ReferenceSamples);

    /// <summary>Network.TrainStep with a preallocated workspace.</summary>
    [Benchmark(OperationsPerInvoke = Samples)]
    public float Engine() => EngineSteps(Samples);

    /// <summary>Network.TrainOnline over the same samples: the same online steps (bit-identical weights),
    /// with the first layer's update and the next sample's net sums sharing one pass over its weights.</summary>
    [Benchmark(OperationsPerInvoke = Samples)]
    public float EngineSequence() => EngineTrainOnline();

    /// <summary>One weight row at a time with TensorPrimitives (<see cref="RowwiseTensorPrimitivesMlp"/>).</summary>
    [Benchmark(OperationsPerInvoke = Samples)]
    public float RowwiseTensorPrimitives()
    {
        // The loop of EngineSteps over another implementation, written out: sharing it would put a
        // delegate or interface call inside the timed loop, once per sample.
        float sum = 0;
        for (int i = 0; i < Samples; i++)
        {
            sum += rowwise.TrainStep(Data.Input(i), Data.Target(i), LearningRate);
        }
        return sum;
    }

    private protected override void StartBaseline(ReadOnlySpan<float> initialParameters)
    {
        rowwise = new RowwiseTensorPrimitivesMlp(Data.Widths);
        initialParameters.CopyTo(rowwise.Parameters);
    }
}
