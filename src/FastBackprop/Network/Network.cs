using FastBackprop.Kernels;

namespace FastBackprop;

// ---------------------------------------------------------------------------------------------
// Network: the public face of a network. It validates arguments and runs each request as a
// sequence of its execution plan's steps (forward, output error, backward); the plans are chosen
// once, here, from the shape: TinyPlan or SpanPlan for one pattern at a time, BatchPlan for
// batches (Network.Batch.cs). Every arithmetic loop lives in Kernels/, every layer's own work in
// its Layer type.
//
// Non-finite values: the training calls return E (of the pattern or batch, before the update)
// and skip the update when E is not finite, so a NaN forward pass never reaches the weights; an
// update that itself overflows shows in the next call's E, and ThrowIfNotFinite is the opt-in
// check. The prediction calls never return NaN: non-finite outputs throw, naming the cause.
// ---------------------------------------------------------------------------------------------

/// <summary>A multilayer perceptron: a <see cref="NetworkDefinition"/> and one contiguous buffer
/// holding every weight and bias, trained by backpropagation.</summary>
/// <remarks>The overloads without a <see cref="Workspace"/> use one owned by the network. The inference calls
/// among them (<see cref="Predict(ReadOnlySpan{float}, Span{float})"/>, <see cref="ComputeLoss(ReadOnlySpan{float}, ReadOnlySpan{float})"/>)
/// may be called from any number of threads at once: a call that finds the network's workspace busy runs in a
/// per-thread one instead (the same bits). The training calls (<see cref="TrainStep(ReadOnlySpan{float}, ReadOnlySpan{float}, float)"/>,
/// <see cref="Backpropagate(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>) throw
/// <see cref="InvalidOperationException"/> when they find it busy. No call is safe while another thread trains the
/// network (the parameters change under it): serve from a <see cref="Predictor"/>, a snapshot, for that.</remarks>
public sealed partial class Network
{
    private readonly AlignedBuffer parameters;  // 64-byte aligned (Kernels/AlignedBuffer.cs); the layout is the definition's
    private readonly Workspace workspace;   // lent to one workspace-less call at a time (Network.OwnWorkspace.cs)

    /// <summary>Creates a network with all parameters zero; call <see cref="InitializeWeights(ulong)"/> before training.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="definition"/> is null.</exception>
    public Network(NetworkDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        Definition = definition;
        parameters = new AlignedBuffer(definition.ParameterCount);
        workspace = new Workspace(definition);
        Plan = (PatternPlan?)TinyPlan.For(definition) ?? new SpanPlan(definition);
        BatchPlan = new BatchPlan(definition);
    }

    /// <summary>Creates a network of the given shape with all parameters zero.</summary>
    /// <exception cref="ArgumentException">See <see cref="NetworkDefinition(int, Loss, ReadOnlySpan{Layer})"/>.</exception>
    public Network(int inputWidth, Loss loss, params ReadOnlySpan<Layer> layers)
        : this(new NetworkDefinition(inputWidth, loss, layers))
    {
    }

    /// <summary>The network's shape.</summary>
    public NetworkDefinition Definition { get; }

    /// <summary>Every weight and bias, layer after layer, in the layout of <see cref="NetworkDefinition.GetLayout"/>.</summary>
    public Span<float> Parameters => parameters;

    /// <summary>How this network runs one pattern at a time: <see cref="TinyPlan"/> or <see cref="SpanPlan"/>.</summary>
    internal PatternPlan Plan { get; }

    /// <summary>How this network runs a batch.</summary>
    internal BatchPlan BatchPlan { get; }

    /// <summary>Layer <paramref name="layer"/>'s weights: Units x Inputs, row-major, row k = unit k's incoming weights
    /// (empty for a layer without parameters).</summary>
    public Span<float> GetWeights(int layer)
    {
        LayerLayout layout = Definition.GetLayout(layer);
        return parameters.AsSpan(layout.WeightOffset, layout.WeightCount);
    }

    /// <summary>Layer <paramref name="layer"/>'s biases, one per unit (empty for a layer without parameters).</summary>
    public Span<float> GetBiases(int layer)
    {
        LayerLayout layout = Definition.GetLayout(layer);
        return parameters.AsSpan(layout.BiasOffset, layout.BiasCount);
    }

    /// <summary>A new workspace for this network's shape.</summary>
    public Workspace CreateWorkspace() => new(Definition);

    /// <summary>Computes the network's outputs for one pattern, using the network's own workspace, or a per-thread
    /// one when another call is using it: safe to call from several threads at once (not while the network trains),
    /// with the same bits as <see cref="Predict(ReadOnlySpan{float}, Span{float}, Workspace)"/>.</summary>
    /// <exception cref="ArgumentException">A length is wrong, or the input holds NaN or infinity.</exception>
    /// <exception cref="InvalidOperationException">A parameter is NaN or infinite.</exception>
    public void Predict(ReadOnlySpan<float> input, Span<float> output)
    {
        Workspace? own = TakeOwnWorkspace();
        if (own is null)
        {
            PredictInThreadScratch(input, output);
            return;
        }
        try
        {
            Predict(input, output, own);
        }
        finally
        {
            ReturnOwnWorkspace();
        }
    }

    /// <summary>Computes the network's outputs for one pattern in <paramref name="workspace"/> (dropout layers pass
    /// their input through).</summary>
    /// <param name="input">InputWidth values, finite.</param>
    /// <param name="output">Destination, OutputWidth values.</param>
    /// <param name="workspace">Buffers made for this network's shape; one per thread.</param>
    /// <exception cref="ArgumentException">A length is wrong, the input holds NaN or infinity, the workspace is for another
    /// shape, or the input drives a layer's outputs to infinity.</exception>
    /// <exception cref="InvalidOperationException">A parameter is NaN or infinite (the network diverged).</exception>
    public void Predict(ReadOnlySpan<float> input, Span<float> output, Workspace workspace)
    {
        CheckWorkspace(workspace);
        CheckInput(input);
        ThrowHelper.CheckLength(output.Length, Definition.OutputWidth, nameof(output));
        ForwardInference(input, workspace).CopyTo(output);
    }

    /// <summary>The error E of one pattern (see <see cref="Loss"/>), using the network's own workspace, or a
    /// per-thread one when another call is using it (as <see cref="Predict(ReadOnlySpan{float}, Span{float})"/>).</summary>
    /// <exception cref="ArgumentException">A length is wrong, or input or target holds NaN or infinity.</exception>
    /// <exception cref="InvalidOperationException">A parameter is NaN or infinite.</exception>
    public float ComputeLoss(ReadOnlySpan<float> input, ReadOnlySpan<float> target)
    {
        Workspace? own = TakeOwnWorkspace();
        if (own is null) return ComputeLossInThreadScratch(input, target);
        try
        {
            return ComputeLoss(input, target, own);
        }
        finally
        {
            ReturnOwnWorkspace();
        }
    }

    /// <summary>The error E of one pattern (see <see cref="Loss"/>) at inference (dropout layers pass their input through),
    /// computed in <paramref name="workspace"/>.</summary>
    /// <exception cref="ArgumentException">A length is wrong, input or target holds NaN or infinity, the workspace is for another
    /// shape, or the input drives a layer's outputs to infinity.</exception>
    /// <exception cref="InvalidOperationException">A parameter is NaN or infinite (the network diverged).</exception>
    public float ComputeLoss(ReadOnlySpan<float> input, ReadOnlySpan<float> target, Workspace workspace)
    {
        CheckPattern(input, target, workspace);
        ForwardInference(input, workspace);
        return Plan.OutputError(target, workspace);
    }

    /// <summary>Backpropagation for one pattern, using the network's own workspace: fills
    /// <paramref name="gradient"/> with ∂E/∂w for every parameter and returns E.</summary>
    /// <exception cref="ArgumentException">A length is wrong, or input or target holds NaN or infinity.</exception>
    /// <exception cref="InvalidOperationException">Another call is using the network's own workspace (a call from
    /// another thread at the same time): pass a <see cref="Workspace"/> per thread.</exception>
    public float Backpropagate(ReadOnlySpan<float> input, ReadOnlySpan<float> target, Span<float> gradient)
    {
        Workspace own = TakeOwnWorkspaceForTraining(nameof(Backpropagate));
        try
        {
            return Backpropagate(input, target, gradient, own);
        }
        finally
        {
            ReturnOwnWorkspace();
        }
    }

    /// <summary>Backpropagation for one pattern: a training forward pass (dropout layers draw masks from
    /// <see cref="Workspace.Random"/>), then fills <paramref name="gradient"/> (same layout as <see cref="Parameters"/>)
    /// with ∂E/∂w_kj = delta_k y_j and ∂E/∂b_k = delta_k for every layer, and returns E. The parameters are not changed.</summary>
    /// <param name="input">InputWidth values, finite.</param>
    /// <param name="target">OutputWidth desired outputs d_k, finite.</param>
    /// <param name="gradient">Destination, ParameterCount values; overwritten.</param>
    /// <param name="workspace">Buffers made for this network's shape.</param>
    /// <returns>E. When it is not finite the network's outputs overflowed or its parameters are not finite, and the
    /// gradient holds non-finite values too: check it (or call <see cref="ThrowIfNotFinite"/>).</returns>
    /// <exception cref="ArgumentException">A length is wrong, input or target holds NaN or infinity, or the workspace is for another shape.</exception>
    public float Backpropagate(ReadOnlySpan<float> input, ReadOnlySpan<float> target, Span<float> gradient, Workspace workspace)
    {
        CheckPattern(input, target, workspace);
        ThrowHelper.CheckLength(gradient.Length, Definition.ParameterCount, nameof(gradient));
        Plan.Forward(parameters, input, workspace, workspace.Random);
        float error = Plan.OutputError(target, workspace);
        Plan.Backward(parameters, input, workspace, new ParameterUpdate(gradient, 1f, inPlace: false));
        return error;
    }

    /// <summary>One online (per-pattern) training step, using the network's own workspace.</summary>
    /// <exception cref="ArgumentException">A length is wrong, input or target holds NaN or infinity, or <paramref name="learningRate"/> is not a finite number, 0 or more.</exception>
    /// <exception cref="InvalidOperationException">Another call is using the network's own workspace (a call from
    /// another thread at the same time): training calls on one network cannot run concurrently.</exception>
    public float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<float> target, float learningRate)
    {
        Workspace own = TakeOwnWorkspaceForTraining(nameof(TrainStep));
        try
        {
            return TrainStep(input, target, learningRate, own);
        }
        finally
        {
            ReturnOwnWorkspace();
        }
    }

    /// <summary>One online training step: a training forward pass, backward, and w -= eta · ∂E/∂w for every weight
    /// and bias of every layer. Returns E before the update. Backward and update share one pass
    /// over each weight row; allocates nothing.</summary>
    /// <param name="input">InputWidth values, finite.</param>
    /// <param name="target">OutputWidth desired outputs, finite.</param>
    /// <param name="learningRate">eta; finite, 0 or more (0 leaves the parameters as they are).</param>
    /// <param name="workspace">Buffers made for this network's shape.</param>
    /// <returns>E before the update. When it is not finite the parameters are left unchanged (a NaN pass never reaches
    /// the weights); the caller decides what to do (Trainer.Fit restores and stops, or lowers the rate).</returns>
    /// <exception cref="ArgumentException">A length is wrong, input or target holds NaN or infinity, <paramref name="learningRate"/>
    /// is negative or not finite, or the workspace is for another shape.</exception>
    public float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<float> target, float learningRate, Workspace workspace)
    {
        ThrowHelper.CheckNonNegativeFinite(learningRate, nameof(learningRate));
        CheckPattern(input, target, workspace);
        return Plan.TrainStep(parameters, input, target, learningRate, workspace);
    }

    /// <summary>Online training over a sequence of patterns: exactly <see cref="TrainStep(ReadOnlySpan{float}, ReadOnlySpan{float}, float, Workspace)"/>
    /// on each row in order (the same bits), but the first layer's update for one pattern and its net sums for the
    /// next share one pass over its weights, which for wide inputs is most of the step's memory traffic.
    /// Returns Σ E over the patterns, each before its own update; stops at the first pattern whose E is not finite,
    /// without its update, and the sum is then not finite.</summary>
    /// <param name="inputs">N rows of InputWidth values, finite.</param>
    /// <param name="targets">N rows of OutputWidth desired outputs, finite.</param>
    /// <param name="learningRate">eta; finite, 0 or more.</param>
    /// <param name="workspace">Buffers made for this network's shape.</param>
    /// <exception cref="ArgumentException">A length is not a whole number of rows or does not match, a value is NaN or infinite,
    /// the learning rate is negative or not finite, or the workspace is for another shape.</exception>
    public float TrainOnline(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, float learningRate, Workspace workspace)
    {
        ThrowHelper.CheckNonNegativeFinite(learningRate, nameof(learningRate));
        CheckWorkspace(workspace);
        int count = CheckRows(inputs);
        ThrowHelper.CheckLength(targets.Length, count * Definition.OutputWidth, nameof(targets));
        ThrowHelper.CheckFinite(targets, nameof(targets));
        return Plan.TrainOnline(parameters, inputs, targets, learningRate, workspace);
    }

    // An inference forward pass whose outputs must be finite (the batch twin is in Network.Batch.cs); returns them.
    private Span<float> ForwardInference(ReadOnlySpan<float> input, Workspace ws)
    {
        Plan.Forward(parameters, input, ws, random: null);
        Span<float> y = ws.Output(Definition.LayerCount - 1);
        if (!Finiteness.All(y)) ThrowNotFinite(ws, nameof(input));
        return y;
    }
}
