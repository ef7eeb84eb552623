using FastBackprop.Bench.Workloads;
using FastBackprop.Reference;

namespace FastBackprop.Bench.Training;

/// <summary>The <c>Baseline = true</c> of every training bench: ReferenceBackprop.TrainStep (double
/// precision, textbook loops, allocating) per pattern, from the engine's initial weights, cycling through
/// the first <c>cycle</c> patterns and carrying on where the last invocation stopped.</summary>
internal sealed class ReferenceBaseline(WorkloadData data, ReadOnlySpan<float> initialParameters, int cycle)
{
    private readonly double[] parameters = BaselineChecks.ToDouble(initialParameters);
    private int next;

    /// <summary>Trains on <paramref name="patterns"/> patterns; returns the sum of their errors.</summary>
    public double Steps(int patterns)
    {
        double sum = 0;
        for (int n = 0; n < patterns; n++)
        {
            int i = next;
            next = (i + 1) % cycle;
            sum += ReferenceBackprop.TrainStep(data.Workload.Definition, parameters, data.InputDouble(i), data.TargetDouble(i), data.Workload.LearningRate);
        }
        return sum;
    }
}
