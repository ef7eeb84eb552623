namespace FastBackprop;

// ---------------------------------------------------------------------------------------------
// The loss at the output layer, for every plan: E and the error signal the output layer's
// backward starts from, through the network's Loss (one virtual call per pattern, or per block).
//
//   ∂E/∂y losses (hse, mse, mae, huber, user-defined): the layer applies f' (7)
//   fused losses (ce over softmax or logistic, bce, poisson over exp): the signal is ∂E/∂net
// ---------------------------------------------------------------------------------------------

/// <summary>E and the output layer's error signal, for one pattern or a block of rows.</summary>
internal static class OutputLoss
{
    /// <summary>Whether the signal is ∂E/∂net (the loss fused with the output function) rather than ∂E/∂y.</summary>
    public static bool GivesNetGradient(NetworkDefinition definition) => definition.Loss.GivesNetGradient(definition.OutputLayer.Transfer);

    /// <summary>E of one pattern; writes the signal into <paramref name="signal"/>.</summary>
    public static float Pattern(NetworkDefinition definition, ReadOnlySpan<float> net, ReadOnlySpan<float> y, ReadOnlySpan<float> target, Span<float> signal) =>
        definition.Loss.Pattern(definition.OutputLayer.Transfer, net, y, target, signal);

    /// <summary>Σ_p E_p over <paramref name="rows"/> patterns; writes the signal of every row. Every piece of
    /// <paramref name="team"/> calls this: the pieces take blocks of rows, each row's E goes to
    /// <paramref name="rowErrors"/> (at least rows floats), and after the barrier every piece adds them up in row
    /// order, as one thread adds the rows' E one after another. A loss that is one reduction over the whole block
    /// (the half squared error: its lanes span rows, Loss.SumsWholeBlock) is done by piece 0 alone.</summary>
    public static float Rows(NetworkDefinition definition, ReadOnlySpan<float> net, ReadOnlySpan<float> y, ReadOnlySpan<float> targets, Span<float> signal, int rows,
        ThreadTeam team, Span<float> rowErrors)
    {
        Loss loss = definition.Loss;
        TransferFunction output = definition.OutputLayer.Transfer;
        if (loss.SumsWholeBlock)
        {
            if (team.Part == 0) rowErrors[0] = loss.Pattern(output, net, y, targets, signal);   // the whole block at once
            team.Sync();
            return rowErrors[0];
        }
        int active = Math.Min(team.ActiveForElements((long)rows * definition.OutputWidth * loss.CostPerElement), rows);
        (int first, int end) = team.Share(rows, 1, active);
        RowBlock(definition, net, y, targets, signal, first, end, rowErrors);
        team.Sync();
        return Sum(rowErrors, rows);
    }

    /// <summary>Each row's E into <paramref name="rowErrors"/>, and its signal, for rows [first, end) alone (a loss that
    /// is not one reduction over the whole block).</summary>
    public static void RowBlock(NetworkDefinition definition, ReadOnlySpan<float> net, ReadOnlySpan<float> y, ReadOnlySpan<float> targets, Span<float> signal,
        int first, int end, Span<float> rowErrors)
    {
        Loss loss = definition.Loss;
        TransferFunction output = definition.OutputLayer.Transfer;
        int width = definition.OutputWidth;
        for (int p = first; p < end; p++)
        {
            int at = p * width;
            rowErrors[p] = loss.Pattern(output, net.Slice(at, width), y.Slice(at, width), targets.Slice(at, width), signal.Slice(at, width));
        }
    }

    /// <summary>Σ_p E_p of <paramref name="rows"/> rows, in row order, as one thread adds them one after another.</summary>
    public static float Sum(ReadOnlySpan<float> rowErrors, int rows)
    {
        float error = 0f;
        for (int p = 0; p < rows; p++) error += rowErrors[p];
        return error;
    }

    /// <summary>Whether the output error of <paramref name="rows"/> rows alone (no forward or backward in the region) is
    /// worth a second thread: each piece gets a few microseconds of work.</summary>
    public static bool WorthThreads(NetworkDefinition definition, int rows) =>
        !definition.Loss.SumsWholeBlock && (long)definition.Loss.CostPerElement * rows * definition.OutputWidth >= 2 * ThreadTeam.MinimumElementsPerPart;
}
