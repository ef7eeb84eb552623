using FastBackprop.Kernels;

namespace FastBackprop;

// ---------------------------------------------------------------------------------------------
// A dense layer's share of the batch plan's row schedule (Network/Plans/BatchPlan.Rows.cs): the
// forward and the input gradient of a block of rows alone, which need no other piece's rows and
// so no barrier between layers, and the weight update once every row's dZ is there. The rows of
// a product are the rows of the whole product (Gemm.MultiplyRows) and the element-wise passes do
// each element alone, so a block gives the same bits as the whole batch.
// ---------------------------------------------------------------------------------------------

public sealed partial class Dense
{
    /// <summary>This piece's block of rows in the row schedule: blocks of the 8-row tile, as the forward's row cut.</summary>
    internal static (int First, int End) RowShare(ThreadTeam team, int rows) => team.Share(rows, RowGrain, RowParts(team.Parts, rows));

    // (1), (2) on rows [first, end): Z = X Wᵀ + 1 bᵀ, Y = f(Z) (a built-in function: any thread may call it).
    internal void ForwardRows(in LayerPass pass, int first, int end)
    {
        if (first >= end) return;
        NetSumBlock(pass, (first, end), (0, Width), activate: DerivativeSplits);
        if (!DerivativeSplits) Activate(pass.State, pass.Output, first, end);   // over whole rows (softmax)
    }

    // On rows [first, end): dZ (unless given), dX = dZ W from the weights before any update, and the layer below's f'.
    internal void InputGradientRows(in LayerPass pass, int first, int end)
    {
        if (first >= end) return;
        if (!pass.NetGradientGiven) DeltaRows(pass, first, end);
        int inputs = pass.Input.Length / pass.Rows;
        InputGradientBlock(pass, inputs, (first, end), (0, inputs));
    }

    // W = scale dZᵀ X (+ W in place) and the bias column sums, from every row's dZ, each piece its block of W; no dX
    // (the first layer, or the row schedule, which has done every dX before). noBarrier: the row schedule's update phase,
    // where the next layer's update follows with no barrier, so a product too small to be worth one (the 10-unit output
    // layer at batch 64, left to piece 0 alone) is still cut among every piece: a piece that finishes early goes on to the
    // next layer instead of waiting. band: the region's last update (Dense.Band.cs).
    internal void UpdateBatch(in LayerPass pass, in ParameterUpdate update, bool noBarrier = false, bool band = false)
    {
        int rows = pass.Rows, inputs = pass.Input.Length / rows;
        ThreadTeam team = pass.Team;
        ReadOnlySpan<float> dz = pass.OutputGradient;
        Span<float> weights = Weights(update.Target);
        int active = noBarrier ? team.Parts : team.ActiveForFlops(2L * rows * Width * inputs);
        float beta = update.InPlace ? 1f : 0f;
        if (band && TakesBand(rows, active))
        {
            UpdateWithBand(pass, weights, update.Scale, beta);
        }
        else if (CutsUnits(rows, active) && 4 * rows <= Width)
        {
            // W by the block of units the forward gave this piece (Share as there), so each piece writes the rows of W it
            // read in the forward, still in its own cache; cut by W's columns instead, every step moved a quarter of W
            // from one core's cache to the other's and back. Each piece then packs the whole input block instead of its
            // share, which costs less than that traffic while the batch is small next to the width (W3b at batch 64:
            // 1.04x on 2 threads; at batch 256, 0.99x).
            (int units, int unitsEnd) = team.Share(Width, Gemm.ColumnGrain, active);
            Gemm.MultiplyRows(GemmForm.TN, Width, inputs, rows, units, unitsEnd, update.Scale, dz, Width, pass.Input, inputs, beta, weights, inputs);
        }
        else if (inputs >= active * Gemm.ColumnGrain)
        {
            (int first, int end) = team.Share(inputs, Gemm.ColumnGrain, active);
            Gemm.MultiplyColumns(GemmForm.TN, Width, inputs, rows, first, end, update.Scale, dz, Width, pass.Input, inputs, beta, weights, inputs);
        }
        else
        {
            (int units, int unitsEnd) = team.Share(Width, RowGrain, RowParts(active, Width));
            Gemm.MultiplyRows(GemmForm.TN, Width, inputs, rows, units, unitsEnd, update.Scale, dz, Width, pass.Input, inputs, beta, weights, inputs);
        }
        BiasGradient(dz, rows, team, pass.Scratch, Biases(update.Target), update);
    }
}
