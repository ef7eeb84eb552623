namespace FastBackprop;

/// <summary>The shape of a network: input width, an ordered list of layers and the loss, validated once,
/// with the layout of its parameter buffer. Shared by <see cref="Network"/> and <see cref="Reference.ReferenceBackprop"/>,
/// so the same parameters mean the same network in both. Immutable. Two definitions are equal when they have the
/// same input width, loss and layers (same kinds, widths and transfer functions).</summary>
public sealed class NetworkDefinition : IEquatable<NetworkDefinition>
{
    private readonly Layer[] layers;
    private readonly LayerLayout[] layouts;
    private readonly int[] unitOffsets;

    /// <summary>Validates and lays out a network.</summary>
    /// <param name="inputWidth">Number of inputs; at least 1.</param>
    /// <param name="loss">The error function of the output layer.</param>
    /// <param name="layers">The layers from the input side to the output layer; at least one, the last a <see cref="Dense"/> layer.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="inputWidth"/> is less than 1.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="loss"/> is null.</exception>
    /// <exception cref="ArgumentException">No layers; a null layer; a last layer that is not dense; softmax outside the output
    /// layer or over a single unit; a loss whose output function does not suit it (cross-entropy needs softmax or logistic,
    /// label smoothing softmax, binary cross-entropy logistic, Poisson exp); a user-defined loss with a wrong derivative;
    /// more than 2^31 - 1 parameters.</exception>
    public NetworkDefinition(int inputWidth, Loss loss, params ReadOnlySpan<Layer> layers)
    {
        ThrowHelper.CheckAtLeast(inputWidth, 1, nameof(inputWidth));
        if (layers.IsEmpty) throw new ArgumentException("layers is empty; expected at least one layer (the output layer).", nameof(layers));
        ArgumentNullException.ThrowIfNull(loss);
        this.layers = layers.ToArray();
        layouts = new LayerLayout[layers.Length];
        unitOffsets = new int[layers.Length + 1];
        long offset = 0, units = 0;
        int inputs = inputWidth, maxWidth = inputWidth;
        for (int l = 0; l < layers.Length; l++)
        {
            Layer layer = layers[l] ?? throw new ArgumentException($"layers[{l}] is null; expected a layer such as new Dense(width, transfer).", nameof(layers));
            CheckPlacement(layer, l, layers.Length);
            long count = layer.CountParameters(inputs);
            if (offset + count > Array.MaxLength)
            {
                throw new ArgumentException($"the network has more than {Array.MaxLength} parameters (at layers[{l}]); expected a buffer that fits one array.", nameof(layers));
            }
            layouts[l] = layer.Place(inputs, (int)offset);
            offset += count;
            units += layouts[l].Units;
            if (units > Array.MaxLength)
            {
                throw new ArgumentException($"the network's layers have more than {Array.MaxLength} outputs in all (at layers[{l}]); expected a workspace that fits one array.", nameof(layers));
            }
            unitOffsets[l + 1] = (int)units;
            inputs = layouts[l].Units;
            maxWidth = Math.Max(maxWidth, inputs);
        }
        TransferFunction output = ((Dense)this.layers[^1]).Transfer;
        loss.CheckUse(output, nameof(loss));
        InputWidth = inputWidth;
        Loss = loss;
        ParameterCount = (int)offset;
        MaxWidth = maxWidth;
    }

    /// <summary>Number of inputs.</summary>
    public int InputWidth { get; }

    /// <summary>Number of outputs (width of the last layer).</summary>
    public int OutputWidth => layouts[^1].Units;

    /// <summary>The error function.</summary>
    public Loss Loss { get; }

    /// <summary>Number of layers, of every kind.</summary>
    public int LayerCount => layers.Length;

    /// <summary>Total number of weights and biases.</summary>
    public int ParameterCount { get; }

    /// <summary>Widest of the input and every layer.</summary>
    public int MaxWidth { get; }

    /// <summary>The layers, from the input side to the output layer.</summary>
    public ReadOnlySpan<Layer> Layers => layers;

    /// <summary>The output layer.</summary>
    public Dense OutputLayer => (Dense)layers[^1];

    /// <summary>Where layer <paramref name="layer"/>'s parameters sit in the parameter buffer, and its input and output widths.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layer"/> is not in [0, <see cref="LayerCount"/>).</exception>
    public LayerLayout GetLayout(int layer) => layouts[CheckIndex(layer)];

    /// <summary>Where each layer's outputs start among all layers' outputs laid end to end (LayerCount + 1
    /// entries, the last the total): the layout of every workspace buffer. Not to be written.</summary>
    internal int[] UnitOffsets => unitOffsets;

    /// <summary>Throws unless <paramref name="layer"/> is a layer index; returns it.</summary>
    internal int CheckIndex(int layer)
    {
        if ((uint)layer >= (uint)layers.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"layer is {layer}; expected 0 to {layers.Length - 1}.");
        }
        return layer;
    }

    /// <summary>Throws unless layer <paramref name="layer"/> exists and is a <typeparamref name="TLayer"/>, which has
    /// the <paramref name="what"/> asked for; returns the index.</summary>
    internal int CheckKind<TLayer>(int layer, string what) where TLayer : Layer
    {
        if (layers[CheckIndex(layer)] is not TLayer)
        {
            throw new ArgumentException($"layer {layer} is {layers[layer]}, which has no {what}; expected a {typeof(TLayer).Name} layer.", nameof(layer));
        }
        return layer;
    }

    /// <summary>E.g. "2-4-3-2 (logistic, logistic, logistic; HalfSquaredError)": the input and dense widths, then each
    /// layer's transfer function (or kind, for layers without one) and the loss.</summary>
    public override string ToString()
    {
        var widths = new System.Text.StringBuilder().Append(InputWidth);
        var names = new System.Text.StringBuilder();
        for (int l = 0; l < layers.Length; l++)
        {
            if (layers[l] is Dense dense) widths.Append('-').Append(dense.Width);
            names.Append(l == 0 ? "" : ", ").Append(layers[l] is Dense d ? d.Transfer.Name : layers[l].ToString());
        }
        return $"{widths} ({names}; {Loss})";
    }

    /// <inheritdoc/>
    public bool Equals(NetworkDefinition? other)
    {
        if (ReferenceEquals(this, other)) return true;
        if (other is null || other.InputWidth != InputWidth || !other.Loss.Equals(Loss) || other.layers.Length != layers.Length) return false;
        for (int l = 0; l < layers.Length; l++)
        {
            if (!layers[l].Equals(other.layers[l])) return false;
        }
        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as NetworkDefinition);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(InputWidth);
        hash.Add(Loss);
        foreach (Layer layer in layers) hash.Add(layer);
        return hash.ToHashCode();
    }

    private static void CheckPlacement(Layer layer, int index, int count)
    {
        bool last = index == count - 1;
        if (last && layer is not Dense)
        {
            throw new ArgumentException($"layers[{index}] is {layer}; expected the output layer to be a Dense layer.", "layers");
        }
        if (layer is Dense { Transfer: SoftmaxFunction } softmax)
        {
            if (!last)
            {
                throw new ArgumentException($"layers[{index}] uses softmax; expected softmax only in the output layer (layers[{count - 1}]).", "layers");
            }
            if (softmax.Width == 1)
            {
                throw new ArgumentException($"layers[{index}] is softmax over 1 unit, whose output is always 1 and which cannot learn; expected 2 or more units (or one logistic unit for two classes).", "layers");
            }
        }
    }
}
