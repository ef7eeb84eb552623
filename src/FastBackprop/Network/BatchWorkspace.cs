using FastBackprop.Kernels;
namespace FastBackprop;

/// <summary>The buffers of mini-batch training for up to <see cref="Capacity"/> patterns: per layer the outputs Y,
/// their gradients (a dense layer's dZ) and the layer's state (net sums Z, or a dropout mask) as row-major
/// (patterns x units) blocks, sized once, plus the generator of dropout masks. A batch step reuses them and
/// allocates nothing. One workspace serves one caller at a time; with a degree of parallelism above 1 it owns
/// that many minus one worker threads, which its batch passes share (dispose it to end them).</summary>
/// <remarks>As in <see cref="Workspace"/>, the batch's inputs are slot 0, read in place.</remarks>
public sealed partial class BatchWorkspace : IDisposable
{
    private readonly AlignedBuffer outputs;   // 64-byte aligned: every layer's block streams through the products
    private readonly AlignedBuffer gradients;
    private readonly AlignedBuffer states;
    private readonly float[] scratch;
    private readonly float[] rowErrors;
    private readonly int[] offsets;
    private readonly bool ownsPool;   // false: the pool is lent (see the internal constructor)
    private SeededRandom random = new(0);

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
        offsets = definition.UnitOffsets;
        long length = (long)offsets[^1] * capacity;
        if (length > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"capacity is {capacity}; {offsets[^1]} units x {capacity} patterns exceed {Array.MaxLength} floats per buffer.");
        }
        outputs = new AlignedBuffer((int)length);
        gradients = new AlignedBuffer((int)length);
        states = new AlignedBuffer((int)length);
        scratch = new float[offsets[^1]];   // a bias-sum block per layer (BatchPlan's Pass)
        Pattern = new Workspace(definition);
        rowErrors = new float[capacity];
        Pool = degreeOfParallelism > 1 ? new WorkerPool(degreeOfParallelism) : null;
        ownsPool = true;
    }

    /// <summary>Buffers whose steps run on <paramref name="pool"/>'s threads (on the caller's alone when null), which the
    /// workspace borrows: disposing it leaves the pool running. Workspaces used one after another by one caller (a run's
    /// step and its evaluation, TrainingRun) can so share one pool.</summary>
    internal BatchWorkspace(NetworkDefinition definition, int capacity, WorkerPool? pool)
        : this(definition, capacity)
    {
        Pool = pool;
    }

    /// <summary>Threads a step may use, the caller's included.</summary>
    public int DegreeOfParallelism => Pool?.DegreeOfParallelism ?? 1;

    internal WorkerPool? Pool { get; }

    /// <summary>Ends the worker threads, if any. The buffers stay usable single-threaded.</summary>
    public void Dispose()
    {
        if (ownsPool) Pool?.Dispose();
    }

    /// <summary>The network shape these buffers are sized for.</summary>
    public NetworkDefinition Definition { get; }

    /// <summary>The largest batch these buffers hold.</summary>
    public int Capacity { get; }

    /// <summary>The generator training passes draw dropout masks from (seed 0 initially); see <see cref="Workspace.Random"/>.</summary>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    public SeededRandom Random
    {
        get => random;
        set => random = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Dense layer <paramref name="layer"/>'s net sums of the last batch, <paramref name="batchSize"/> rows of Units.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The layer index or batch size is out of range.</exception>
    /// <exception cref="ArgumentException">The layer is not a <see cref="Dense"/> layer.</exception>
    public ReadOnlySpan<float> GetNetSums(int layer, int batchSize) => State(Definition.CheckKind<Dense>(layer, "net sums"), CheckedBatch(batchSize));

    /// <summary>Layer <paramref name="layer"/>'s outputs of the last batch, <paramref name="batchSize"/> rows of Units.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The layer index or batch size is out of range.</exception>
    public ReadOnlySpan<float> GetOutputs(int layer, int batchSize) => Output(Definition.CheckIndex(layer), CheckedBatch(batchSize));

    /// <summary>Layer <paramref name="layer"/>'s deltas of the last backward pass (∂E/∂net for a dense layer, ∂E/∂y
    /// for a dropout layer), <paramref name="batchSize"/> rows of Units.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The layer index or batch size is out of range.</exception>
    public ReadOnlySpan<float> GetDeltas(int layer, int batchSize) => Gradient(Definition.CheckIndex(layer), CheckedBatch(batchSize));

    /// <summary>Dropout layer <paramref name="layer"/>'s scaled masks of the last training batch, <paramref name="batchSize"/> rows.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The layer index or batch size is out of range.</exception>
    /// <exception cref="ArgumentException">The layer is not a <see cref="Dropout"/> layer.</exception>
    public ReadOnlySpan<float> GetDropoutMask(int layer, int batchSize) => State(Definition.CheckKind<Dropout>(layer, "dropout mask"), CheckedBatch(batchSize));

    internal Span<float> Scratch => scratch;

    /// <summary>The per-pattern buffers that a batch of one trains in (Network.TrainBatch).</summary>
    internal Workspace Pattern { get; }

    /// <summary>Copies a per-pattern step's buffers into the blocks of a batch of one.</summary>
    internal void ShowPattern(Workspace pattern)
    {
        for (int l = 0; l < offsets.Length - 1; l++)
        {
            pattern.Output(l).CopyTo(Output(l, 1));
            pattern.Gradient(l).CopyTo(Gradient(l, 1));
            pattern.State(l).CopyTo(State(l, 1));
        }
    }

    /// <summary>Capacity floats: each row's E, for the batch plan's output error (OutputLoss.Rows).</summary>
    internal Span<float> RowErrors => rowErrors;

    internal Span<float> Output(int layer, int batch) => Block(outputs, layer, batch);

    internal Span<float> Gradient(int layer, int batch) => Block(gradients, layer, batch);

    internal Span<float> State(int layer, int batch) => Block(states, layer, batch);

    // Each layer's block starts at capacity x (units of the layers before it), so a smaller
    // batch uses the front of each block.
    private Span<float> Block(AlignedBuffer buffer, int layer, int batch) =>
        buffer.AsSpan(offsets[layer] * Capacity, (offsets[layer + 1] - offsets[layer]) * batch);

    private int CheckedBatch(int batchSize)
    {
        if (batchSize < 1 || batchSize > Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"batchSize is {batchSize}; expected 1 to {Capacity}.");
        }
        return batchSize;
    }
}
