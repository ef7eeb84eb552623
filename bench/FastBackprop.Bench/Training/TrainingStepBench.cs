using BenchmarkDotNet.Attributes;
using FastBackprop.Bench.Workloads;
using FastBackprop.Diagnostics;
using FastBackprop.Kernels;

namespace FastBackprop.Bench.Training;

/// <summary>What every training-step bench (W1, W3a, W3b, W4) shares: the columns, the workload's data, the
/// engine network with the workload's seeded weights, its learning rate, and the reference baseline, set up
/// in one order: data, the check that the baselines compute the engine's step, then the network. The
/// online and batch benches below add their workspace and measured loops. Measured code reads the network
/// and eta through non-virtual members, as fields of its own.</summary>
[MemoryDiagnoser(displayGenColumns: false)]
[HideColumns("Error", "StdDev", "Median", "RatioSD", "EnvironmentVariables")]
public abstract class TrainingStepBench
{
    private ReferenceBaseline reference = null!;

    /// <summary>The workload's patterns.</summary>
    private protected WorkloadData Data { get; private set; } = null!;

    /// <summary>The engine, trained on by the measured loops.</summary>
    private protected Network Network { get; private set; } = null!;

    /// <summary>The workload's eta.</summary>
    private protected float LearningRate { get; private set; }

    /// <summary>The workload.</summary>
    private protected abstract Workload Workload { get; }

    /// <summary>How many distinct patterns the reference cycles through.</summary>
    private protected abstract int ReferenceCycle { get; }

    /// <summary>The patterns, in the batches the bench steps through.</summary>
    private protected abstract WorkloadData CreateData();

    /// <summary>Throws unless the baselines compute the engine's step; returns a one-line summary.</summary>
    private protected abstract string CheckBaselines();

    /// <summary>Creates what the measured loops need besides the network (workspace, float baseline).</summary>
    private protected abstract void Start();

    /// <summary>Appended to the setup's tier line.</summary>
    private protected virtual string SetupNote => "";

    /// <summary>Builds the data, checks the baselines, then creates the network, the reference and the rest
    /// from the same seeded weights (worker threads start here, not in the measurement).</summary>
    [GlobalSetup]
    public void Setup()
    {
        Data = CreateData();
        Console.WriteLine($"// {CheckBaselines()}");
        Console.WriteLine($"// VectorTiers.Active = {VectorTiers.Active}{SetupNote}");
        LearningRate = Workload.LearningRate;
        Network = Workload.CreateNetwork();
        reference = new ReferenceBaseline(Data, Network.Parameters, ReferenceCycle);
        Start();
    }

    /// <summary>ReferenceBackprop.TrainStep on the next <paramref name="patterns"/> patterns.</summary>
    private protected double ReferenceSteps(int patterns) => reference.Steps(patterns);
}
