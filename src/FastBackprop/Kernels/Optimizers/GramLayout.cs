namespace FastBackprop.Kernels.Optimizers;

// ---------------------------------------------------------------------------------------------
// GramLayout: the map from a parameter index to (layer, unit, input) that the per-pattern
// Gauss-Newton update (ParameterReductions.AddLayeredGram) needs, built once per network so the
// update's inner loops index arrays instead of searching the layer layouts. Dense layers only:
// the trainer refuses the Gauss-Newton optimizer for networks with dropout, the only other kind.
// ---------------------------------------------------------------------------------------------

/// <summary>Which layer, unit and input each parameter of a network of dense layers is, for
/// <see cref="ParameterReductions.AddLayeredGram"/>: weight (a, b) of layer l at Offset_l + a · Inputs_l + b, bias a at
/// Offset_l + Units_l · Inputs_l + a, whose input index is Inputs_l (the appended 1).</summary>
internal sealed class GramLayout
{
    /// <summary>The layout of <paramref name="definition"/>, whose layers must all be dense.</summary>
    public GramLayout(NetworkDefinition definition)
    {
        LayerCount = definition.LayerCount;
        ParameterCount = definition.ParameterCount;
        Offset = new int[LayerCount];
        Units = new int[LayerCount];
        Inputs = new int[LayerCount];
        LayerOf = new int[ParameterCount];
        UnitOf = new int[ParameterCount];
        InputOf = new int[ParameterCount];
        for (int l = 0; l < LayerCount; l++)
        {
            if (definition.Layers[l] is not Dense) throw new ArgumentException($"layer {l} is {definition.Layers[l]}; the Gauss-Newton layout needs dense layers only.", nameof(definition));
            LayerLayout layout = definition.GetLayout(l);
            (Offset[l], Units[l], Inputs[l]) = (layout.WeightOffset, layout.Units, layout.Inputs);
            for (int a = 0; a < layout.Units; a++)
            {
                for (int b = 0; b < layout.Inputs; b++) (LayerOf[layout.WeightOffset + a * layout.Inputs + b], UnitOf[layout.WeightOffset + a * layout.Inputs + b], InputOf[layout.WeightOffset + a * layout.Inputs + b]) = (l, a, b);
                (LayerOf[layout.BiasOffset + a], UnitOf[layout.BiasOffset + a], InputOf[layout.BiasOffset + a]) = (l, a, layout.Inputs);
            }
        }
    }

    public int LayerCount { get; }

    public int ParameterCount { get; }

    /// <summary>Each layer's first parameter.</summary>
    public int[] Offset { get; }

    public int[] Units { get; }

    public int[] Inputs { get; }

    public int[] LayerOf { get; }

    public int[] UnitOf { get; }

    /// <summary>The input index of each parameter (Inputs_l for a bias).</summary>
    public int[] InputOf { get; }

    /// <summary>The index of the layer pair (l, m), m ≤ l, in the products array: l(l+1)/2 + m.</summary>
    public int Pair(int l, int m) => l * (l + 1) / 2 + m;

    /// <summary>The number of layer pairs m ≤ l.</summary>
    public int PairCount => LayerCount * (LayerCount + 1) / 2;
}
