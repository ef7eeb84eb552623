namespace FastBackprop;

// ---------------------------------------------------------------------------------------------
// Layer: one step of the forward pass, from the outputs of the layer before it (the network's
// input for the first) to its own. A kind knows its output width, its parameter count and layout
// in the one parameter buffer, its forward and its backward; nothing of epochs, optimizers or
// vector widths. The kinds are closed to this assembly so that every plan can run all of them.
// ---------------------------------------------------------------------------------------------

/// <summary>A layer of a network, such as <see cref="Dense"/> (weights, biases and a transfer function). A layer is a description, immutable and shareable; the parameters live in
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
}
