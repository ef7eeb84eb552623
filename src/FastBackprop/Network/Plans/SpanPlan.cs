namespace FastBackprop;

// ---------------------------------------------------------------------------------------------
// The per-pattern plan for every network that is not tiny: each layer's own forward and
// backward over spans (Gemv, the fused GemvTransposedUpdate, ...), layer by layer, backward
// mirroring forward (llm.c's gpt2_forward / gpt2_backward).
//
// TrainOnline fuses across patterns when the first layer is dense: the first layer's update for
// pattern t and its net sums for pattern t + 1 share one pass over its weights, which for wide
// inputs is most of a step's memory traffic; the arithmetic is that of TrainStep in a loop.
// ---------------------------------------------------------------------------------------------

/// <summary>Per-pattern passes through each layer's span kernels.</summary>
internal sealed class SpanPlan(NetworkDefinition definition) : PatternPlan(definition)
{
    private readonly bool netGradientGiven = OutputLoss.GivesNetGradient(definition);

    public override void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Workspace ws, SeededRandom? random) =>
        Forward(parameters, input, ws, random, first: 0);

    public override void Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Workspace ws, in ParameterUpdate update) =>
        Backward(parameters, input, ws, update, last: 0);

    public override float TrainStep(Span<float> parameters, ReadOnlySpan<float> input, ReadOnlySpan<float> target, float learningRate, Workspace ws)
    {
        Forward(parameters, input, ws, ws.Random);
        float error = OutputError(target, ws);
        if (float.IsFinite(error)) Backward(parameters, input, ws, new ParameterUpdate(parameters, -learningRate, inPlace: true));
        return error;
    }

    public override float TrainOnline(Span<float> parameters, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, float learningRate, Workspace ws)
    {
        int width = Definition.InputWidth, outputs = Definition.OutputWidth, count = inputs.Length / width;
        if (Definition.Layers[0] is not Dense first)
        {
            float sum = 0f;
            for (int t = 0; t < count && float.IsFinite(sum); t++) sum += TrainStep(parameters, inputs.Slice(t * width, width), targets.Slice(t * outputs, outputs), learningRate, ws);
            return sum;
        }
        var update = new ParameterUpdate(parameters, -learningRate, inPlace: true);
        first.NetSums(Pass(0, parameters, inputs[..width], ws));
        float error = 0f;
        for (int t = 0; t < count; t++)
        {
            ReadOnlySpan<float> x = inputs.Slice(t * width, width);
            LayerPass layer0 = BackwardPass(0, parameters, x, ws);
            first.Transfer.Activate(layer0.State, layer0.Output);
            Forward(parameters, x, ws, ws.Random, first: 1);
            float e = OutputError(targets.Slice(t * outputs, outputs), ws);
            error += e;
            if (!float.IsFinite(e)) break;   // no update from a non-finite pass
            Backward(parameters, x, ws, update, last: 1);
            ReadOnlySpan<float> next = t + 1 < count ? inputs.Slice((t + 1) * width, width) : default;
            first.BackwardThenNetSums(layer0, Slice(update, 0), next);
        }
        return error;
    }

    // Layers first .. L-1, from the outputs of layer first - 1 already in the workspace.
    private void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Workspace ws, SeededRandom? random, int first)
    {
        for (int l = first; l < Definition.LayerCount; l++)
        {
            Definition.Layers[l].Forward(Pass(l, parameters, input, ws) with { Random = random });
        }
    }

    // Layers L-1 .. last, in reverse.
    private void Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Workspace ws, in ParameterUpdate update, int last)
    {
        for (int l = Definition.LayerCount - 1; l >= last; l--) Definition.Layers[l].Backward(BackwardPass(l, parameters, input, ws), Slice(update, l));
    }

    // Layer l's operands for its backward: the output layer starts from ∂E/∂net when the loss gave it.
    private LayerPass BackwardPass(int l, ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Workspace ws) =>
        Pass(l, parameters, input, ws) with { NetGradientGiven = netGradientGiven && l == Definition.LayerCount - 1 };

    // Layer l's operands. The input is slot 0: read in place, with no gradient slot.
    private LayerPass Pass(int l, ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Workspace ws)
    {
        LayerLayout layout = Definition.GetLayout(l);
        return new LayerPass(parameters.Slice(layout.WeightOffset, layout.ParameterCount),
            l == 0 ? input : ws.Output(l - 1), ws.Output(l), ws.State(l), ws.Gradient(l), l == 0 ? default : ws.Gradient(l - 1), rows: 1);
    }

    private ParameterUpdate Slice(in ParameterUpdate update, int l)
    {
        LayerLayout layout = Definition.GetLayout(l);
        return new ParameterUpdate(update.Target.Slice(layout.WeightOffset, layout.ParameterCount), update.Scale, update.InPlace);
    }
}
