using BenchmarkDotNet.Attributes;
using FastBackprop.Bench.Baselines;
using FastBackprop.Bench.Workloads;
using FastBackprop.Kernels;
using FastBackprop.Reference;

namespace FastBackprop.Bench.Training;

/// <summary>W3a mnist-online (DESIGN.md): 784-256-128-10 logistic, half squared error, per-sample
/// SGD (eta 0.1) over synthetic samples. DESIGN.md's figure is over 60,000 samples; to keep setup
/// cheap, 512 samples are cycled, which leaves the per-sample work unchanged (the weights, 0.9 MB,
/// are the working set either way). Times are per sample (OperationsPerInvoke). The reference
/// allocates about 2 MB per step and takes milliseconds, so it presents only 16 samples per
/// invocation (its own OperationsPerInvoke), cycling through the same 512.</summary>
[MemoryDiagnoser(displayGenColumns: false)]
[HideColumns("Error", "StdDev", "Median", "RatioSD", "EnvironmentVariables")]
public class W3aOnlineStepBench
{
    /// <summary>Samples per invocation for the float implementations.</summary>
    public const int Samples = 512;

    /// <summary>Samples per invocation for the double-precision reference.</summary>
    public const int ReferenceSamples = 16;

    private OnlineWorkload workload = null!;
    private Network network = null!;
    private Workspace workspace = null!;
    private double[] referenceParameters = null!;
    private RowwiseTensorPrimitivesMlp rowwise = null!;
    private int referenceNext;

    /// <summary>Builds the samples, checks every implementation against the engine, then starts all
    /// of them from the same seeded weights.</summary>
    [GlobalSetup]
    public void Setup()
    {
        workload = OnlineWorkload.MnistOnline(Samples);
        Console.WriteLine($"// {workload.Verify(steps: 8, tolerance: 1e-4)}");
        Console.WriteLine($"// VectorTiers.Active = {VectorTiers.Active}");
        network = workload.CreateNetwork();
        workspace = network.CreateWorkspace();
        referenceParameters = Array.ConvertAll(network.Parameters.ToArray(), x => (double)x);
        rowwise = new RowwiseTensorPrimitivesMlp(workload.Widths);
        network.Parameters.CopyTo(rowwise.Parameters);
        referenceNext = 0;
    }

    /// <summary>ReferenceBackprop.TrainStep: double precision, textbook loops, allocating.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = ReferenceSamples)]
    public double Reference()
    {
        double sum = 0;
        for (int n = 0; n < ReferenceSamples; n++)
        {
            int i = referenceNext;
            referenceNext = (i + 1) % Samples;
            sum += ReferenceBackprop.TrainStep(workload.Definition, referenceParameters, workload.InputDouble(i), workload.TargetDouble(i), workload.LearningRate);
        }
        return sum;
    }

    /// <summary>Network.TrainStep with a preallocated workspace.</summary>
    [Benchmark(OperationsPerInvoke = Samples)]
    public float Engine()
    {
        float sum = 0;
        for (int i = 0; i < Samples; i++)
        {
            sum += network.TrainStep(workload.Input(i), workload.Target(i), workload.LearningRate, workspace);
        }
        return sum;
    }

    /// <summary>Network.TrainOnline over the same samples: the same online steps (bit-identical weights),
    /// with the first layer's update and the next sample's net sums sharing one pass over its weights.</summary>
    [Benchmark(OperationsPerInvoke = Samples)]
    public float EngineSequence() => network.TrainOnline(workload.Inputs, workload.Targets, workload.LearningRate, workspace);

    /// <summary>One weight row at a time with TensorPrimitives (<see cref="RowwiseTensorPrimitivesMlp"/>).</summary>
    [Benchmark(OperationsPerInvoke = Samples)]
    public float RowwiseTensorPrimitives()
    {
        float sum = 0;
        for (int i = 0; i < Samples; i++)
        {
            sum += rowwise.TrainStep(workload.Input(i), workload.Target(i), workload.LearningRate);
        }
        return sum;
    }
}
