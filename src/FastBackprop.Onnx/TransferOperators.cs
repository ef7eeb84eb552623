using FastBackprop.Kernels;

namespace FastBackprop.Onnx;

// ---------------------------------------------------------------------------------------------
// TransferOperators: each built-in transfer function as ONNX operators (opset OnnxExport.Opset),
// written to compute what FastBackprop's float kernel computes (src/FastBackprop/Kernels/Transfer/*,
// Kernels/Activation.cs), where ONNX has no operator of that exact definition step by step in the
// kernel's own order of float operations:
//
//   logistic          Sigmoid                     tanh        Tanh
//   relu              Relu                        leaky-relu  LeakyRelu(alpha = slope)
//   elu(α)            Elu(alpha = α)              selu        Selu(alpha, gamma: PyTorch's constants)
//   softplus          Where(x > 20, x, Softplus(x))  (PyTorch's threshold 20: linear above it)
//   softsign,elliott  Softsign                    hard-tanh   Clip(x, -1, 1)
//   silu              Mul(x, Sigmoid(x))          gaussian    Exp(Neg(Mul(x, x)))
//   sin               Sin                         exp         Exp
//   gelu              Mul(Mul(x, 0.5), Add(1, Erf(Mul(x, 1/√2))))
//   gelu-tanh         Mul(Mul(x, 0.5), Add(1, Tanh(Mul(Mul(x, β), Add(Mul(Mul(x, x), κ), 1)))))
//   softmax           Softmax(axis = 1)           identity    no node
//
// GELU stays a decomposition: the Gelu operator exists from opset 20 only (see OnnxExport.Opset),
// and the decomposition is the kernel's own formula (its fused κ x² + 1 aside).
// A function is recognised by its type, as LaneTransfers and the model file's formats recognise the
// built-ins, with the kernels' own constants: a user-defined function is never one of those types,
// even when it borrows a built-in's name.
// ---------------------------------------------------------------------------------------------

/// <summary>Writes a layer's transfer function as ONNX nodes.</summary>
internal static class TransferOperators
{
    /// <summary>The built-in names ONNX export maps, for error messages.</summary>
    internal const string Supported =
        "logistic, tanh, relu, leaky-relu(slope), identity, softmax, elu(alpha), selu, softplus, gelu, gelu-tanh, silu, softsign, hard-tanh, elliott, gaussian, sin, exp";

    /// <summary>Appends the nodes of <paramref name="transfer"/>, the function of dense layer <paramref name="layer"/>,
    /// to the graph: they read its net sums (the current value) and leave its outputs as the current value.</summary>
    /// <exception cref="NotSupportedException"><paramref name="transfer"/> is not a built-in function.</exception>
    public static void Append(GraphBuilder graph, TransferFunction transfer, int layer, Dense dense)
    {
        string node = $"layer{layer}_";
        switch (transfer)
        {
            case IdentityFunction: break;
            case LogisticFunction: graph.Apply("Sigmoid", node + "sigmoid"); break;
            case TanhFunction: graph.Apply("Tanh", node + "tanh"); break;
            case RectifierFunction { Slope: 0f }: graph.Apply("Relu", node + "relu"); break;
            case RectifierFunction r: GraphBuilder.SetAttribute(graph.Apply("LeakyRelu", node + "leaky_relu"), "alpha", r.Slope); break;
            case ExponentialLinearFunction { IsSelu: true }: Selu(graph, node); break;
            case ExponentialLinearFunction e: GraphBuilder.SetAttribute(graph.Apply("Elu", node + "elu"), "alpha", e.Alpha); break;
            case SoftplusFunction: Softplus(graph, node); break;
            case SoftsignFunction: graph.Apply("Softsign", node + "softsign"); break;
            case HardTanhFunction: graph.Apply("Clip", node + "clip", graph.Constant("minus_one", -1f), graph.Constant("one", 1f)); break;
            case SiluFunction: Silu(graph, node); break;
            case GaussianFunction: Gaussian(graph, node); break;
            case SineFunction: graph.Apply("Sin", node + "sin"); break;
            case ExponentialFunction: graph.Apply("Exp", node + "exp"); break;
            case GeluFunction: Gelu(graph, node); break;
            case GeluTanhFunction: GeluTanh(graph, node); break;
            case SoftmaxFunction: GraphBuilder.SetAttribute(graph.Apply("Softmax", node + "softmax"), "axis", 1L); break;
            default:
                throw new NotSupportedException(
                    $"layer {layer} ({dense}) uses the transfer function '{transfer.Name}', which is not a FastBackprop built-in: ONNX export can write only {Supported}.");
        }
    }

    private static void Selu(GraphBuilder graph, string node)
    {
        var selu = graph.Apply("Selu", node + "selu");
        GraphBuilder.SetAttribute(selu, "alpha", (float)ExponentialLinearFunction.SeluAlpha);
        GraphBuilder.SetAttribute(selu, "gamma", (float)ExponentialLinearFunction.SeluScale);
    }

    // y = x > 20 ? x : log(1 + e^x).
    private static void Softplus(GraphBuilder graph, string node)
    {
        string x = graph.Current;
        string smooth = graph.Apply("Softplus", node + "softplus").Output[0];
        string above = graph.Combine("Greater", node + "softplus_linear", x, graph.Constant("softplus_threshold", SoftplusOperator.Threshold)).Output[0];
        graph.Combine("Where", node + "softplus_where", above, x, smooth);
    }

    // y = x σ(x).
    private static void Silu(GraphBuilder graph, string node)
    {
        string x = graph.Current;
        string sigmoid = graph.Apply("Sigmoid", node + "silu_sigmoid").Output[0];
        graph.Combine("Mul", node + "silu", x, sigmoid);
    }

    // y = e^(-x²).
    private static void Gaussian(GraphBuilder graph, string node)
    {
        string x = graph.Current;
        graph.Combine("Mul", node + "gaussian_square", x, x);
        graph.Apply("Neg", node + "gaussian_neg");
        graph.Apply("Exp", node + "gaussian_exp");
    }

    // y = (x 0.5)(1 + erf(x (1/√2))), GeluOperator's order.
    private static void Gelu(GraphBuilder graph, string node)
    {
        string x = graph.Current;
        graph.Apply("Mul", node + "gelu_scale", graph.Constant("gelu_inv_sqrt2", GeluOperator.InverseSqrt2));
        graph.Apply("Erf", node + "gelu_erf");
        HalfTimesOnePlus(graph, node + "gelu", x);
    }

    // y = (x 0.5)(1 + tanh((x β)((x x) κ + 1))), GeluTanhOperator's order.
    private static void GeluTanh(GraphBuilder graph, string node)
    {
        string x = graph.Current;
        graph.Combine("Mul", node + "gelu_tanh_square", x, x);
        graph.Apply("Mul", node + "gelu_tanh_kappa", graph.Constant("gelu_kappa", GeluTanhOperator.Kappa));
        string cubic = graph.Apply("Add", node + "gelu_tanh_cubic", graph.Constant("one", 1f)).Output[0];
        string scaled = graph.Combine("Mul", node + "gelu_tanh_beta", x, graph.Constant("gelu_beta", GeluTanhOperator.Beta)).Output[0];
        graph.Combine("Mul", node + "gelu_tanh_inner", scaled, cubic);
        graph.Apply("Tanh", node + "gelu_tanh_tanh");
        HalfTimesOnePlus(graph, node + "gelu_tanh", x);
    }

    // (x 0.5)(1 + current): the common end of both GELU forms.
    private static void HalfTimesOnePlus(GraphBuilder graph, string node, string x)
    {
        string onePlus = graph.Apply("Add", node + "_one_plus", graph.Constant("one", 1f)).Output[0];
        string half = graph.Combine("Mul", node + "_half", x, graph.Constant("half", 0.5f)).Output[0];
        graph.Combine("Mul", node, half, onePlus);
    }
}
