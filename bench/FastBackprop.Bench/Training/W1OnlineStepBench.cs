using BenchmarkDotNet.Attributes;
using FastBackprop.Bench.Baselines;
using FastBackprop.Diagnostics;

namespace FastBackprop.Bench.Training;

/// <summary>W1 seed-online (<see cref="Workload.W1"/>): 2-4-3-2 logistic, half squared error, per-pattern
/// SGD with eta 0.5 over 1024 fixed patterns. Each invocation presents all 1024 patterns once; the times
/// shown are per pattern presentation (OperationsPerInvoke).</summary>
public class W1OnlineStepBench : OnlineStepBench
{
    /// <summary>Patterns per invocation (<see cref="Workload.PatternCount"/> of W1; checked in setup).</summary>
    public const int Patterns = 1024;

    private ScalarFloatMlp scalar = null!;

    private protected override Workload Workload => Workload.W1;

    private protected override int PatternsPerInvoke => Patterns;

    private protected override int CheckSteps => 2 * Patterns;

    /// <summary>ReferenceBackprop.TrainStep: double precision, textbook loops, allocating.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Patterns)]
    public double Reference() => ReferenceSteps(Patterns);

    /// <summary>Network.TrainStep with a preallocated workspace.</summary>
    [Benchmark(OperationsPerInvoke = Patterns)]
    public float Engine() => EngineSteps(Patterns);

    /// <summary>Plain scalar float loops (<see cref="ScalarFloatMlp"/>).</summary>
    [Benchmark(OperationsPerInvoke = Patterns)]
    public float ScalarFloat()
    {
        // The loop of EngineSteps over another implementation, written out: sharing it would put a
        // delegate or interface call inside the timed loop, once per pattern.
        float sum = 0;
        for (int i = 0; i < Patterns; i++)
        {
            sum += scalar.TrainStep(Data.Input(i), Data.Target(i), LearningRate);
        }
        return sum;
    }

    private protected override void StartBaseline(ReadOnlySpan<float> initialParameters)
    {
        scalar = new ScalarFloatMlp(Data.Widths);
        initialParameters.CopyTo(scalar.Parameters);
    }
}
