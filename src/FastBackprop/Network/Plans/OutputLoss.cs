using FastBackprop.Kernels;

namespace FastBackprop;

// ---------------------------------------------------------------------------------------------
// The loss at the output layer, for every plan: E and the error signal the output layer's
// backward starts from.
//
//   half squared error:   E = ½ Σ_k (d_k - y_k)², signal ∂E/∂y_k = y_k - d_k      (3); the layer applies f' (7)
//   cross-entropy:        signal ∂E/∂net_k = y_k - d_k directly (softmax or logistic units)
// ---------------------------------------------------------------------------------------------

/// <summary>E and the output layer's error signal, for one pattern or a block of rows.</summary>
internal static class OutputLoss
{
    /// <summary>Whether the signal is ∂E/∂net (the loss fused with the output function) rather than ∂E/∂y.</summary>
    public static bool GivesNetGradient(NetworkDefinition definition) => definition.Loss == Loss.CrossEntropy;

    /// <summary>E of one pattern; writes the signal into <paramref name="signal"/>.</summary>
    public static float Pattern(NetworkDefinition definition, ReadOnlySpan<float> net, ReadOnlySpan<float> y, ReadOnlySpan<float> target, Span<float> signal)
    {
        if (definition.Loss == Loss.HalfSquaredError) return OutputDelta.HalfSquaredError(y, target, signal);
        return definition.OutputLayer.Transfer is SoftmaxFunction
            ? OutputDelta.SoftmaxCrossEntropy(net, y, target, signal)
            : OutputDelta.LogisticCrossEntropy(net, y, target, signal);
    }

    /// <summary>Σ_p E_p over <paramref name="rows"/> patterns; writes the signal of every row. Every piece of
    /// <paramref name="team"/> calls this: the pieces take blocks of rows, each row's E goes to
    /// <paramref name="rowErrors"/> (at least rows floats), and after the barrier every piece adds them up in row
    /// order, as one thread adds the rows' E one after another. The half squared error is one reduction over the
    /// whole block (its lanes span rows), so piece 0 does it alone.</summary>
    public static float Rows(NetworkDefinition definition, ReadOnlySpan<float> net, ReadOnlySpan<float> y, ReadOnlySpan<float> targets, Span<float> signal, int rows,
        ThreadTeam team, Span<float> rowErrors)
    {
        if (definition.Loss == Loss.HalfSquaredError)
        {
            if (team.Part == 0) rowErrors[0] = OutputDelta.HalfSquaredError(y, targets, signal);   // the whole block at once
            team.Sync();
            return rowErrors[0];
        }
        int width = definition.OutputWidth;
        int active = Math.Min(team.ActiveForElements((long)rows * width * CrossEntropyCostPerElement), rows);
        (int first, int end) = team.Share(rows, 1, active);
        for (int p = first; p < end; p++)
        {
            int at = p * width;
            rowErrors[p] = Pattern(definition, net.Slice(at, width), y.Slice(at, width), targets.Slice(at, width), signal.Slice(at, width));
        }
        team.Sync();
        float error = 0f;
        for (int p = 0; p < rows; p++) error += rowErrors[p];
        return error;
    }

    // A row's cross-entropy takes an exponential per element and a logarithm in double: worth about this many
    // element-wise float operations, for deciding whether a block of rows is worth a second thread.
    private const int CrossEntropyCostPerElement = 64;
}
