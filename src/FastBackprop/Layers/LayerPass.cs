namespace FastBackprop;

// ---------------------------------------------------------------------------------------------
// The operands a layer's forward and backward read and write: views into the network's parameter
// buffer and a workspace, built by the execution plan for one layer and one call. A layer sees
// nothing else: not the network, not the epoch, not the vector width.
// ---------------------------------------------------------------------------------------------

/// <summary>One layer's operands for a pass over <see cref="Rows"/> patterns (1 on the per-pattern plans),
/// each block row-major with one row per pattern.</summary>
internal readonly ref struct LayerPass
{
    public LayerPass(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> output, Span<float> state,
        Span<float> outputGradient, Span<float> inputGradient, int rows)
    {
        Parameters = parameters;
        Input = input;
        Output = output;
        State = state;
        OutputGradient = outputGradient;
        InputGradient = inputGradient;
        Rows = rows;
    }

    /// <summary>The layer's slice of the parameter buffer, in its layout (see <see cref="LayerLayout"/>).</summary>
    public ReadOnlySpan<float> Parameters { get; }

    /// <summary>x: Rows x inputs, the outputs of the layer below (or the network's input).</summary>
    public ReadOnlySpan<float> Input { get; }

    /// <summary>y: Rows x units.</summary>
    public Span<float> Output { get; }

    /// <summary>What the layer keeps from its forward for its backward, Rows x units: a dense layer's net
    /// sums, a dropout layer's scaled mask.</summary>
    public Span<float> State { get; }

    /// <summary>∂E/∂y on entry to the backward pass (Rows x units). A dense layer turns it into ∂E/∂net in
    /// place, unless <see cref="NetGradientGiven"/>.</summary>
    public Span<float> OutputGradient { get; }

    /// <summary>∂E/∂x, written by the backward pass (Rows x inputs); empty when nothing below needs it
    /// (the network's input), and then not computed.</summary>
    public Span<float> InputGradient { get; }

    /// <summary>Patterns in the blocks.</summary>
    public int Rows { get; }

    /// <summary>This thread's piece of the batch plan's parallel region: a layer that <see cref="Layer.SplitsAcrossThreads"/>
    /// does its share of each phase and meets the other pieces at the team's barrier between phases.
    /// The default (the per-pattern plans) is a team of one.</summary>
    public ThreadTeam Team { get; init; } = ThreadTeam.Alone;

    /// <summary>The generator of a training forward pass (dropout draws its masks from it); null for inference.</summary>
    public SeededRandom? Random { get; init; }

    /// <summary>The output layer of a loss fused with its transfer function (cross-entropy with softmax or
    /// logistic units): <see cref="OutputGradient"/> already holds ∂E/∂net.</summary>
    public bool NetGradientGiven { get; init; }

    /// <summary>Batch plan: the element-wise transfer function of the dense layer below, whose f' this layer's backward
    /// applies to the block of ∂E/∂x it has just written (the block still in cache, and no barrier before the layer
    /// below, which then has <see cref="NetGradientGiven"/>); null when the layer below applies its own.</summary>
    public TransferFunction? InputTransfer { get; init; }

    /// <summary>With <see cref="InputTransfer"/>: the net sums of the layer below (Rows x inputs), f''s argument.</summary>
    public ReadOnlySpan<float> InputNet { get; init; }

    /// <summary>Units floats of scratch for the batch plan's column sums; empty on the per-pattern plans.</summary>
    public Span<float> Scratch { get; init; }
}

/// <summary>Where a backward pass puts ∂E/∂θ of a layer's parameters θ.</summary>
internal readonly ref struct ParameterUpdate
{
    public ParameterUpdate(Span<float> target, float scale, bool inPlace)
    {
        Target = target;
        Scale = scale;
        InPlace = inPlace;
    }

    /// <summary>The layer's slice of a gradient buffer, or of the parameters themselves when <see cref="InPlace"/>.</summary>
    public Span<float> Target { get; }

    /// <summary>Multiplier of ∂E/∂θ: 1 or 1/B for a gradient, -eta or -eta/B for a descent step.</summary>
    public float Scale { get; }

    /// <summary>True: <c>θ += Scale ∂E/∂θ</c> on the parameters, fused into the backward pass (plain SGD), each
    /// input gradient taken from the weights before the update. False: <c>Target = Scale ∂E/∂θ</c>.</summary>
    public bool InPlace { get; }
}
