using BenchmarkDotNet.Attributes;
using FastBackprop.Bench.Workloads;
using FastBackprop.Kernels;
using FastBackprop.Reference;

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
public class W4WideStepBench
{
    /// <summary>Patterns per step.</summary>
    public const int Batch = 256;

    /// <summary>6 x weights: flops per training sample.</summary>
    public static double FlopsPerSample { get; } = 6.0 * BatchWorkload.WeightCount(BatchWorkload.W4Definition);

    /// <summary>Flops really executed per sample (the first layer computes no dX).</summary>
    public static double ExecutedFlopsPerSample { get; } = BatchWorkload.ExecutedFlopsPerSample(BatchWorkload.W4Definition);

    private BatchWorkload workload = null!;
    private Network network = null!;
    private BatchWorkspace workspace = null!;
    private double[] referenceParameters = null!;
    private double[][] referenceInputs = null!, referenceTargets = null!;
    private int next, referenceNext;

    /// <summary>Degree of parallelism of the batch workspace.</summary>
    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; } = 1;

    /// <summary>1 and Environment.ProcessorCount.</summary>
    public static IEnumerable<int> ThreadCounts => BatchWorkload.ThreadCounts;

    /// <summary>Builds the data, checks the reference baseline against the engine, and creates the
    /// network and workspace (whose pool threads start here, not in the measurement).</summary>
    [GlobalSetup]
    public void Setup()
    {
        workload = BatchWorkload.W4(Batch);
        Console.WriteLine($"// {workload.VerifyAgainstReference(1e-5)}");
        Console.WriteLine($"// VectorTiers.Active = {VectorTiers.Active}, Threads = {Threads}, ProcessorCount = {Environment.ProcessorCount}");
        network = workload.CreateNetwork();
        workspace = network.CreateBatchWorkspace(Batch, Threads);
        referenceParameters = Array.ConvertAll(network.Parameters.ToArray(), x => (double)x);
        int inputWidth = workload.Definition.InputWidth, outputWidth = workload.Definition.OutputWidth;
        referenceInputs = new double[4][];
        referenceTargets = new double[4][];
        for (int p = 0; p < referenceInputs.Length; p++)
        {
            referenceInputs[p] = Array.ConvertAll(workload.Inputs[(p * inputWidth)..((p + 1) * inputWidth)], x => (double)x);
            referenceTargets[p] = Array.ConvertAll(workload.Targets[(p * outputWidth)..((p + 1) * outputWidth)], x => (double)x);
        }
        next = referenceNext = 0;
    }

    /// <summary>Stops the workspace's worker threads; reports the last loss (finite = no divergence).</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        float loss = network.ComputeLossBatch(workload.BatchInputs(0), workload.BatchTargets(0), workspace);
        Console.WriteLine($"// {workload.Name}: loss of batch 0 after the run {loss / Batch:G4} per sample");
        workspace.Dispose();
    }

    /// <summary>ReferenceBackprop.TrainStep on one pattern.</summary>
    [Benchmark(Baseline = true)]
    public double Reference()
    {
        int i = referenceNext;
        referenceNext = (i + 1) % referenceInputs.Length;
        return ReferenceBackprop.TrainStep(workload.Definition, referenceParameters, referenceInputs[i], referenceTargets[i], workload.LearningRate);
    }

    /// <summary>One Network.TrainBatch of 256 samples.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public float Engine()
    {
        int b = next++;
        return network.TrainBatch(workload.BatchInputs(b), workload.BatchTargets(b), workload.LearningRate, workspace);
    }
}
