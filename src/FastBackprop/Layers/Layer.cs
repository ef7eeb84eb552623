namespace FastBackprop;

// ---------------------------------------------------------------------------------------------
// Layer: one step of the forward pass, from the outputs of the layer before it (the network's
// input for the first) to its own. A kind knows its output width, its parameter count and layout
// in the one parameter buffer, its forward and its backward (per pattern and per batch), and
// nothing of epochs, optimizers or vector widths. The execution plans walk the layers; a kind is
// one file deriving from Layer, plus its entry in the model-file registry.
// ---------------------------------------------------------------------------------------------

/// <summary>A layer of a network: <see cref="Dense"/> (weights, biases and a transfer function) or
/// <see cref="Dropout"/>. A layer is a description, immutable and shareable; the parameters live in
/// the network's one buffer and the activations in a workspace.</summary>
public abstract class Layer
{
    private protected Layer()
    {
    }

    /// <summary>How many parameters the layer has when it reads <paramref name="inputs"/> values (long: the caller
    /// checks that the network's total fits one buffer before it calls <see cref="Place"/>).</summary>
    internal abstract long CountParameters(int inputs);

    /// <summary>Where this layer's parameters sit when it reads <paramref name="inputs"/> values and its
    /// parameters start at <paramref name="offset"/> in the buffer; the layout's Units is the layer's output width.</summary>
    internal abstract LayerLayout Place(int inputs, int offset);

    /// <summary>y from x for one pattern (Rows = 1), keeping in State what the backward pass needs.</summary>
    internal abstract void Forward(in LayerPass pass);

    /// <summary>From ∂E/∂y: ∂E/∂x (unless InputGradient is empty) and ∂E/∂θ into <paramref name="update"/>, one pattern.</summary>
    internal abstract void Backward(in LayerPass pass, in ParameterUpdate update);

    /// <summary><see cref="Forward"/> for Rows patterns at once (matrix products over the rows).</summary>
    internal abstract void ForwardBatch(in LayerPass pass);

    /// <summary><see cref="Backward"/> for Rows patterns at once; ∂E/∂θ is summed over the rows, times the update's scale.</summary>
    internal abstract void BackwardBatch(in LayerPass pass, in ParameterUpdate update);

    /// <summary>Whether the batch methods do their share for the pass's <see cref="LayerPass.Team"/> (every piece calls
    /// them, and each does part of the work, with the same bits as one thread). Otherwise the batch plan calls them
    /// on piece 0 alone.</summary>
    internal virtual bool SplitsAcrossThreads => false;
}
