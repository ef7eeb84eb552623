namespace FastBackprop;

/// <summary>Where one layer's parameters sit in the network's single parameter buffer:
/// an <see cref="Units"/> x <see cref="Inputs"/> row-major weight block (row k = unit k's incoming
/// weights) at <see cref="WeightOffset"/>, followed at once by <see cref="Units"/> biases.</summary>
/// <param name="Inputs">Width of the layer's input (the previous layer, or the network input).</param>
/// <param name="Units">Width of the layer.</param>
/// <param name="WeightOffset">Index of the first weight in the parameter buffer.</param>
public readonly record struct LayerLayout(int Inputs, int Units, int WeightOffset)
{
    /// <summary>Number of weights, <c>Units * Inputs</c>.</summary>
    public int WeightCount => Units * Inputs;

    /// <summary>Index of the first bias, right after the weights.</summary>
    public int BiasOffset => WeightOffset + WeightCount;

    /// <summary>Weights plus biases.</summary>
    public int ParameterCount => WeightCount + Units;

    /// <summary>Index just past the layer's last bias.</summary>
    public int End => WeightOffset + ParameterCount;
}
