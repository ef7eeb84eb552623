namespace FastBackprop.Reference;

/// <summary>
/// Backpropagation exactly as the classic derivation writes it, scalar, in double precision:
/// the yardstick the engine is tested against, public so that anyone can check the engine on
/// their own CPU. It uses the same <see cref="NetworkDefinition"/> and parameter layout as
/// <see cref="Network"/>. Equation numbers refer to the derivation:
/// <list type="bullet">
/// <item>(1) net_k = Σ_j y_j w_jk (plus the bias, the weight of a unit whose output is always 1)</item>
/// <item>(2) y_k = f(net_k)</item>
/// <item>(3) E = ½ Σ_k (d_k - y_k)²</item>
/// <item>(7) output units: delta_k = ∂E/∂net_k = (y_k - d_k) f'(net_k)</item>
/// <item>(9)-(12) hidden units: delta_j = (Σ_k delta_k w_jk) f'(net_j)</item>
/// <item>(14), (16) ∂E/∂w_jk = delta_k y_j, for output and hidden layers alike</item>
/// <item>(17)-(18) w_jk ← w_jk - eta ∂E/∂w_jk</item>
/// </list>
/// Another <see cref="Loss"/> replaces (3) by its own E and ∂E/∂y_k; a loss fused with its output function
/// (cross-entropy over softmax or logistic outputs, Poisson over exp) replaces (7) by its own ∂E/∂net_k. A <see cref="Dropout"/> layer multiplies by a given scaled mask m (y_i = x_i m_i, so
/// ∂E/∂x_i = ∂E/∂y_i m_i), or passes its input through when no mask is given (inference).
/// Slow on purpose: it allocates its arrays on every call and never vectorises.
/// </summary>
public static class ReferenceBackprop
{
    /// <summary>The network's outputs for one input.</summary>
    public static double[] Predict(NetworkDefinition definition, ReadOnlySpan<double> parameters, ReadOnlySpan<double> input)
    {
        Check(definition, parameters, input, null);
        Forward(definition, parameters, input, null, out _, out double[][] y);
        return y[^1];
    }

    /// <summary>The error E of one pattern.</summary>
    public static double Error(NetworkDefinition definition, ReadOnlySpan<double> parameters, ReadOnlySpan<double> input, ReadOnlySpan<double> target)
    {
        Check(definition, parameters, input, null);
        ThrowHelper.CheckLength(target.Length, definition.OutputWidth, nameof(target));
        Forward(definition, parameters, input, null, out double[][] net, out double[][] y);
        return OutputError(definition, net[^1], y[^1], target, new double[definition.OutputWidth]);
    }

    /// <summary>Forward and backward pass for one pattern: net sums, outputs, deltas, gradient and E.</summary>
    /// <param name="definition">The network shape.</param>
    /// <param name="parameters">ParameterCount values in the layout of <see cref="NetworkDefinition.GetLayout"/>.</param>
    /// <param name="input">InputWidth values.</param>
    /// <param name="target">OutputWidth desired outputs.</param>
    /// <param name="masks">Per layer, the scaled mask of a dropout layer (0 or 1 / (1 - rate) per value, e.g. as the engine
    /// drew it: <see cref="Workspace.GetDropoutMask"/>), null for other layers; or null for no masks (inference).</param>
    public static ReferencePass Run(NetworkDefinition definition, ReadOnlySpan<double> parameters, ReadOnlySpan<double> input, ReadOnlySpan<double> target,
        IReadOnlyList<double[]?>? masks = null)
    {
        Check(definition, parameters, input, masks);
        ThrowHelper.CheckLength(target.Length, definition.OutputWidth, nameof(target));
        int layers = definition.LayerCount;
        Forward(definition, parameters, input, masks, out double[][] net, out double[][] y);

        var delta = new double[layers][];
        var gradient = new double[definition.ParameterCount];
        delta[layers - 1] = new double[definition.OutputWidth];
        // (3), (7): E and the output deltas delta_k = (y_k - d_k) f'(net_k)
        double error = OutputError(definition, net[^1], y[^1], target, delta[layers - 1]);

        for (int l = layers - 1; l >= 0; l--)
        {
            LayerLayout layout = definition.GetLayout(l);
            ReadOnlySpan<double> below = l == 0 ? input : y[l - 1];
            var dEdx = new double[layout.Inputs];
            if (definition.Layers[l] is Dropout)
            {
                // y_i = x_i m_i: ∂E/∂x_i = ∂E/∂y_i m_i
                for (int i = 0; i < layout.Inputs; i++) dEdx[i] = delta[l][i] * Mask(masks, l, i);
            }
            else
            {
                for (int k = 0; k < layout.Units; k++)
                {
                    for (int j = 0; j < layout.Inputs; j++)
                    {
                        // (14), (16): ∂E/∂w_jk = delta_k y_j
                        gradient[layout.WeightOffset + k * layout.Inputs + j] = delta[l][k] * below[j];
                    }
                    // the bias is a weight from a unit with y = 1: ∂E/∂b_k = delta_k
                    gradient[layout.BiasOffset + k] = delta[l][k];
                }
                // (9)-(12), first factor: Σ_k delta_k w_jk
                for (int j = 0; j < layout.Inputs; j++)
                {
                    double sum = 0;
                    for (int k = 0; k < layout.Units; k++) sum += delta[l][k] * parameters[layout.WeightOffset + k * layout.Inputs + j];
                    dEdx[j] = sum;
                }
            }
            if (l == 0) break;

            // (9)-(12): delta_j = (Σ_k delta_k w_jk) f'(net_j) for a dense layer below; ∂E/∂y for a dropout layer below
            delta[l - 1] = new double[layout.Inputs];
            if (definition.Layers[l - 1] is Dense dense) dense.Transfer.MultiplyByDerivative(net[l - 1], y[l - 1], dEdx, delta[l - 1]);
            else dEdx.CopyTo(delta[l - 1], 0);
        }
        return new ReferencePass(net, y, delta, gradient, error);
    }

    /// <summary>One online step: (17)-(18) w ← w - eta ∂E/∂w for every parameter, in place. Returns E before the step.</summary>
    /// <param name="definition">The network shape.</param>
    /// <param name="parameters">The parameters, updated in place.</param>
    /// <param name="input">InputWidth values.</param>
    /// <param name="target">OutputWidth desired outputs.</param>
    /// <param name="learningRate">eta.</param>
    /// <param name="masks">Dropout masks as for <see cref="Run"/>, or null.</param>
    public static double TrainStep(NetworkDefinition definition, Span<double> parameters, ReadOnlySpan<double> input, ReadOnlySpan<double> target, double learningRate,
        IReadOnlyList<double[]?>? masks = null)
    {
        ReferencePass pass = Run(definition, parameters, input, target, masks);
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i] -= learningRate * pass.Gradient[i];   // (17)-(18)
        }
        return pass.Error;
    }

    private static void Forward(NetworkDefinition definition, ReadOnlySpan<double> parameters, ReadOnlySpan<double> input, IReadOnlyList<double[]?>? masks,
        out double[][] net, out double[][] y)
    {
        int layers = definition.LayerCount;
        net = new double[layers][];
        y = new double[layers][];
        for (int l = 0; l < layers; l++)
        {
            LayerLayout layout = definition.GetLayout(l);
            ReadOnlySpan<double> below = l == 0 ? input : y[l - 1];
            net[l] = new double[layout.Units];
            y[l] = new double[layout.Units];
            if (definition.Layers[l] is Dropout)
            {
                // y_i = x_i m_i (the identity without a mask); its "net sums" are its outputs
                for (int i = 0; i < layout.Units; i++) net[l][i] = y[l][i] = below[i] * Mask(masks, l, i);
                continue;
            }
            for (int k = 0; k < layout.Units; k++)
            {
                // (1): net_k = Σ_j y_j w_jk + b_k
                double sum = parameters[layout.BiasOffset + k];
                for (int j = 0; j < layout.Inputs; j++) sum += below[j] * parameters[layout.WeightOffset + k * layout.Inputs + j];
                net[l][k] = sum;
            }
            // (2): y_k = f(net_k)
            ((Dense)definition.Layers[l]).Transfer.Activate(net[l], y[l]);
        }
    }

    private static double Mask(IReadOnlyList<double[]?>? masks, int layer, int i) => masks?[layer] is double[] mask ? mask[i] : 1.0;

    // Returns E and writes ∂E/∂net of the output layer: the loss's own signal when it is fused with the output function,
    // else (7): delta_k = ∂E/∂y_k f'(net_k) (for softmax, the Jacobian product).
    private static double OutputError(NetworkDefinition definition, double[] net, double[] y, ReadOnlySpan<double> d, Span<double> delta)
    {
        TransferFunction output = definition.OutputLayer.Transfer;
        Loss loss = definition.Loss;
        if (loss.GivesNetGradient(output)) return loss.Reference(output, net, y, d, delta);
        var dEdy = new double[y.Length];
        double error = loss.Reference(output, net, y, d, dEdy);   // e.g. (3): E = ½ Σ (d_k - y_k)², ∂E/∂y_k = -(d_k - y_k)
        output.MultiplyByDerivative(net, y, dEdy, delta);          // (7): delta_k = ∂E/∂y_k f'(net_k)
        return error;
    }

    private static void Check(NetworkDefinition definition, ReadOnlySpan<double> parameters, ReadOnlySpan<double> input, IReadOnlyList<double[]?>? masks)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ThrowHelper.CheckLength(parameters.Length, definition.ParameterCount, nameof(parameters));
        ThrowHelper.CheckLength(input.Length, definition.InputWidth, nameof(input));
        if (masks is null) return;
        ThrowHelper.CheckLength(masks.Count, definition.LayerCount, "masks.Count");
        for (int l = 0; l < masks.Count; l++)
        {
            if (masks[l] is null) continue;
            if (definition.Layers[l] is not Dropout) throw new ArgumentException($"masks[{l}] is given for layer {l}, {definition.Layers[l]}; expected masks only for dropout layers.", nameof(masks));
            ThrowHelper.CheckLength(masks[l]!.Length, definition.GetLayout(l).Units, $"masks[{l}].Length");
        }
    }
}
