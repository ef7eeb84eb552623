using FastBackprop.Data;
using FastBackprop.Training;

namespace FastBackprop.Tests.Training;

/// <summary>A test engine whose lanes are real networks, each stepped by its own <see cref="BatchStep"/> (made from its
/// run's options and dropout generator, and sharing its run's optimizer) on the gathered rows: the alone path, so any
/// options work, and lock-step training's driver is tested apart from any vector engine.</summary>
internal sealed class LockstepSeparateLaneStep : LaneStep
{
    private readonly Network[] networks;
    private readonly BatchStep[] steps;
    private readonly DatasetRows[] data;
    private readonly float[][] inputs;
    private readonly float[][] targets;
    private readonly int[][] labels;
    private readonly float[][] weights;
    private readonly int outputLayer;

    public LockstepSeparateLaneStep(IReadOnlyList<LaneBinding> lanes, int batchSize)
    {
        int count = lanes.Count;
        BatchSize = batchSize;
        networks = new Network[count];
        steps = new BatchStep[count];
        data = new DatasetRows[count];
        inputs = new float[count][];
        targets = new float[count][];
        labels = new int[count][];
        weights = new float[count][];
        outputLayer = lanes[0].Network.Definition.LayerCount - 1;
        StepsMade = new int[count];
        LoadsMade = new int[count];
        for (int i = 0; i < count; i++)
        {
            LaneBinding lane = lanes[i];
            Dataset set = lane.Data;
            networks[i] = new Network(lane.Network.Definition);
            steps[i] = BatchStep.Create(networks[i], lane.Options, batchSize, lane.LayerRandom);
            data[i] = new DatasetRows(set);
            inputs[i] = new float[batchSize * set.InputWidth];
            targets[i] = new float[batchSize * set.TargetWidth];
            labels[i] = new int[set.HasLabels ? batchSize : 0];
            weights[i] = new float[set.HasWeights ? batchSize : 0];
        }
    }

    /// <summary>Steps made per lane (batches with rows).</summary>
    public int[] StepsMade { get; }

    /// <summary>Loads per lane.</summary>
    public int[] LoadsMade { get; }

    public override int Lanes => networks.Length;

    public override int BatchSize { get; }

    public override void Load(int lane, ReadOnlySpan<float> parameters)
    {
        LoadsMade[lane]++;
        parameters.CopyTo(networks[lane].Parameters);
    }

    public override void Store(int lane, Span<float> parameters) => networks[lane].Parameters.CopyTo(parameters);

    public override void Run(ReadOnlySpan<int> rows, ReadOnlySpan<int> counts, ReadOnlySpan<float> rates, Span<StepResult> results)
    {
        for (int i = 0; i < networks.Length; i++)
        {
            int count = counts[i];
            if (count == 0) continue;
            StepsMade[i]++;
            Dataset set = data[i].Data;
            int xw = set.InputWidth, dw = set.TargetWidth;
            Span<int> batchLabels = labels[i].AsSpan(0, labels[i].Length == 0 ? 0 : count);
            Span<float> batchWeights = weights[i].AsSpan(0, weights[i].Length == 0 ? 0 : count);
            data[i].Gather(rows.Slice(i * BatchSize, count), 0, count, inputs[i].AsSpan(0, count * xw), targets[i].AsSpan(0, count * dw), batchLabels, batchWeights);
            var batch = new Batch(inputs[i].AsMemory(0, count * xw), targets[i].AsMemory(0, count * dw), batchLabels, count, batchWeights);
            results[i] = steps[i].Run(batch, rates[i]);
        }
    }

    public override ReadOnlySpan<float> Outputs(int lane, int count) => steps[lane].Outputs(outputLayer, count);

    public override void Dispose()
    {
        foreach (BatchStep step in steps) step.Dispose();
    }
}
