namespace FastBackprop.Data;

/// <summary>A contiguous range of a <see cref="Dataset"/>'s rows, as returned by
/// <see cref="Dataset.GetBatch"/>: views into the dataset's blocks, no copies.</summary>
public readonly ref struct DatasetBatch
{
    internal DatasetBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> labels, int count, int inputWidth, int targetWidth)
    {
        Inputs = inputs;
        Targets = targets;
        Labels = labels;
        Count = count;
        InputWidth = inputWidth;
        TargetWidth = targetWidth;
    }

    /// <summary>The batch's inputs, <see cref="Count"/> x <see cref="InputWidth"/>, row-major.</summary>
    public ReadOnlySpan<float> Inputs { get; }

    /// <summary>The batch's targets, <see cref="Count"/> x <see cref="TargetWidth"/>, row-major.</summary>
    public ReadOnlySpan<float> Targets { get; }

    /// <summary>The batch's labels (<see cref="Count"/> of them), or empty when the dataset has none.</summary>
    public ReadOnlySpan<int> Labels { get; }

    /// <summary>The batch's sample weights (<see cref="Count"/> of them), or empty when the dataset has none
    /// (<see cref="Dataset.Weights"/>).</summary>
    public ReadOnlySpan<float> Weights { get; init; }

    /// <summary>Number of samples in the batch.</summary>
    public int Count { get; }

    /// <summary>Values per input row.</summary>
    public int InputWidth { get; }

    /// <summary>Values per target row.</summary>
    public int TargetWidth { get; }
}
