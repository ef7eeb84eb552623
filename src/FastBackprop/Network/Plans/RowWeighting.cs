using FastBackprop.Kernels;

namespace FastBackprop;

// ---------------------------------------------------------------------------------------------
// The batch plan's sample weighting, right after the output error (OutputLoss.Rows) and before
// the backward pass, run only when the workspace holds weights (BatchWorkspace.UseWeights): each
// row's error signal is scaled by its share of the weighted mean (Kernels/SampleWeighting.cs),
// and the batch's error becomes B times the weighted mean loss. Piece 0 does it alone (a pass
// over B x outputs floats, small beside the products), between two barriers, so that every
// thread count gives the same bits.
//
// The half squared error's block reduction gives only the batch's total (rowErrors[0]); the
// weighted mean needs each row's E_p, so that loss gets a per-row pass here, used only when
// weighted. A batch whose weights are all equal is left as it is: its weighted mean is its mean.
// ---------------------------------------------------------------------------------------------

/// <summary>Applies a batch's sample weights to its output error signals and loss.</summary>
internal static class RowWeighting
{
    /// <summary>The weighted Σ_p s_p E_p of the <paramref name="rows"/> rows whose unweighted Σ_p E_p is
    /// <paramref name="error"/>; scales the output layer's signal rows. Every piece of <paramref name="team"/> calls this.</summary>
    public static float Apply(NetworkDefinition definition, BatchWorkspace ws, int rows, ThreadTeam team, float error)
    {
        // Only piece 0's unweighted sum is used: the others' (which may read rowErrors while piece 0 rewrites them
        // for the half squared error) are dropped for the value piece 0 leaves in the workspace.
        if (team.Part == 0) Weigh(definition, ws, rows, error);
        team.Sync();
        return ws.WeightedError;
    }

    private static void Weigh(NetworkDefinition definition, BatchWorkspace ws, int rows, float error)
    {
        ReadOnlySpan<float> weights = ws.RowWeights[..rows];
        if (ws.NormalizeWeights && SampleWeighting.AllEqual(weights) && weights[0] > 0)
        {
            ws.WeightedError = error;
            ws.WeightedErrorSum = (double)weights[0] * error;
            return;
        }
        int output = definition.LayerCount - 1, width = definition.OutputWidth;
        Span<float> signal = ws.Gradient(output, rows), rowErrors = ws.RowErrors[..rows];
        if (ReducesWholeBlock(definition)) SampleWeighting.HalfSquaredRowErrors(signal, width, rowErrors);
        ws.WeightedError = SampleWeighting.Apply(signal, width, rowErrors, weights, ws.NormalizeWeights, out double sum);
        ws.WeightedErrorSum = sum;
    }

    // Whether OutputLoss.Rows sums the whole block at once (rowErrors[0] = Σ_p E_p) instead of row by row.
    private static bool ReducesWholeBlock(NetworkDefinition definition) => definition.Loss == Loss.HalfSquaredError;
}
