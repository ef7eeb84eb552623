namespace FastBackprop;

/// <summary>Every buffer one pattern's forward and backward pass needs: per layer its outputs y, their
/// gradients ∂E/∂y (which a dense layer turns into its deltas ∂E/∂net in place) and its state (a dense
/// layer's net sums, a dropout layer's mask), sized once for a <see cref="NetworkDefinition"/> (llm.c's
/// activation tensors), plus the generator of dropout masks. A step reuses them and allocates nothing.
/// One workspace serves one thread at a time; give each thread its own.</summary>
/// <remarks>The network's input is slot 0 of the outputs: the layer above it reads it like any other
/// layer's outputs, in place (not copied), and its gradient slot is empty, so no ∂E/∂input is computed.</remarks>
public sealed class Workspace
{
    private readonly float[] outputs;
    private readonly float[] gradients;
    private readonly float[] states;
    private readonly int[] offsets;
    private SeededRandom random = new(0);

    /// <summary>Creates the buffers for networks of shape <paramref name="definition"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="definition"/> is null.</exception>
    public Workspace(NetworkDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        Definition = definition;
        offsets = definition.UnitOffsets;
        outputs = new float[offsets[^1]];
        gradients = new float[offsets[^1]];
        states = new float[offsets[^1]];
    }

    /// <summary>The network shape these buffers are sized for.</summary>
    public NetworkDefinition Definition { get; }

    /// <summary>The generator training passes draw dropout masks from (seed 0 initially). Set it to a seeded
    /// generator to choose the masks; Trainer.Fit sets and checkpoints its own.</summary>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    public SeededRandom Random
    {
        get => random;
        set => random = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Dense layer <paramref name="layer"/>'s net sums net_k = Σ_j w_kj y_j + b_k from the last pass.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layer"/> is not a layer index.</exception>
    /// <exception cref="ArgumentException">The layer is not a <see cref="Dense"/> layer.</exception>
    public ReadOnlySpan<float> GetNetSums(int layer) => State(Definition.CheckKind<Dense>(layer, "net sums"));

    /// <summary>Layer <paramref name="layer"/>'s outputs from the last pass.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layer"/> is not a layer index.</exception>
    public ReadOnlySpan<float> GetOutputs(int layer) => Output(Definition.CheckIndex(layer));

    /// <summary>Layer <paramref name="layer"/>'s deltas from the last backward pass: ∂E/∂net_k for a dense layer,
    /// ∂E/∂y for a dropout layer.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layer"/> is not a layer index.</exception>
    public ReadOnlySpan<float> GetDeltas(int layer) => Gradient(Definition.CheckIndex(layer));

    /// <summary>Dropout layer <paramref name="layer"/>'s scaled mask from the last training pass: per value 0
    /// (dropped) or 1 / (1 - rate) (kept).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layer"/> is not a layer index.</exception>
    /// <exception cref="ArgumentException">The layer is not a <see cref="Dropout"/> layer.</exception>
    public ReadOnlySpan<float> GetDropoutMask(int layer) => State(Definition.CheckKind<Dropout>(layer, "dropout mask"));

    /// <summary>Where each layer's units start in the three buffers (LayerCount + 1 entries).</summary>
    internal ReadOnlySpan<int> Offsets => offsets;

    internal float[] AllOutputs => outputs;

    internal float[] AllGradients => gradients;

    internal float[] AllStates => states;

    internal Span<float> Output(int layer) => outputs.AsSpan(offsets[layer], offsets[layer + 1] - offsets[layer]);

    internal Span<float> Gradient(int layer) => gradients.AsSpan(offsets[layer], offsets[layer + 1] - offsets[layer]);

    internal Span<float> State(int layer) => states.AsSpan(offsets[layer], offsets[layer + 1] - offsets[layer]);
}
