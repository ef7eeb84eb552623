namespace FastBackprop;

// ---------------------------------------------------------------------------------------------
// The mini-batch plan: the per-pattern equations with the patterns stacked as rows, each layer's
// batch forward and backward over row-major blocks (matrix products, split over the workspace's
// threads).
//
//   forward   Z_l = Y_(l-1) W_lᵀ + 1 b_lᵀ; Y_l = f(Z_l)           Gemm NT
//   output    dZ_L (cross-entropy) or ∂E/∂Y_L                      row by row, or the whole block
//   backward  dX = dZ_l W_l (old weights); dZ_(l-1) = dX ⊙ f'       Gemm NN
//   gradient  scale dZ_lᵀ Y_(l-1), scale Σ_rows dZ_l                Gemm TN; with SGD in place
//                                                                    (beta = 1): dW is never stored
// ---------------------------------------------------------------------------------------------

/// <summary>Passes over a batch of patterns through each layer's batch kernels.</summary>
internal sealed class BatchPlan(NetworkDefinition definition)
{
    private readonly bool netGradientGiven = OutputLoss.GivesNetGradient(definition);

    /// <summary>Every layer's outputs for the <paramref name="rows"/> rows of <paramref name="inputs"/>.</summary>
    public void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, int rows, BatchWorkspace ws, SeededRandom? random)
    {
        for (int l = 0; l < definition.LayerCount; l++)
        {
            definition.Layers[l].ForwardBatch(Pass(l, parameters, inputs, rows, ws) with { Random = random });
        }
    }

    /// <summary>Σ_p E_p of the last forward pass, and the output layer's error signal for every row.</summary>
    public float OutputError(ReadOnlySpan<float> targets, int rows, BatchWorkspace ws)
    {
        int last = definition.LayerCount - 1;
        return OutputLoss.Rows(definition, ws.State(last, rows), ws.Output(last, rows), targets, ws.Gradient(last, rows), rows);
    }

    /// <summary>Every layer's deltas and ∂E/∂θ, summed over the rows and times the update's scale, into
    /// <paramref name="update"/> (a gradient buffer, or the parameters themselves).</summary>
    public void Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, int rows, BatchWorkspace ws, in ParameterUpdate update)
    {
        int output = definition.LayerCount - 1;
        for (int l = output; l >= 0; l--)
        {
            LayerLayout layout = definition.GetLayout(l);
            var slice = new ParameterUpdate(update.Target.Slice(layout.WeightOffset, layout.ParameterCount), update.Scale, update.InPlace);
            definition.Layers[l].BackwardBatch(Pass(l, parameters, inputs, rows, ws) with { NetGradientGiven = l == output && netGradientGiven }, slice);
        }
    }

    // Layer l's blocks. The inputs are slot 0: read in place, with no gradient slot.
    private LayerPass Pass(int l, ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, int rows, BatchWorkspace ws)
    {
        LayerLayout layout = definition.GetLayout(l);
        return new LayerPass(parameters.Slice(layout.WeightOffset, layout.ParameterCount),
            l == 0 ? inputs : ws.Output(l - 1, rows), ws.Output(l, rows), ws.State(l, rows), ws.Gradient(l, rows),
            l == 0 ? default : ws.Gradient(l - 1, rows), rows)
        {
            Pool = ws.Pool,
            Scratch = ws.Scratch,
        };
    }
}
