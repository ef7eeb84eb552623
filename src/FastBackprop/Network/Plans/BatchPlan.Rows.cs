namespace FastBackprop;

// ---------------------------------------------------------------------------------------------
// The row schedule of a threaded training step, for a network of dense layers whose layers past
// the first are small (W3b: 784-256-128-10): two barriers per step instead of one per layer.
//
//   layer 1 forward     cut by units or rows, as in the layer schedule      barrier (Y1 whole)
//   layers 2..L fwd     each piece its block of rows (the small W_l read whole by each)
//   output error        the same rows: E_p and dZ_L
//   dX chain            the same rows: dZ_l W_l from the old weights, ⊙ f' of the layer below
//                                                                            barrier (every dZ whole)
//   Σ_p E_p             every piece adds the rows' E in row order (OnlyWhenFinite decides here)
//   updates             every layer's TN product and bias sums, each piece its block of each
//                       layer (Dense.UpdateBatch), with no barrier between layers; the first
//                       layer's, last, leaves a band of W to whichever piece is free (Dense.Band.cs)
//
// Nothing between the two barriers reads another piece's rows, and nothing after the second
// reads an old weight; the output layer (10 units, which the layer schedule leaves to one piece)
// is shared by rows. Every element gets the operations it gets on one thread (row blocks of a
// product are the whole product's rows; the TN products still sum over every row in order), so
// the bits do not depend on the thread count or the schedule.
//
// Other steps keep the layer schedule (BatchPlan.cs): a layer that does not split (dropout), a
// user-defined function (called on piece 0 alone), sample weights (RowWeighting, between two
// barriers on piece 0), a loss that sums the whole block at once, and large later layers, where
// each piece would read all of W_l by rows (W4's 1024 x 1024: the unit cut reads each W once).
// ---------------------------------------------------------------------------------------------

internal sealed partial class BatchPlan
{
    // The most weights (inputs x units) a layer past the first may have in the row schedule: 64k floats, 256 KB, which
    // each piece reads whole (W3b's second layer has 32k).
    private const long RowLayerWeights = 1L << 16;

    private readonly bool rowScheduleFits = TakesRowSchedule(definition);

    /// <summary>Whether <paramref name="definition"/>'s threaded steps take the row schedule.</summary>
    internal static bool TakesRowSchedule(NetworkDefinition definition)
    {
        if (definition.LayerCount < 2 || definition.Loss.SumsWholeBlock) return false;
        for (int l = 0; l < definition.LayerCount; l++)
        {
            if (definition.Layers[l] is not Dense dense) return false;
            bool splits = l == definition.LayerCount - 1 ? dense.Transfer.Form != ScalarForm.Custom : dense.DerivativeSplits;
            LayerLayout layout = definition.GetLayout(l);
            if (!splits || (l > 0 && (long)layout.Inputs * layout.Units > RowLayerWeights)) return false;
        }
        return true;
    }

    // Whether a call on several pieces takes the row schedule: a whole training step (or gradient) of a network it fits.
    private bool RowScheduleFor(Phases phases, BatchWorkspace ws)
    {
        const Phases step = Phases.Forward | Phases.Error | Phases.Backward;
        return rowScheduleFits && (phases & step) == step && !ws.Weighted;
    }

    // One piece's walk through the row schedule; returns Σ_p E_p.
    private float RunRows(ThreadTeam team, ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int rows,
        BatchWorkspace ws, in ParameterUpdate update, bool onlyWhenFinite)
    {
        int output = definition.LayerCount - 1;
        var bottom = (Dense)definition.Layers[0];
        if (bottom.TakesBand(rows, team.Parts)) bottom.ForwardWithBand(Pass(0, parameters, inputs, rows, ws, team));   // Dense.Band.cs
        else bottom.ForwardBatch(Pass(0, parameters, inputs, rows, ws, team));
        team.Sync();   // each row of Y1 has columns from every piece
        (int first, int end) = Dense.RowShare(team, rows);
        for (int l = 1; l <= output; l++) ((Dense)definition.Layers[l]).ForwardRows(Pass(l, parameters, inputs, rows, ws, team), first, end);
        OutputLoss.RowBlock(definition, ws.State(output, rows), ws.Output(output, rows), targets, ws.Gradient(output, rows), first, end, ws.RowErrors);
        bool given = netGradientGiven;
        for (int l = output; l > 0; l--)
        {
            var below = (Dense)definition.Layers[l - 1];
            ((Dense)definition.Layers[l]).InputGradientRows(Pass(l, parameters, inputs, rows, ws, team) with
            {
                NetGradientGiven = given,
                InputTransfer = below.Transfer,
                InputNet = ws.State(l - 1, rows),
            }, first, end);
            given = true;
        }
        team.Sync();   // the updates read every row of dZ and of the inputs; no piece reads an old weight after this
        float error = OutputLoss.Sum(ws.RowErrors, rows);
        if (onlyWhenFinite && !float.IsFinite(error)) return error;
        for (int l = output; l >= 0; l--)
        {
            LayerLayout layout = definition.GetLayout(l);
            var slice = new ParameterUpdate(update.Target.Slice(layout.WeightOffset, layout.ParameterCount), update.Scale, update.InPlace);
            ((Dense)definition.Layers[l]).UpdateBatch(Pass(l, parameters, inputs, rows, ws, team), slice, noBarrier: true, band: l == 0);
        }
        return error;
    }
}
