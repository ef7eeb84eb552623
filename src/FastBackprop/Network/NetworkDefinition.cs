namespace FastBackprop;

/// <summary>The shape of a network: input width, layers and loss, validated once, with the layout
/// of its parameter buffer. Shared by <see cref="Network"/> and <see cref="Reference.ReferenceBackprop"/>,
/// so the same parameters mean the same network in both. Immutable.</summary>
public sealed class NetworkDefinition
{
    private readonly LayerSpec[] layers;
    private readonly LayerLayout[] layouts;

    /// <summary>Validates and lays out a network.</summary>
    /// <param name="inputWidth">Number of inputs; at least 1.</param>
    /// <param name="loss">The error function of the output layer.</param>
    /// <param name="layers">Hidden layers then the output layer; at least one.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="inputWidth"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">No layers; a default (zero-width) layer; softmax outside the output layer;
    /// cross-entropy with an output function other than softmax or logistic; more than 2^31 - 1 parameters.</exception>
    public NetworkDefinition(int inputWidth, Loss loss, params ReadOnlySpan<LayerSpec> layers)
    {
        ThrowHelper.CheckAtLeast(inputWidth, 1, nameof(inputWidth));
        if (layers.IsEmpty) throw new ArgumentException("layers is empty; expected at least one layer (the output layer).", nameof(layers));
        if (!Enum.IsDefined(loss)) throw new ArgumentOutOfRangeException(nameof(loss), loss, $"loss is {loss}; expected a defined Loss value.");
        this.layers = layers.ToArray();
        layouts = new LayerLayout[layers.Length];
        long offset = 0;
        int inputs = inputWidth, maxWidth = inputWidth;
        for (int l = 0; l < layers.Length; l++)
        {
            LayerSpec layer = layers[l];
            if (layer.Transfer is null)
            {
                throw new ArgumentException($"layers[{l}] is a default LayerSpec (width 0, no transfer function); expected a layer made with new LayerSpec(width, transfer).", nameof(layers));
            }
            if (layer.Transfer is SoftmaxFunction && l != layers.Length - 1)
            {
                throw new ArgumentException($"layers[{l}] uses softmax; expected softmax only in the output layer (layers[{layers.Length - 1}]).", nameof(layers));
            }
            long count = (long)layer.Width * inputs + layer.Width;
            if (offset + count > Array.MaxLength)
            {
                throw new ArgumentException($"the network has more than {Array.MaxLength} parameters (at layers[{l}]); expected a buffer that fits one array.", nameof(layers));
            }
            layouts[l] = new LayerLayout(inputs, layer.Width, (int)offset);
            offset += count;
            inputs = layer.Width;
            maxWidth = Math.Max(maxWidth, inputs);
        }
        TransferFunction output = this.layers[^1].Transfer;
        if (loss == Loss.CrossEntropy && output is not (SoftmaxFunction or LogisticFunction))
        {
            throw new ArgumentException($"loss is CrossEntropy with output transfer function '{output.Name}'; expected softmax or logistic in the output layer.", nameof(loss));
        }
        InputWidth = inputWidth;
        Loss = loss;
        ParameterCount = (int)offset;
        MaxWidth = maxWidth;
    }

    /// <summary>Number of inputs.</summary>
    public int InputWidth { get; }

    /// <summary>Number of outputs (width of the last layer).</summary>
    public int OutputWidth => layers[^1].Width;

    /// <summary>The error function.</summary>
    public Loss Loss { get; }

    /// <summary>Number of layers with weights (hidden plus output).</summary>
    public int LayerCount => layers.Length;

    /// <summary>Total number of weights and biases.</summary>
    public int ParameterCount { get; }

    /// <summary>Widest of the input and every layer.</summary>
    public int MaxWidth { get; }

    /// <summary>The layers, hidden first, output last.</summary>
    public ReadOnlySpan<LayerSpec> Layers => layers;

    /// <summary>Where layer <paramref name="layer"/>'s parameters sit in the parameter buffer.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layer"/> is not in [0, <see cref="LayerCount"/>).</exception>
    public LayerLayout GetLayout(int layer)
    {
        if ((uint)layer >= (uint)layouts.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"layer is {layer}; expected 0 to {layouts.Length - 1}.");
        }
        return layouts[layer];
    }

    /// <summary>E.g. "2-4-3-2 (logistic, logistic, logistic; HalfSquaredError)".</summary>
    public override string ToString()
    {
        var widths = new System.Text.StringBuilder().Append(InputWidth);
        var names = new System.Text.StringBuilder();
        for (int l = 0; l < layers.Length; l++)
        {
            widths.Append('-').Append(layers[l].Width);
            names.Append(l == 0 ? "" : ", ").Append(layers[l].Transfer.Name);
        }
        return $"{widths} ({names}; {Loss})";
    }
}
