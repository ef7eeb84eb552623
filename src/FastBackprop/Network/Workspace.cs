namespace FastBackprop;

/// <summary>Every buffer one pattern's forward and backward pass needs: per layer the net sums,
/// the outputs y = f(net) and the deltas ∂E/∂net, sized once for a <see cref="NetworkDefinition"/>
/// (llm.c's activation tensors). A step reuses them and allocates nothing. One workspace serves
/// one thread at a time; give each thread its own.</summary>
public sealed class Workspace
{
    private readonly float[] nets;
    private readonly float[] outputs;
    private readonly float[] deltas;
    private readonly int[] unitOffsets;

    /// <summary>Creates the buffers for networks of shape <paramref name="definition"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="definition"/> is null.</exception>
    public Workspace(NetworkDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        Definition = definition;
        unitOffsets = new int[definition.LayerCount + 1];
        for (int l = 0; l < definition.LayerCount; l++)
        {
            unitOffsets[l + 1] = unitOffsets[l] + definition.GetLayout(l).Units;
        }
        int units = unitOffsets[^1];
        nets = new float[units];
        outputs = new float[units];
        deltas = new float[units];
    }

    /// <summary>The network shape these buffers are sized for.</summary>
    public NetworkDefinition Definition { get; }

    /// <summary>Layer <paramref name="layer"/>'s net sums net_k = Σ_j w_kj y_j + b_k from the last pass.</summary>
    public ReadOnlySpan<float> GetNetSums(int layer) => NetSums(Checked(layer));

    /// <summary>Layer <paramref name="layer"/>'s outputs y_k = f(net_k) from the last pass.</summary>
    public ReadOnlySpan<float> GetOutputs(int layer) => Outputs(Checked(layer));

    /// <summary>Layer <paramref name="layer"/>'s deltas ∂E/∂net_k from the last backward pass.</summary>
    public ReadOnlySpan<float> GetDeltas(int layer) => Deltas(Checked(layer));

    /// <summary>Where each layer's units start in the net, output and delta buffers (LayerCount + 1 entries).</summary>
    internal ReadOnlySpan<int> UnitOffsets => unitOffsets;

    internal Span<float> AllNetSums => nets;

    internal Span<float> AllOutputs => outputs;

    internal Span<float> AllDeltas => deltas;

    internal Span<float> NetSums(int layer) => nets.AsSpan(unitOffsets[layer], unitOffsets[layer + 1] - unitOffsets[layer]);

    internal Span<float> Outputs(int layer) => outputs.AsSpan(unitOffsets[layer], unitOffsets[layer + 1] - unitOffsets[layer]);

    internal Span<float> Deltas(int layer) => deltas.AsSpan(unitOffsets[layer], unitOffsets[layer + 1] - unitOffsets[layer]);

    private int Checked(int layer)
    {
        if ((uint)layer >= (uint)Definition.LayerCount)
        {
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"layer is {layer}; expected 0 to {Definition.LayerCount - 1}.");
        }
        return layer;
    }
}
