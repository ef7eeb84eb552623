namespace FastBackprop;

/// <summary>Where one layer's parameters sit in the network's single parameter buffer, and the widths it
/// reads and writes. For a <see cref="Dense"/> layer: a <see cref="Units"/> x <see cref="Inputs"/> row-major
/// weight block (row k = unit k's incoming weights) at <see cref="WeightOffset"/>, followed at once by
/// <see cref="Units"/> biases. A layer without parameters has <see cref="ParameterCount"/> 0.</summary>
public readonly record struct LayerLayout
{
    /// <summary>The layout of a fully connected layer: units x inputs weights at <paramref name="weightOffset"/>, then units biases.</summary>
    /// <param name="inputs">Width of the layer's input (the previous layer, or the network input).</param>
    /// <param name="units">Width of the layer's output.</param>
    /// <param name="weightOffset">Index of the first weight in the parameter buffer.</param>
    public LayerLayout(int inputs, int units, int weightOffset)
        : this(inputs, units, weightOffset, units * inputs, units)
    {
    }

    private LayerLayout(int inputs, int units, int weightOffset, int weightCount, int biasCount)
    {
        Inputs = inputs;
        Units = units;
        WeightOffset = weightOffset;
        WeightCount = weightCount;
        BiasCount = biasCount;
    }

    /// <summary>Width of the layer's input (the previous layer, or the network input).</summary>
    public int Inputs { get; }

    /// <summary>Width of the layer's output.</summary>
    public int Units { get; }

    /// <summary>Index of the layer's first parameter in the buffer (its first weight, if it has any).</summary>
    public int WeightOffset { get; }

    /// <summary>Number of weights: <c>Units * Inputs</c> for a dense layer, 0 for a layer without parameters.</summary>
    public int WeightCount { get; }

    /// <summary>Number of biases: <c>Units</c> for a dense layer, 0 for a layer without parameters.</summary>
    public int BiasCount { get; }

    /// <summary>Index of the first bias, right after the weights.</summary>
    public int BiasOffset => WeightOffset + WeightCount;

    /// <summary>Weights plus biases.</summary>
    public int ParameterCount => WeightCount + BiasCount;

    /// <summary>Index just past the layer's last parameter.</summary>
    public int End => WeightOffset + ParameterCount;

    /// <summary>The layout of a layer with no parameters that maps <paramref name="width"/> values to as many.</summary>
    internal static LayerLayout WithoutParameters(int width, int offset) => new(width, width, offset, 0, 0);
}
