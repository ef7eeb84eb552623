using System.Globalization;
using BenchmarkDotNet.Attributes;
using FastBackprop.Bench.Workloads;

namespace FastBackprop.Bench.Training;

/// <summary>The mini-batch training benches (W3b, W4): Network.TrainBatch on successive batches with a
/// threaded workspace, on 1 and all threads, checked in setup against the reference for a batch of one.
/// Each derived class names its batch and the OperationsPerInvoke of its benchmarks (an attribute
/// argument must be a constant there).</summary>
public abstract class BatchStepBench : TrainingStepBench
{
    private BatchWorkspace workspace = null!;
    private int next;

    /// <summary>Degree of parallelism of the batch workspace.</summary>
    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; } = 1;

    /// <summary>1 and all logical processors (once, if there is only one).</summary>
    public static IEnumerable<int> ThreadCounts => Environment.ProcessorCount > 1 ? [1, Environment.ProcessorCount] : [1];

    /// <summary>Patterns per training step.</summary>
    private protected abstract int StepSize { get; }

    private protected override string SetupNote => string.Create(CultureInfo.InvariantCulture, $", Threads = {Threads}, ProcessorCount = {Environment.ProcessorCount}");

    private protected override WorkloadData CreateData() => new(Workload, StepSize);

    private protected override string CheckBaselines() => BaselineChecks.BatchOfOne(Data, 1e-5);

    private protected override void Start()
    {
        workspace = Network.CreateBatchWorkspace(StepSize, Threads);
        next = 0;
    }

    /// <summary>Stops the workspace's worker threads; reports the last loss (finite = no divergence).</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        float loss = Network.ComputeLossBatch(Data.BatchInputs(0), Data.BatchTargets(0), workspace);   // the batch mean
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// {Workload.Id}: loss of batch 0 after the run {loss:G4} per sample"));
        workspace.Dispose();
    }

    /// <summary><paramref name="steps"/> calls of Network.TrainBatch on successive batches.</summary>
    private protected float EngineSteps(int steps)
    {
        float sum = 0;
        for (int s = 0; s < steps; s++)
        {
            int b = next++;
            sum += Network.TrainBatch(Data.BatchInputs(b), Data.BatchTargets(b), LearningRate, workspace);
        }
        return sum;
    }
}
