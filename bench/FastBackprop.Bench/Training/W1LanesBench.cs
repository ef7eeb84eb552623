using BenchmarkDotNet.Attributes;
using FastBackprop.Bench.Workloads;
using FastBackprop.Data;
using FastBackprop.Diagnostics;
using FastBackprop.Kernels;
using FastBackprop.Training;

namespace FastBackprop.Bench.Training;

/// <summary>16 x W1 in lanes vs 1 x W1 (TrainOnline): W1 (<see cref="Workload.W1"/>: 2-4-3-2 logistic, half squared
/// error, per-pattern SGD at eta 0.5 over 1024 patterns) trained as one network by Network.TrainOnline, against 16
/// networks of W1's shape with different initial weights (seeds 42 + i) stepped together by one VectorLaneStep at batch
/// size 1, each presented every pattern once per invocation (lane i starting 64 · i patterns further on). The times are
/// per pattern presentation (OperationsPerInvoke: 1024 for the one network, 16 x 1024 for the lanes), so the ratio
/// column is the aggregate speed-up in presentations per second. Training continues across invocations.</summary>
public class W1LanesBench
{
    private const int Patterns = 1024;
    private const int Lanes = LaneStep.Capacity;

    private Network single = null!;
    private Workspace workspace = null!;
    private WorkloadData data = null!;
    private VectorLaneStep lanes = null!;
    private int[] rows = null!;
    private readonly int[] counts = new int[Lanes];
    private readonly float[] rates = new float[Lanes];
    private readonly StepResult[] results = new StepResult[Lanes];

    [GlobalSetup]
    public void Setup()
    {
        Console.WriteLine($"// VectorTiers.Active = {VectorTiers.Active}");
        Workload w1 = Workload.W1;
        data = new WorkloadData(w1);
        if (data.Count != Patterns) throw new InvalidOperationException($"W1 has {data.Count} patterns; the bench presents {Patterns}.");
        single = w1.CreateNetwork();
        workspace = single.CreateWorkspace();
        var dataset = new Dataset(data.Inputs, w1.Definition.InputWidth, data.Targets, w1.Definition.OutputWidth);
        var sets = new Dataset[Lanes];
        Array.Fill(sets, dataset);
        if (!VectorLaneStep.Supports(w1.Definition, new TrainingOptions(), 1, dataset)) throw new InvalidOperationException("W1 is not a lane workload.");
        lanes = new VectorLaneStep(w1.Definition, sets, batchSize: 1, Lanes);
        for (int i = 0; i < Lanes; i++)
        {
            var network = new Network(w1.Definition);
            network.InitializeWeights(w1.WeightSeed + (ulong)i);
            lanes.Load(i, network.Parameters);
        }
        rows = new int[Patterns * Lanes];
        for (int t = 0; t < Patterns; t++)
        {
            for (int i = 0; i < Lanes; i++) rows[(t * Lanes) + i] = (t + (64 * i)) % Patterns;
        }
        Array.Fill(counts, 1);
        Array.Fill(rates, w1.LearningRate);
    }

    [GlobalCleanup]
    public void Cleanup() => lanes.Dispose();

    /// <summary>One W1 network: Network.TrainOnline over the 1024 patterns.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Patterns)]
    public float OneNetwork() => single.TrainOnline(data.Inputs, data.Targets, Workload.W1.LearningRate, workspace);

    /// <summary>16 W1 networks in the lanes of one VectorLaneStep: 1024 steps of 16 presentations.</summary>
    [Benchmark(OperationsPerInvoke = Patterns * Lanes)]
    public float SixteenInLanes()
    {
        float sum = 0;
        for (int t = 0; t < Patterns; t++)
        {
            lanes.Run(rows.AsSpan(t * Lanes, Lanes), counts, rates, results);
            sum += results[0].LossSum;
        }
        return sum;
    }
}
