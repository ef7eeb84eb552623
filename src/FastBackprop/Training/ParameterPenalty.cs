using FastBackprop.Kernels.Optimizers;

namespace FastBackprop.Training;

// ---------------------------------------------------------------------------------------------
// ParameterPenalty: a Regularization bound to one network definition, built once per Fit. It
// knows which ranges of the flat parameter buffer are penalised (each dense layer's weight block
// [WeightOffset, BiasOffset), or, with biases, [WeightOffset, End), adjacent ranges merged, so
// that "weights and biases" is one range over the whole buffer) and where each layer's weight
// block is (for max-norm); every step then runs the flat kernels over those ranges, with no mask
// and no allocation.
// ---------------------------------------------------------------------------------------------

/// <summary>A <see cref="Regularization"/> over the parameter layout of one network definition.</summary>
internal sealed class ParameterPenalty
{
    private readonly int[] starts, lengths;         // penalised ranges, ascending, disjoint, not adjacent
    private readonly LayerLayout[] weightBlocks;    // the layers with weights, for max-norm
    private readonly float l1, l2, maxNorm;

    public ParameterPenalty(NetworkDefinition definition, Regularization regularization)
    {
        l1 = regularization.L1;
        l2 = regularization.L2;
        maxNorm = regularization.MaxNorm;
        var ranges = new List<(int Start, int Length)>();
        var blocks = new List<LayerLayout>();
        for (int l = 0; l < definition.LayerCount; l++)
        {
            LayerLayout layout = definition.GetLayout(l);
            if (layout.WeightCount == 0) continue;
            blocks.Add(layout);
            int length = regularization.PenalizeBiases ? layout.ParameterCount : layout.WeightCount;
            if (ranges.Count > 0 && ranges[^1].Start + ranges[^1].Length == layout.WeightOffset) ranges[^1] = (ranges[^1].Start, ranges[^1].Length + length);
            else ranges.Add((layout.WeightOffset, length));
        }
        starts = [.. ranges.Select(r => r.Start)];
        lengths = [.. ranges.Select(r => r.Length)];
        weightBlocks = [.. blocks];
    }

    /// <summary>The penalty for <paramref name="regularization"/>'s L1 and L2, or null when both are 0.</summary>
    public static ParameterPenalty? ForPenalty(NetworkDefinition definition, Regularization? regularization) =>
        regularization is { HasPenalty: true } ? new ParameterPenalty(definition, regularization) : null;

    /// <summary>The max-norm constraint of <paramref name="regularization"/>, or null when it is off.</summary>
    public static ParameterPenalty? ForMaxNorm(NetworkDefinition definition, Regularization? regularization) =>
        regularization is { MaxNorm: > 0 } ? new ParameterPenalty(definition, regularization) : null;

    /// <summary>gradient += L2 w + L1 sign(w) over the penalised ranges (<see cref="PenaltyGradient"/>).</summary>
    public void AddGradient(Span<float> gradient, ReadOnlySpan<float> parameters)
    {
        for (int r = 0; r < starts.Length; r++)
        {
            PenaltyGradient.Add(gradient.Slice(starts[r], lengths[r]), parameters.Slice(starts[r], lengths[r]), l1, l2);
        }
    }

    /// <summary>As <see cref="AddGradient(Span{float}, ReadOnlySpan{float})"/> into a double gradient.</summary>
    public void AddGradient(Span<double> gradient, ReadOnlySpan<float> parameters)
    {
        for (int r = 0; r < starts.Length; r++)
        {
            PenaltyGradient.Add(gradient.Slice(starts[r], lengths[r]), parameters.Slice(starts[r], lengths[r]), l1, l2);
        }
    }

    /// <summary>The penalty's Hessian, L2 on the diagonal of each penalised parameter, added to a packed lower triangle
    /// (element (i, i) at i(i+1)/2 + i).</summary>
    public void AddCurvature(Span<double> packedMatrix)
    {
        if (l2 == 0f) return;
        for (int r = 0; r < starts.Length; r++)
        {
            for (long i = starts[r]; i < starts[r] + lengths[r]; i++) packedMatrix[(int)(i * (i + 1) / 2 + i)] += l2;
        }
    }

    /// <summary>P(w) = L1 Σ|w| + L2/2 Σ w² over the penalised ranges, in double, ranges in order.</summary>
    public double Value(ReadOnlySpan<float> parameters)
    {
        double value = 0;
        for (int r = 0; r < starts.Length; r++) value += PenaltyGradient.Value(parameters.Slice(starts[r], lengths[r]), l1, l2);
        return value;
    }

    /// <summary>Projects every unit's incoming weights onto the ball of radius MaxNorm (<see cref="MaxNormConstraint"/>).</summary>
    public void ApplyMaxNorm(Span<float> parameters)
    {
        foreach (LayerLayout layout in weightBlocks)
        {
            MaxNormConstraint.Apply(parameters.Slice(layout.WeightOffset, layout.WeightCount), layout.Units, layout.Inputs, maxNorm);
        }
    }
}
