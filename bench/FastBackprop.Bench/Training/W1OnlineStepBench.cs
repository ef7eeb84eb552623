using BenchmarkDotNet.Attributes;
using FastBackprop.Bench.Baselines;
using FastBackprop.Bench.Workloads;
using FastBackprop.Kernels;
using FastBackprop.Reference;

namespace FastBackprop.Bench.Training;

/// <summary>W1 seed-online (DESIGN.md): 2-4-3-2 logistic, half squared error, per-pattern SGD with
/// eta 0.5 over 1024 fixed patterns. Each invocation presents all 1024 patterns once; the times
/// shown are per pattern presentation (OperationsPerInvoke). Training continues across invocations,
/// as in an epoch loop.</summary>
[MemoryDiagnoser(displayGenColumns: false)]
[HideColumns("Error", "StdDev", "Median", "RatioSD", "EnvironmentVariables")]
public class W1OnlineStepBench
{
    /// <summary>Patterns per invocation.</summary>
    public const int Patterns = 1024;

    private OnlineWorkload workload = null!;
    private Network network = null!;
    private Workspace workspace = null!;
    private double[] referenceParameters = null!;
    private ScalarFloatMlp scalar = null!;

    /// <summary>Builds the patterns, checks every implementation against the engine, then starts all
    /// of them from the same seeded weights.</summary>
    [GlobalSetup]
    public void Setup()
    {
        workload = OnlineWorkload.SeedOnline(Patterns);
        Console.WriteLine($"// {workload.Verify(steps: 2 * Patterns, tolerance: 1e-4)}");
        Console.WriteLine($"// VectorTiers.Active = {VectorTiers.Active}");
        network = workload.CreateNetwork();
        workspace = network.CreateWorkspace();
        referenceParameters = Array.ConvertAll(network.Parameters.ToArray(), x => (double)x);
        scalar = new ScalarFloatMlp(workload.Widths);
        network.Parameters.CopyTo(scalar.Parameters);
    }

    /// <summary>ReferenceBackprop.TrainStep: double precision, textbook loops, allocating.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Patterns)]
    public double Reference()
    {
        double sum = 0;
        for (int i = 0; i < Patterns; i++)
        {
            sum += ReferenceBackprop.TrainStep(workload.Definition, referenceParameters, workload.InputDouble(i), workload.TargetDouble(i), workload.LearningRate);
        }
        return sum;
    }

    /// <summary>Network.TrainStep with a preallocated workspace.</summary>
    [Benchmark(OperationsPerInvoke = Patterns)]
    public float Engine()
    {
        float sum = 0;
        for (int i = 0; i < Patterns; i++)
        {
            sum += network.TrainStep(workload.Input(i), workload.Target(i), workload.LearningRate, workspace);
        }
        return sum;
    }

    /// <summary>Plain scalar float loops (<see cref="ScalarFloatMlp"/>).</summary>
    [Benchmark(OperationsPerInvoke = Patterns)]
    public float ScalarFloat()
    {
        float sum = 0;
        for (int i = 0; i < Patterns; i++)
        {
            sum += scalar.TrainStep(workload.Input(i), workload.Target(i), workload.LearningRate);
        }
        return sum;
    }
}
