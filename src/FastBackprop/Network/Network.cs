using System.Numerics.Tensors;
using FastBackprop.Kernels;

namespace FastBackprop;

// ---------------------------------------------------------------------------------------------
// Network: orchestration only. It computes offsets into the one parameter buffer and calls the
// kernels in order: forward layer by layer, backward in reverse (llm.c's gpt2_forward/backward).
// Every arithmetic loop lives in Kernels/.
// ---------------------------------------------------------------------------------------------

/// <summary>A multilayer perceptron: a <see cref="NetworkDefinition"/> and one contiguous buffer
/// holding every weight and bias, trained by backpropagation.</summary>
/// <remarks>The overloads without a <see cref="Workspace"/> use one owned by the network and must
/// not be called from several threads at once; pass a workspace per thread to run
/// <see cref="Predict(ReadOnlySpan{float}, Span{float}, Workspace)"/> concurrently.</remarks>
public sealed partial class Network
{
    private readonly float[] parameters;
    private readonly Workspace workspace;

    // Every width below one Vector512 and only built-in functions: the step is all call overhead,
    // so it runs through SmallLayer's scalar per-layer kernels instead of the span kernels.
    private readonly bool small;

    // Per layer, read once here rather than through two virtual calls per layer per step.
    private readonly ScalarForm[] forms;
    private readonly float[] slopes;

    // The shape as offset tables for SmallNetwork: widths[0] = input, widths[l + 1] = layer l.
    private readonly int[] widths;
    private readonly int[] weightOffsets;

    /// <summary>Creates a network with all parameters zero; call <see cref="InitializeWeights(ulong)"/> before training.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="definition"/> is null.</exception>
    public Network(NetworkDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        Definition = definition;
        parameters = new float[definition.ParameterCount];
        workspace = new Workspace(definition);
        forms = new ScalarForm[definition.LayerCount];
        slopes = new float[definition.LayerCount];
        widths = new int[definition.LayerCount + 1];
        weightOffsets = new int[definition.LayerCount];
        widths[0] = definition.InputWidth;
        small = definition.MaxWidth < 16;
        for (int l = 0; l < definition.LayerCount; l++)
        {
            forms[l] = ((Dense)definition.Layers[l]).Transfer.Form;
            slopes[l] = ((Dense)definition.Layers[l]).Transfer.NegativeSlope;
            small &= forms[l] != ScalarForm.Custom;
            widths[l + 1] = definition.GetLayout(l).Units;
            weightOffsets[l] = definition.GetLayout(l).WeightOffset;
        }
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

    /// <summary>Layer <paramref name="layer"/>'s weights: Units x Inputs, row-major, row k = unit k's incoming weights.</summary>
    public Span<float> GetWeights(int layer)
    {
        LayerLayout layout = Definition.GetLayout(layer);
        return parameters.AsSpan(layout.WeightOffset, layout.WeightCount);
    }

    /// <summary>Layer <paramref name="layer"/>'s biases, one per unit.</summary>
    public Span<float> GetBiases(int layer)
    {
        LayerLayout layout = Definition.GetLayout(layer);
        return parameters.AsSpan(layout.BiasOffset, layout.Units);
    }

    /// <summary>A new workspace for this network's shape.</summary>
    public Workspace CreateWorkspace() => new(Definition);

    /// <summary>Draws every weight from <paramref name="seed"/> with each layer's
    /// <see cref="TransferFunction.PreferredInitialization"/> (Xavier/Glorot uniform for logistic,
    /// tanh, identity and softmax; He uniform for the rectifiers) and sets every bias to zero.
    /// The same seed gives the same bits on every machine.</summary>
    public void InitializeWeights(ulong seed)
    {
        var random = new SeededRandom(seed);
        for (int l = 0; l < Definition.LayerCount; l++) InitializeLayer(l, ((Dense)Definition.Layers[l]).Transfer.PreferredInitialization, 0f, random);
    }

    /// <summary>Draws every layer's weights from <paramref name="seed"/> with <paramref name="scheme"/> and
    /// sets every bias to zero. The same seed and scheme give the same bits on every machine.</summary>
    /// <param name="seed">Seed of the generator.</param>
    /// <param name="scheme">The distribution; see <see cref="WeightInitialization"/>.</param>
    /// <param name="uniformRange">r of <see cref="WeightInitialization.Uniform"/>: weights from U(-r, r); finite, greater than 0. Ignored by the other schemes.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="scheme"/> is not defined, or <paramref name="uniformRange"/> is not finite and positive.</exception>
    public void InitializeWeights(ulong seed, WeightInitialization scheme, float uniformRange = 0.5f)
    {
        if (!Enum.IsDefined(scheme)) throw new ArgumentOutOfRangeException(nameof(scheme), scheme, $"scheme is {scheme}; expected a defined WeightInitialization.");
        if (scheme == WeightInitialization.Uniform) ThrowHelper.CheckPositiveFinite(uniformRange, nameof(uniformRange));
        var random = new SeededRandom(seed);
        for (int l = 0; l < Definition.LayerCount; l++) InitializeLayer(l, scheme, uniformRange, random);
    }

    private void InitializeLayer(int l, WeightInitialization scheme, float uniformRange, SeededRandom random)
    {
        LayerLayout layout = Definition.GetLayout(l);
        Span<float> weights = parameters.AsSpan(layout.WeightOffset, layout.WeightCount);
        float fanIn = layout.Inputs, fanSum = layout.Inputs + layout.Units;
        switch (scheme)
        {
            case WeightInitialization.XavierNormal:
            case WeightInitialization.HeNormal:
                double sigma = Math.Sqrt(scheme == WeightInitialization.HeNormal ? 2.0 / fanIn : 2.0 / fanSum);
                for (int i = 0; i < weights.Length; i++) weights[i] = (float)(sigma * random.NextGaussian());
                break;
            default:
                float limit = scheme switch
                {
                    WeightInitialization.HeUniform => MathF.Sqrt(6f / fanIn),
                    WeightInitialization.Uniform => uniformRange,
                    _ => MathF.Sqrt(6f / fanSum),
                };
                for (int i = 0; i < weights.Length; i++) weights[i] = random.NextSymmetric(limit);
                break;
        }
        parameters.AsSpan(layout.BiasOffset, layout.Units).Clear();
    }

    /// <summary>Computes the network's outputs for one pattern, using the network's own workspace.</summary>
    /// <exception cref="ArgumentException">A length is wrong, or the input holds NaN or infinity.</exception>
    public void Predict(ReadOnlySpan<float> input, Span<float> output) => Predict(input, output, workspace);

    /// <summary>Computes the network's outputs for one pattern in <paramref name="workspace"/>.</summary>
    /// <param name="input">InputWidth values, finite.</param>
    /// <param name="output">Destination, OutputWidth values.</param>
    /// <param name="workspace">Buffers made for this network's definition; one per thread.</param>
    /// <exception cref="ArgumentException">A length is wrong, the input holds NaN or infinity, or the workspace belongs to another definition.</exception>
    public void Predict(ReadOnlySpan<float> input, Span<float> output, Workspace workspace)
    {
        CheckWorkspace(workspace);
        CheckInput(input);
        ThrowHelper.CheckLength(output.Length, Definition.OutputWidth, nameof(output));
        Forward(input, workspace);
        workspace.Outputs(Definition.LayerCount - 1).CopyTo(output);
    }

    /// <summary>The error E of one pattern (see <see cref="Loss"/>), using the network's own workspace.</summary>
    /// <exception cref="ArgumentException">A length is wrong, or input or target holds NaN or infinity.</exception>
    public float ComputeLoss(ReadOnlySpan<float> input, ReadOnlySpan<float> target) => ComputeLoss(input, target, workspace);

    /// <summary>The error E of one pattern (see <see cref="Loss"/>), computed in <paramref name="workspace"/>.</summary>
    /// <exception cref="ArgumentException">A length is wrong, input or target holds NaN or infinity, or the workspace belongs to another definition.</exception>
    public float ComputeLoss(ReadOnlySpan<float> input, ReadOnlySpan<float> target, Workspace workspace)
    {
        CheckPattern(input, target, workspace);
        Forward(input, workspace);
        return OutputError(target, workspace);
    }

    /// <summary>Backpropagation for one pattern, using the network's own workspace: fills
    /// <paramref name="gradient"/> with ∂E/∂w for every parameter and returns E.</summary>
    /// <exception cref="ArgumentException">A length is wrong, or input or target holds NaN or infinity.</exception>
    public float Backpropagate(ReadOnlySpan<float> input, ReadOnlySpan<float> target, Span<float> gradient) =>
        Backpropagate(input, target, gradient, workspace);

    /// <summary>Backpropagation for one pattern: fills <paramref name="gradient"/> (same layout as
    /// <see cref="Parameters"/>) with ∂E/∂w_kj = delta_k y_j and ∂E/∂b_k = delta_k for every layer,
    /// and returns E. The parameters are not changed.</summary>
    /// <param name="input">InputWidth values, finite.</param>
    /// <param name="target">OutputWidth desired outputs d_k, finite.</param>
    /// <param name="gradient">Destination, ParameterCount values; overwritten.</param>
    /// <param name="workspace">Buffers made for this network's definition.</param>
    /// <exception cref="ArgumentException">A length is wrong, input or target holds NaN or infinity, or the workspace belongs to another definition.</exception>
    public float Backpropagate(ReadOnlySpan<float> input, ReadOnlySpan<float> target, Span<float> gradient, Workspace workspace)
    {
        CheckPattern(input, target, workspace);
        ThrowHelper.CheckLength(gradient.Length, Definition.ParameterCount, nameof(gradient));
        Forward(input, workspace);
        float error = OutputError(target, workspace);
        for (int l = Definition.LayerCount - 1; l >= 0; l--)
        {
            LayerLayout layout = Definition.GetLayout(l);
            Span<float> delta = workspace.Deltas(l);
            ReadOnlySpan<float> x = l == 0 ? input : workspace.Outputs(l - 1);
            Span<float> weightGradient = gradient.Slice(layout.WeightOffset, layout.WeightCount);
            weightGradient.Clear();
            OuterProductUpdate.Apply(weightGradient, delta, x, 1f);            // ∂E/∂w_kj = delta_k y_j
            delta.CopyTo(gradient.Slice(layout.BiasOffset, layout.Units));      // ∂E/∂b_k = delta_k
            if (l > 0)
            {
                GemvTransposed.Multiply(Weights(layout), delta, workspace.Deltas(l - 1));
                ((Dense)Definition.Layers[l - 1]).Transfer.MultiplyByDerivative(workspace.NetSums(l - 1), workspace.Outputs(l - 1), workspace.Deltas(l - 1));
            }
        }
        return error;
    }

    /// <summary>One online (per-pattern) training step, using the network's own workspace.</summary>
    /// <exception cref="ArgumentException">A length is wrong, input or target holds NaN or infinity, or <paramref name="learningRate"/> is not a finite positive number.</exception>
    public float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<float> target, float learningRate) =>
        TrainStep(input, target, learningRate, workspace);

    /// <summary>One online training step: forward, backward, and w -= eta · ∂E/∂w for every weight
    /// and bias of every layer. Returns E before the update. Backward and update share one pass
    /// over each weight row; allocates nothing.</summary>
    /// <param name="input">InputWidth values, finite.</param>
    /// <param name="target">OutputWidth desired outputs, finite.</param>
    /// <param name="learningRate">eta; finite and greater than zero.</param>
    /// <param name="workspace">Buffers made for this network's definition.</param>
    /// <exception cref="ArgumentException">A length is wrong, input or target holds NaN or infinity, <paramref name="learningRate"/>
    /// is not a finite positive number, or the workspace belongs to another definition.</exception>
    public float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<float> target, float learningRate, Workspace workspace)
    {
        ThrowHelper.CheckPositiveFinite(learningRate, nameof(learningRate));
        CheckPattern(input, target, workspace);
        Forward(input, workspace);
        float error = OutputError(target, workspace);
        if (small)
        {
            SmallNetwork.BackwardUpdate(widths, weightOffsets, workspace.UnitOffsets, forms, slopes, parameters, input,
                workspace.AllNetSums, workspace.AllOutputs, workspace.AllDeltas, -learningRate);
            return error;
        }
        BackwardUpdateAbove(learningRate, workspace);
        LayerLayout first = Definition.GetLayout(0);
        Span<float> firstDelta = workspace.Deltas(0), firstBiases = parameters.AsSpan(first.BiasOffset, first.Units);
        OuterProductUpdate.Apply(Weights(first), firstDelta, input, -learningRate);   // w_kj -= eta delta_k x_j
        TensorPrimitives.MultiplyAdd(firstDelta, -learningRate, firstBiases, firstBiases);
        return error;
    }

    /// <summary>Online training over a sequence of patterns: exactly <see cref="TrainStep(ReadOnlySpan{float}, ReadOnlySpan{float}, float, Workspace)"/>
    /// on each row in order (the same bits), but the first layer's update for one pattern and its net sums for the
    /// next share one pass over its weights, which for wide inputs is most of the step's memory traffic.
    /// Returns Σ E over the patterns, each before its own update.</summary>
    /// <param name="inputs">N rows of InputWidth values, finite.</param>
    /// <param name="targets">N rows of OutputWidth desired outputs, finite.</param>
    /// <param name="learningRate">eta; finite and greater than zero.</param>
    /// <param name="workspace">Buffers made for this network's definition.</param>
    /// <exception cref="ArgumentException">A length is not a whole number of rows or does not match, a value is NaN or infinite,
    /// the learning rate is not a finite positive number, or the workspace belongs to another definition.</exception>
    public float TrainOnline(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, float learningRate, Workspace workspace)
    {
        ThrowHelper.CheckPositiveFinite(learningRate, nameof(learningRate));
        CheckWorkspace(workspace);
        int width = Definition.InputWidth, outputs = Definition.OutputWidth;
        if (inputs.Length == 0 || inputs.Length % width != 0)
        {
            throw new ArgumentException($"inputs has length {inputs.Length}; expected a positive multiple of the input width {width}.", nameof(inputs));
        }
        int count = inputs.Length / width;
        ThrowHelper.CheckLength(targets.Length, count * outputs, nameof(targets));
        ThrowHelper.CheckFinite(inputs, nameof(inputs));
        ThrowHelper.CheckFinite(targets, nameof(targets));

        float error = 0f;
        if (small)
        {
            for (int t = 0; t < count; t++)
            {
                ReadOnlySpan<float> x = inputs.Slice(t * width, width);
                Forward(x, workspace);
                error += OutputError(targets.Slice(t * outputs, outputs), workspace);
                SmallNetwork.BackwardUpdate(widths, weightOffsets, workspace.UnitOffsets, forms, slopes, parameters, x,
                    workspace.AllNetSums, workspace.AllOutputs, workspace.AllDeltas, -learningRate);
            }
            return error;
        }

        LayerLayout first = Definition.GetLayout(0);
        Span<float> firstBiases = parameters.AsSpan(first.BiasOffset, first.Units);
        Gemv.Multiply(Weights(first), firstBiases, inputs[..width], workspace.NetSums(0));
        for (int t = 0; t < count; t++)
        {
            ReadOnlySpan<float> x = inputs.Slice(t * width, width);
            ((Dense)Definition.Layers[0]).Transfer.Activate(workspace.NetSums(0), workspace.Outputs(0));
            ForwardFrom(1, workspace);
            error += OutputError(targets.Slice(t * outputs, outputs), workspace);
            BackwardUpdateAbove(learningRate, workspace);
            Span<float> delta = workspace.Deltas(0);
            TensorPrimitives.MultiplyAdd(delta, -learningRate, firstBiases, firstBiases);   // b_k -= eta delta_k
            if (t + 1 < count)
            {
                // W -= eta delta x_t, and the next pattern's net sums from the new W, in one pass.
                OuterProductUpdateGemv.Apply(Weights(first), delta, x, -learningRate, firstBiases, inputs.Slice((t + 1) * width, width), workspace.NetSums(0));
            }
            else
            {
                OuterProductUpdate.Apply(Weights(first), delta, x, -learningRate);
            }
        }
        return error;
    }

    // Backward and update of layers L-1 .. 1 (general path): leaves layer 0's deltas in the workspace.
    private void BackwardUpdateAbove(float learningRate, Workspace workspace)
    {
        for (int l = Definition.LayerCount - 1; l >= 1; l--)
        {
            LayerLayout layout = Definition.GetLayout(l);
            Span<float> delta = workspace.Deltas(l);
            Span<float> biases = parameters.AsSpan(layout.BiasOffset, layout.Units);
            // s_j = Σ_k delta_k w_kj from the old row, then w_kj -= eta delta_k y_j: one pass.
            GemvTransposedUpdate.Apply(Weights(layout), delta, workspace.Outputs(l - 1), -learningRate, workspace.Deltas(l - 1));
            ((Dense)Definition.Layers[l - 1]).Transfer.MultiplyByDerivative(workspace.NetSums(l - 1), workspace.Outputs(l - 1), workspace.Deltas(l - 1));
            TensorPrimitives.MultiplyAdd(delta, -learningRate, biases, biases);   // b_k -= eta delta_k
        }
    }

    // Layers from `start` up, from the outputs of layer start - 1 already in the workspace.
    private void ForwardFrom(int start, Workspace ws)
    {
        for (int l = start; l < Definition.LayerCount; l++)
        {
            LayerLayout layout = Definition.GetLayout(l);
            Gemv.Multiply(Weights(layout), parameters.AsSpan(layout.BiasOffset, layout.Units), ws.Outputs(l - 1), ws.NetSums(l));
            ((Dense)Definition.Layers[l]).Transfer.Activate(ws.NetSums(l), ws.Outputs(l));
        }
    }

    // net_l = W_l y_(l-1) + b_l; y_l = f_l(net_l), with y_(-1) = the input.
    private void Forward(ReadOnlySpan<float> input, Workspace ws)
    {
        if (small)
        {
            SmallNetwork.Forward(widths, weightOffsets, ws.UnitOffsets, forms, slopes, parameters, input, ws.AllNetSums, ws.AllOutputs);
            return;
        }
        LayerLayout first = Definition.GetLayout(0);
        Gemv.Multiply(Weights(first), parameters.AsSpan(first.BiasOffset, first.Units), input, ws.NetSums(0));
        ((Dense)Definition.Layers[0]).Transfer.Activate(ws.NetSums(0), ws.Outputs(0));
        ForwardFrom(1, ws);
    }

    // Fills the output layer's deltas with ∂E/∂net and returns E.
    private float OutputError(ReadOnlySpan<float> target, Workspace ws)
    {
        int last = Definition.LayerCount - 1;
        TransferFunction transfer = ((Dense)Definition.Layers[last]).Transfer;
        Span<float> net = ws.NetSums(last), y = ws.Outputs(last), delta = ws.Deltas(last);
        if (Definition.Loss == Loss.CrossEntropy)
        {
            return transfer is SoftmaxFunction
                ? OutputDelta.SoftmaxCrossEntropy(net, y, target, delta)
                : OutputDelta.LogisticCrossEntropy(net, y, target, delta);
        }
        if (small)
        {
            return SmallNetwork.HalfSquaredErrorDelta(net, y, target, delta, forms[last], slopes[last]);
        }
        float error = OutputDelta.HalfSquaredError(y, target, delta);   // ∂E/∂y_k = y_k - d_k
        transfer.MultiplyByDerivative(net, y, delta);                     // delta_k = (y_k - d_k) f'(net_k)
        return error;
    }

    private Span<float> Weights(LayerLayout layout) => parameters.AsSpan(layout.WeightOffset, layout.WeightCount);

    private void CheckPattern(ReadOnlySpan<float> input, ReadOnlySpan<float> target, Workspace ws)
    {
        CheckWorkspace(ws);
        CheckInput(input);
        ThrowHelper.CheckLength(target.Length, Definition.OutputWidth, nameof(target));
        ThrowHelper.CheckFinite(target, nameof(target));
    }

    private void CheckInput(ReadOnlySpan<float> input)
    {
        ThrowHelper.CheckLength(input.Length, Definition.InputWidth, nameof(input));
        ThrowHelper.CheckFinite(input, nameof(input));
    }

    private void CheckWorkspace(Workspace ws)
    {
        ArgumentNullException.ThrowIfNull(ws, "workspace");
        if (!ReferenceEquals(ws.Definition, Definition))
        {
            throw new ArgumentException($"workspace was made for {ws.Definition}; expected one made for this network ({Definition}) by CreateWorkspace().", "workspace");
        }
    }
}
