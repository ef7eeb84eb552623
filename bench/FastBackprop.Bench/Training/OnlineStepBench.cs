using System.Globalization;
using FastBackprop.Bench.Workloads;

namespace FastBackprop.Bench.Training;

/// <summary>The online training benches (W1, W3a): one Network.TrainStep per pattern with a preallocated
/// workspace, checked in setup against the reference and both float baselines. Each derived class names
/// the patterns per invocation (a constant there, for OperationsPerInvoke) and its float baseline.
/// Training continues across invocations, as in an epoch loop.</summary>
public abstract class OnlineStepBench : TrainingStepBench
{
    private Workspace workspace = null!;

    /// <summary>The patterns each invocation of the engine presents: the derived class's OperationsPerInvoke.</summary>
    private protected abstract int PatternsPerInvoke { get; }

    /// <summary>Steps of the setup check against the reference and the float baselines.</summary>
    private protected abstract int CheckSteps { get; }

    private protected override int ReferenceCycle => Data.Count;

    private protected override WorkloadData CreateData()
    {
        var data = new WorkloadData(Workload);
        return data.Count == PatternsPerInvoke ? data : throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
            $"{Workload.Id} has {data.Count} patterns but the bench presents {PatternsPerInvoke} per invocation."));
    }

    private protected override string CheckBaselines() => BaselineChecks.Online(Data, CheckSteps, tolerance: 1e-4);

    private protected override void Start()
    {
        workspace = Network.CreateWorkspace();
        StartBaseline(Network.Parameters);
    }

    /// <summary>Creates the float baseline with the engine's initial weights.</summary>
    private protected abstract void StartBaseline(ReadOnlySpan<float> initialParameters);

    /// <summary>Network.TrainStep on the first <paramref name="patterns"/> patterns, with the preallocated workspace.</summary>
    private protected float EngineSteps(int patterns)
    {
        float sum = 0;
        for (int i = 0; i < patterns; i++)
        {
            sum += Network.TrainStep(Data.Input(i), Data.Target(i), LearningRate, workspace);
        }
        return sum;
    }

    /// <summary>Network.TrainOnline over every pattern: the same online steps (bit-identical weights).</summary>
    private protected float EngineTrainOnline() => Network.TrainOnline(Data.Inputs, Data.Targets, LearningRate, workspace);
}
