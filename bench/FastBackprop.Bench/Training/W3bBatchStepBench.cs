using BenchmarkDotNet.Attributes;
using FastBackprop.Bench.Workloads;
using FastBackprop.Kernels;
using FastBackprop.Reference;

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
public class W3bBatchStepBench
{
    /// <summary>Samples per invocation of <see cref="Engine"/>.</summary>
    public const int SamplesPerInvoke = 256;

    /// <summary>Patterns per invocation of <see cref="Reference"/>.</summary>
    public const int ReferencePatterns = 2;

    /// <summary>6 x weights: flops per training sample.</summary>
    public static double FlopsPerSample { get; } = 6.0 * BatchWorkload.WeightCount(BatchWorkload.W3bDefinition);

    /// <summary>Flops really executed per sample (the first layer computes no dX).</summary>
    public static double ExecutedFlopsPerSample { get; } = BatchWorkload.ExecutedFlopsPerSample(BatchWorkload.W3bDefinition);

    private BatchWorkload workload = null!;
    private Network network = null!;
    private BatchWorkspace workspace = null!;
    private double[] referenceParameters = null!;
    private double[][] referenceInputs = null!, referenceTargets = null!;
    private int next, referenceNext;

    /// <summary>Patterns per step.</summary>
    [Params(64, 256)]
    public int Batch { get; set; } = 64;

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
        workload = BatchWorkload.W3b(Batch);
        Console.WriteLine($"// {workload.VerifyAgainstReference(1e-5)}");
        Console.WriteLine($"// VectorTiers.Active = {VectorTiers.Active}, Threads = {Threads}, ProcessorCount = {Environment.ProcessorCount}");
        network = workload.CreateNetwork();
        workspace = network.CreateBatchWorkspace(Batch, Threads);
        referenceParameters = Array.ConvertAll(network.Parameters.ToArray(), x => (double)x);
        int inputWidth = workload.Definition.InputWidth, outputWidth = workload.Definition.OutputWidth;
        referenceInputs = new double[8][];
        referenceTargets = new double[8][];
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

    /// <summary>ReferenceBackprop.TrainStep on <see cref="ReferencePatterns"/> patterns.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = ReferencePatterns)]
    public double Reference()
    {
        double sum = 0;
        for (int n = 0; n < ReferencePatterns; n++)
        {
            int i = referenceNext;
            referenceNext = (i + 1) % referenceInputs.Length;
            sum += ReferenceBackprop.TrainStep(workload.Definition, referenceParameters, referenceInputs[i], referenceTargets[i], workload.LearningRate);
        }
        return sum;
    }

    /// <summary><see cref="SamplesPerInvoke"/> / Batch calls of Network.TrainBatch.</summary>
    [Benchmark(OperationsPerInvoke = SamplesPerInvoke)]
    public float Engine()
    {
        float sum = 0;
        for (int s = 0; s < SamplesPerInvoke / Batch; s++)
        {
            int b = next++;
            sum += network.TrainBatch(workload.BatchInputs(b), workload.BatchTargets(b), workload.LearningRate, workspace);
        }
        return sum;
    }
}
