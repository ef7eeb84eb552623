namespace FastBackprop;

// ---------------------------------------------------------------------------------------------
// The mini-batch plan: the per-pattern equations with the patterns stacked as rows, each layer's
// batch forward and backward over row-major blocks (matrix products and element-wise passes).
//
//   forward   Z_l = Y_(l-1) W_lᵀ + 1 b_lᵀ; Y_l = f(Z_l)           Gemm NT
//   output    dZ_L (cross-entropy) or ∂E/∂Y_L                      row by row, or the whole block
//   backward  dX = dZ_l W_l (old weights); dZ_(l-1) = dX ⊙ f'       Gemm NN
//   gradient  scale dZ_lᵀ Y_(l-1), scale Σ_rows dZ_l                Gemm TN; with SGD in place
//                                                                    (beta = 1): dW is never stored
//
// Threads: a call is one parallel region (BatchRegion: one fork-join on the workspace's pool), not
// one per product. Every piece walks the same layers and phases and does its share of each (the
// layers cut their products and element-wise work: Dense.cs), and the pieces meet at the pool's
// spinning barrier wherever a phase reads what another piece wrote: after each layer's forward,
// after the output error, after each layer's backward. A dense layer's backward applies the f' of
// the dense layer below to each block of ∂E/∂x right after writing it (element-wise, so the same
// bits), which spares that layer its own pass over the block and the barrier after it. A layer that does not split (dropout, whose
// masks come from one generator in order) runs on piece 0 between two barriers. Every element gets
// the operations it gets on one thread, so the results do not depend on the thread count. A region
// too small to gain from a second thread runs on the caller alone. A threaded step of a network whose
// later layers are small takes the row schedule instead, with two barriers (BatchPlan.Rows.cs).
// ---------------------------------------------------------------------------------------------

/// <summary>Passes over a batch of patterns through each layer's batch kernels.</summary>
internal sealed partial class BatchPlan(NetworkDefinition definition)
{
    private readonly bool netGradientGiven = OutputLoss.GivesNetGradient(definition);

    // The largest layer's multiply-adds per row (in x out), which decides whether a pass is worth a second thread.
    private readonly long largestLayer = LargestLayer(definition);

    /// <summary>Every layer's outputs for the <paramref name="rows"/> rows of <paramref name="inputs"/>.</summary>
    public void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, int rows, BatchWorkspace ws, SeededRandom? random) =>
        Run(Phases.Forward, parameters, inputs, default, rows, ws, random, default);

    /// <summary>Σ_p E_p of the last forward pass, and the output layer's error signal for every row.</summary>
    public float OutputError(ReadOnlySpan<float> targets, int rows, BatchWorkspace ws) =>
        Run(Phases.Error, default, default, targets, rows, ws, null, default);

    /// <summary>Every layer's deltas and ∂E/∂θ, summed over the rows and times the update's scale, into
    /// <paramref name="update"/> (a gradient buffer, or the parameters themselves).</summary>
    public void Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, int rows, BatchWorkspace ws, in ParameterUpdate update) =>
        Run(Phases.Backward, parameters, inputs, default, rows, ws, null, update);

    /// <summary><see cref="Forward"/> (a training pass drawing from <paramref name="random"/>), <see cref="OutputError"/> and
    /// <see cref="Backward"/> in one region; the backward is skipped when <paramref name="onlyWhenFinite"/> and Σ_p E_p is
    /// not finite. Returns Σ_p E_p.</summary>
    public float Step(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int rows, BatchWorkspace ws, SeededRandom? random,
        in ParameterUpdate update, bool onlyWhenFinite) =>
        Run(Phases.Forward | Phases.Error | Phases.Backward | (onlyWhenFinite ? Phases.OnlyWhenFinite : 0), parameters, inputs, targets, rows, ws, random, update);

    [Flags]
    private enum Phases
    {
        Forward = 1,
        Error = 2,
        Backward = 4,
        OnlyWhenFinite = 8,   // the backward only after a finite error
    }

    private static long LargestLayer(NetworkDefinition definition)
    {
        long largest = 0;
        for (int l = 0; l < definition.LayerCount; l++)
        {
            LayerLayout layout = definition.GetLayout(l);
            largest = Math.Max(largest, (long)layout.Inputs * layout.Units);
        }
        return largest;
    }

    // The pieces a call runs in: the pool's threads when its largest product is worth a region (or, for the error
    // alone, its rows' loss (cross-entropy, ...) would give each piece a few microseconds of work), else the caller alone.
    private int Parts(Phases phases, int rows, BatchWorkspace ws)
    {
        if (ws.Pool is null) return 1;
        bool worth = (phases & (Phases.Forward | Phases.Backward)) != 0
            ? 2L * rows * largestLayer >= ThreadTeam.MinimumFlopsPerRegion
            : OutputLoss.WorthThreads(definition, rows);
        return worth ? ws.Pool.DegreeOfParallelism : 1;
    }

    private float Run(Phases phases, ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int rows, BatchWorkspace ws,
        SeededRandom? random, in ParameterUpdate update)
    {
        int parts = Parts(phases, rows, ws);
        if (parts == 1) return RunPart(ThreadTeam.Alone, phases, parameters, inputs, targets, rows, ws, random, update);
        return BatchRegion.Run(this, parts, phases, parameters, inputs, targets, rows, ws, random, update);
    }

    // One piece's walk through the phases.
    private float RunPart(ThreadTeam team, Phases phases, ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets,
        int rows, BatchWorkspace ws, SeededRandom? random, in ParameterUpdate update)
    {
        if (team.Parts > 1 && RowScheduleFor(phases, ws)) return RunRows(team, parameters, inputs, targets, rows, ws, update, (phases & Phases.OnlyWhenFinite) != 0);
        int output = definition.LayerCount - 1;
        if ((phases & Phases.Forward) != 0)
        {
            for (int l = 0; l <= output; l++)
            {
                Layer layer = definition.Layers[l];
                if (layer.SplitsAcrossThreads) layer.ForwardBatch(Pass(l, parameters, inputs, rows, ws, team) with { Random = random });
                else if (team.Part == 0) layer.ForwardBatch(Pass(l, parameters, inputs, rows, ws, ThreadTeam.Alone) with { Random = random });
                team.Sync();   // the next layer, or the error, reads every row and column
            }
        }
        float error = 0f;
        if ((phases & Phases.Error) != 0)
        {
            error = OutputLoss.Rows(definition, ws.State(output, rows), ws.Output(output, rows), targets, ws.Gradient(output, rows), rows, team, ws.RowErrors);
            if (ws.Weighted) error = RowWeighting.Apply(definition, ws, rows, team, error);   // sample weights: Plans/RowWeighting.cs
        }
        if ((phases & Phases.Backward) == 0 || ((phases & Phases.OnlyWhenFinite) != 0 && !float.IsFinite(error))) return error;
        bool given = netGradientGiven;
        for (int l = output; l >= 0; l--)
        {
            Layer layer = definition.Layers[l];
            LayerLayout layout = definition.GetLayout(l);
            var slice = new ParameterUpdate(update.Target.Slice(layout.WeightOffset, layout.ParameterCount), update.Scale, update.InPlace);
            // A dense layer applies the f' of a dense layer below it to each panel of ∂E/∂x its product writes (Dense.Panels.cs):
            // with several pieces, as that saves a barrier. Alone there is no barrier to save, and the layer below's own pass,
            // just before its products read dZ, measured 1-2% faster on W4 than a pass after the product (0.6% faster than
            // the panels: 14 of 15 trials).
            Dense? below = team.Parts > 1 && l > 0 && layer.SplitsAcrossThreads && definition.Layers[l - 1] is Dense { DerivativeSplits: true } d ? d : null;
            if (layer.SplitsAcrossThreads)
            {
                layer.BackwardBatch(Pass(l, parameters, inputs, rows, ws, team) with
                {
                    NetGradientGiven = given,
                    InputTransfer = below?.Transfer,
                    InputNet = below is null ? default : ws.State(l - 1, rows),
                }, slice);
            }
            else if (team.Part == 0) layer.BackwardBatch(Pass(l, parameters, inputs, rows, ws, ThreadTeam.Alone) with { NetGradientGiven = given }, slice);
            if (l > 0) team.Sync();   // the layer below reads every row of the input gradient
            given = below is not null;
        }
        return error;
    }

    // Layer l's blocks. The inputs are slot 0: read in place, with no gradient slot.
    private LayerPass Pass(int l, ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, int rows, BatchWorkspace ws, ThreadTeam team)
    {
        LayerLayout layout = definition.GetLayout(l);
        return new LayerPass(parameters.Slice(layout.WeightOffset, layout.ParameterCount),
            l == 0 ? inputs : ws.Output(l - 1, rows), ws.Output(l, rows), ws.State(l, rows), ws.Gradient(l, rows),
            l == 0 ? default : ws.Gradient(l - 1, rows), rows)
        {
            Team = team,
            Scratch = ws.Scratch[definition.UnitOffsets[l]..],   // each layer its own: the row schedule updates several at once
        };
    }
}
