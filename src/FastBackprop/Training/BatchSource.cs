using FastBackprop.Kernels;

namespace FastBackprop.Training;

/// <summary>One batch, its rows gathered into contiguous blocks: <see cref="Count"/> rows of inputs, of targets
/// and (labelled data) of labels, and (weighted data) the rows' sample weights; <see cref="Labels"/> is empty without
/// labels, <see cref="Weights"/> without weights.</summary>
/// <remarks>Inputs and targets are also held as memory, for the objective an optimizer evaluates at trial points
/// (<see cref="BatchObjective"/>), which outlives the call that gathered them.</remarks>
internal readonly ref struct Batch(ReadOnlyMemory<float> inputs, ReadOnlyMemory<float> targets, ReadOnlySpan<int> labels, int count,
    ReadOnlySpan<float> weights = default)
{
    public ReadOnlySpan<float> Inputs => InputRows.Span;

    public ReadOnlySpan<float> Targets => TargetRows.Span;

    public ReadOnlyMemory<float> InputRows { get; } = inputs;

    public ReadOnlyMemory<float> TargetRows { get; } = targets;

    public ReadOnlySpan<int> Labels { get; } = labels;

    public int Count { get; } = count;

    /// <summary>The rows' sample weights, or empty when the data has none.</summary>
    public ReadOnlySpan<float> Weights { get; } = weights;

    /// <summary>Whether the rows are weighted and their weights sum to 0: such a batch makes no update (BatchStep.Run).</summary>
    public bool WeighsNothing => !Weights.IsEmpty && SampleWeighting.Sum(Weights) == 0;
}

/// <summary>The training data cut into batches in an epoch's order: the order is drawn once per epoch
/// (Fisher-Yates from the epoch's generator, or the data's own order), and each batch's rows are copied into
/// buffers allocated once, so that every step reads contiguous memory.</summary>
internal sealed class BatchSource
{
    private readonly DatasetRows data;
    private readonly int[] order;
    private readonly float[] inputs;
    private readonly float[] targets;
    private readonly int[] labels;
    private readonly float[] weights;

    public BatchSource(DatasetRows data, int batchSize)
    {
        this.data = data;
        BatchSize = Math.Min(batchSize, data.Count);
        BatchCount = (data.Count + BatchSize - 1) / BatchSize;
        order = new int[data.Count];
        inputs = new float[BatchSize * data.Data.InputWidth];
        targets = new float[BatchSize * data.Data.TargetWidth];
        labels = new int[data.Data.HasLabels ? BatchSize : 0];
        weights = new float[data.Data.HasWeights ? BatchSize : 0];
        for (int i = 0; i < order.Length; i++) order[i] = i;   // the data's order until SetOrder
    }

    /// <summary>Patterns per batch (the last one may hold fewer).</summary>
    public int BatchSize { get; }

    /// <summary>Patterns per epoch.</summary>
    public int Count => data.Count;

    /// <summary>The data's class count (0 without labels).</summary>
    public int ClassCount => data.Data.HasLabels ? data.Data.ClassCount : 0;

    /// <summary>Batches per epoch.</summary>
    public int BatchCount { get; }

    /// <summary>Sets the epoch's order: shuffled by <paramref name="random"/> (which advances), or the data's order.
    /// Until the first call the order is the data's.</summary>
    public void SetOrder(SeededRandom random, bool shuffle)
    {
        for (int i = 0; i < order.Length; i++) order[i] = i;
        if (!shuffle) return;
        for (int i = order.Length - 1; i > 0; i--)   // Fisher-Yates
        {
            int j = random.NextInt32(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }

    /// <summary>Writes the rows of batch <paramref name="index"/> of the epoch's order, as row numbers of the data set
    /// (<see cref="DatasetRows.Data"/>), to the start of <paramref name="rows"/>; returns their count.</summary>
    public int Rows(int index, Span<int> rows)
    {
        int start = index * BatchSize, count = Math.Min(BatchSize, data.Count - start);
        for (int p = 0; p < count; p++) rows[p] = data.RowAt(order[start + p]);
        return count;
    }

    /// <summary>Batch <paramref name="index"/> of the epoch's order.</summary>
    public Batch Gather(int index)
    {
        int start = index * BatchSize, count = Math.Min(BatchSize, data.Count - start);
        int inputWidth = data.Data.InputWidth, targetWidth = data.Data.TargetWidth;
        Span<int> batchLabels = labels.AsSpan(0, labels.Length == 0 ? 0 : count);
        Span<float> batchWeights = weights.AsSpan(0, weights.Length == 0 ? 0 : count);
        data.Gather(order, start, count, inputs.AsSpan(0, count * inputWidth), targets.AsSpan(0, count * targetWidth), batchLabels, batchWeights);
        return new Batch(inputs.AsMemory(0, count * inputWidth), targets.AsMemory(0, count * targetWidth), batchLabels, count, batchWeights);
    }

    /// <summary>What the epoch's sums (EpochMetrics) read of batch <paramref name="index"/>: its labels and weights, and its
    /// targets only when it has no labels; no inputs (lock-step training's engine reads those from the rows itself).</summary>
    public Batch GatherScored(int index)
    {
        int start = index * BatchSize, count = Math.Min(BatchSize, data.Count - start);
        int targetCount = labels.Length == 0 ? count * data.Data.TargetWidth : 0;
        Span<int> batchLabels = labels.AsSpan(0, labels.Length == 0 ? 0 : count);
        Span<float> batchWeights = weights.AsSpan(0, weights.Length == 0 ? 0 : count);
        data.Gather(order, start, count, default, targets.AsSpan(0, targetCount), batchLabels, batchWeights);
        return new Batch(ReadOnlyMemory<float>.Empty, targets.AsMemory(0, targetCount), batchLabels, count, batchWeights);
    }
}
