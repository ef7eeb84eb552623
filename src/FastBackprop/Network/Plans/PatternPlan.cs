namespace FastBackprop;

// ---------------------------------------------------------------------------------------------
// How a network runs one pattern at a time: chosen once, when the network is built, from its
// shape (Network.SelectPatternPlan). Each plan has one forward, one output-error step and one
// backward, walking the layers in order and in reverse; the public per-pattern methods of
// Network are sequences of these three calls.
// ---------------------------------------------------------------------------------------------

/// <summary>A strategy for the per-pattern passes of one network shape.</summary>
internal abstract class PatternPlan(NetworkDefinition definition)
{
    protected NetworkDefinition Definition { get; } = definition;

    /// <summary>Computes every layer's outputs for <paramref name="input"/> into <paramref name="ws"/>;
    /// <paramref name="random"/> is the generator of a training pass, null for inference.</summary>
    public abstract void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Workspace ws, SeededRandom? random);

    /// <summary>E of the last forward pass against <paramref name="target"/>, and the output layer's error
    /// signal in its gradient slot (∂E/∂net for the cross-entropies, ∂E/∂y otherwise).</summary>
    public virtual float OutputError(ReadOnlySpan<float> target, Workspace ws)
    {
        int last = Definition.LayerCount - 1;
        return OutputLoss.Pattern(Definition, ws.State(last), ws.Output(last), target, ws.Gradient(last));
    }

    /// <summary>From the output error: every layer's deltas, and ∂E/∂θ into <paramref name="update"/>
    /// (whose Target spans the whole parameter buffer: a gradient, or the parameters themselves).</summary>
    public abstract void Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Workspace ws, in ParameterUpdate update);

    /// <summary>One online step in place: forward, output error and an in-place backward; returns E before the
    /// update (no update when E is not finite). Each plan writes these three calls itself, on its own sealed type,
    /// so that they are direct calls the JIT can inline: through this base they would be three virtual calls per
    /// step, which on the tiny plan's ~100 ns step measured 8% (W1).</summary>
    public abstract float TrainStep(Span<float> parameters, ReadOnlySpan<float> input, ReadOnlySpan<float> target, float learningRate, Workspace ws);

    /// <summary>Online SGD over the rows of <paramref name="inputs"/>: forward, output error and an in-place
    /// backward per pattern. Stops before the update of a pattern whose E is not finite. Returns Σ E.</summary>
    public abstract float TrainOnline(Span<float> parameters, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, float learningRate, Workspace ws);
}
