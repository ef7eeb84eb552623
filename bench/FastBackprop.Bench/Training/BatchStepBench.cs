using BenchmarkDotNet.Attributes;
using FastBackprop.Bench.Workloads;
using FastBackprop.Kernels;
using FastBackprop.Reference;

namespace FastBackprop.Bench.Training;

/// <summary>What the mini-batch training benches (W3b, W4) share: the workload, the network and its
/// threaded workspace, the reference patterns, setup (with the engine-versus-reference check) and
/// cleanup, and the two measured loops. Each derived class names its workload, batch and the
/// OperationsPerInvoke of its benchmarks (an attribute argument must be a constant there).</summary>
public abstract class BatchStepBench
{
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

    /// <summary>Patterns per training step.</summary>
    protected abstract int StepSize { get; }

    /// <summary>How many distinct patterns the reference cycles through.</summary>
    protected abstract int ReferencePatternCount { get; }

    /// <summary>The workload for <see cref="StepSize"/>.</summary>
    protected abstract BatchWorkload CreateWorkload();

    /// <summary>Builds the data, checks the reference baseline against the engine, and creates the
    /// network and workspace (whose pool threads start here, not in the measurement).</summary>
    [GlobalSetup]
    public void Setup()
    {
        workload = CreateWorkload();
        Console.WriteLine($"// {workload.VerifyAgainstReference(1e-5)}");
        Console.WriteLine($"// VectorTiers.Active = {VectorTiers.Active}, Threads = {Threads}, ProcessorCount = {Environment.ProcessorCount}");
        network = workload.CreateNetwork();
        workspace = network.CreateBatchWorkspace(StepSize, Threads);
        referenceParameters = Array.ConvertAll(network.Parameters.ToArray(), x => (double)x);
        int inputWidth = workload.Definition.InputWidth, outputWidth = workload.Definition.OutputWidth;
        referenceInputs = new double[ReferencePatternCount][];
        referenceTargets = new double[ReferencePatternCount][];
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
        Console.WriteLine($"// {workload.Name}: loss of batch 0 after the run {loss / StepSize:G4} per sample");
        workspace.Dispose();
    }

    /// <summary>ReferenceBackprop.TrainStep on <paramref name="patterns"/> patterns, cycling.</summary>
    protected double ReferenceSteps(int patterns)
    {
        double sum = 0;
        for (int n = 0; n < patterns; n++)
        {
            int i = referenceNext;
            referenceNext = (i + 1) % referenceInputs.Length;
            sum += ReferenceBackprop.TrainStep(workload.Definition, referenceParameters, referenceInputs[i], referenceTargets[i], workload.LearningRate);
        }
        return sum;
    }

    /// <summary><paramref name="steps"/> calls of Network.TrainBatch on successive batches.</summary>
    protected float EngineSteps(int steps)
    {
        float sum = 0;
        for (int s = 0; s < steps; s++)
        {
            int b = next++;
            sum += network.TrainBatch(workload.BatchInputs(b), workload.BatchTargets(b), workload.LearningRate, workspace);
        }
        return sum;
    }
}
