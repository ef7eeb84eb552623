namespace FastBackprop;

/// <summary>The buffers of mini-batch training for up to <see cref="Capacity"/> patterns: per layer
/// the net sums Z, outputs Y and deltas dZ as row-major (patterns x units) blocks, sized once.
/// A batch step reuses them and allocates nothing. One workspace serves one caller at a time; with a
/// degree of parallelism above 1 it owns that many minus one worker threads, which its matrix
/// products share (dispose it to end them).</summary>
public sealed class BatchWorkspace : IDisposable
{
    private readonly float[] nets;
    private readonly float[] outputs;
    private readonly float[] deltas;
    private readonly int[] unitOffsets;

    /// <summary>Creates the buffers for batches of up to <paramref name="capacity"/> patterns of networks shaped by <paramref name="definition"/>.</summary>
    /// <param name="definition">The network shape.</param>
    /// <param name="capacity">The largest batch; at least 1.</param>
    /// <param name="degreeOfParallelism">Threads a step may use, the caller's included; at least 1. Products too
    /// small to gain from a second thread stay on one. Results do not depend on this number.</param>
    /// <exception cref="ArgumentNullException"><paramref name="definition"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> or <paramref name="degreeOfParallelism"/> is less
    /// than 1, or the buffers would exceed 2^31 - 1 floats.</exception>
    public BatchWorkspace(NetworkDefinition definition, int capacity, int degreeOfParallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ThrowHelper.CheckAtLeast(capacity, 1, nameof(capacity));
        ThrowHelper.CheckAtLeast(degreeOfParallelism, 1, nameof(degreeOfParallelism));
        Definition = definition;
        Capacity = capacity;
        unitOffsets = new int[definition.LayerCount + 1];
        for (int l = 0; l < definition.LayerCount; l++) unitOffsets[l + 1] = unitOffsets[l] + definition.GetLayout(l).Units;
        long length = (long)unitOffsets[^1] * capacity;
        if (length > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"capacity is {capacity}; {unitOffsets[^1]} units x {capacity} patterns exceed {Array.MaxLength} floats per buffer.");
        }
        nets = new float[length];
        outputs = new float[length];
        deltas = new float[length];
        Pool = degreeOfParallelism > 1 ? new WorkerPool(degreeOfParallelism) : null;
    }

    /// <summary>Threads a step may use, the caller's included.</summary>
    public int DegreeOfParallelism => Pool?.DegreeOfParallelism ?? 1;

    internal WorkerPool? Pool { get; }

    /// <summary>Ends the worker threads, if any. The buffers stay usable single-threaded.</summary>
    public void Dispose() => Pool?.Dispose();

    /// <summary>The network shape these buffers are sized for.</summary>
    public NetworkDefinition Definition { get; }

    /// <summary>The largest batch these buffers hold.</summary>
    public int Capacity { get; }

    /// <summary>Layer <paramref name="layer"/>'s net sums of the last batch, <paramref name="batchSize"/> rows of Units.</summary>
    public ReadOnlySpan<float> GetNetSums(int layer, int batchSize) => NetSums(Checked(layer), CheckedBatch(batchSize));

    /// <summary>Layer <paramref name="layer"/>'s outputs of the last batch, <paramref name="batchSize"/> rows of Units.</summary>
    public ReadOnlySpan<float> GetOutputs(int layer, int batchSize) => Outputs(Checked(layer), CheckedBatch(batchSize));

    /// <summary>Layer <paramref name="layer"/>'s deltas ∂E/∂net of the last backward pass, <paramref name="batchSize"/> rows of Units.</summary>
    public ReadOnlySpan<float> GetDeltas(int layer, int batchSize) => Deltas(Checked(layer), CheckedBatch(batchSize));

    internal Span<float> NetSums(int layer, int batch) => Block(nets, layer, batch);

    internal Span<float> Outputs(int layer, int batch) => Block(outputs, layer, batch);

    internal Span<float> Deltas(int layer, int batch) => Block(deltas, layer, batch);

    // Each layer's block starts at capacity x (units of the layers before it), so a smaller
    // batch uses the front of each block.
    private Span<float> Block(float[] buffer, int layer, int batch) =>
        buffer.AsSpan(unitOffsets[layer] * Capacity, (unitOffsets[layer + 1] - unitOffsets[layer]) * batch);

    private int Checked(int layer)
    {
        if ((uint)layer >= (uint)Definition.LayerCount)
        {
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"layer is {layer}; expected 0 to {Definition.LayerCount - 1}.");
        }
        return layer;
    }

    private int CheckedBatch(int batchSize)
    {
        if (batchSize < 1 || batchSize > Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"batchSize is {batchSize}; expected 1 to {Capacity}.");
        }
        return batchSize;
    }
}
