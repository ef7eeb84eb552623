using System.Globalization;

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
// A function is recognised through the public API only: its Name, and TransferFunction.FromName of
// that name being equal to it, so that a user-defined function that merely borrows a built-in's name
// is refused like every other user-defined function.
// ---------------------------------------------------------------------------------------------

/// <summary>Writes a layer's transfer function as ONNX nodes.</summary>
internal static class TransferOperators
{
    /// <summary>The built-in names ONNX export maps, for error messages.</summary>
    internal const string Supported =
        "logistic, tanh, relu, leaky-relu(slope), identity, softmax, elu(alpha), selu, softplus, gelu, gelu-tanh, silu, softsign, hard-tanh, elliott, gaussian, sin, exp";

    // Kernels/Transfer's float constants (GeluOperator, GeluTanhOperator, SoftplusOperator) and PyTorch's SELU constants.
    private const float InverseSqrt2 = 0.707106781186547524f;
    private const float GeluBeta = 0.797884560802865355f;   // √(2/π)
    private const float GeluKappa = 0.044715f;
    private const float SoftplusThreshold = 20f;
    private const float SeluAlpha = 1.6732632423543772848f;
    private const float SeluScale = 1.0507009873554804934f;

    /// <summary>Appends the nodes of <paramref name="transfer"/>, the function of dense layer <paramref name="layer"/>,
    /// to the graph: they read its net sums (the current value) and leave its outputs as the current value.</summary>
    /// <exception cref="NotSupportedException"><paramref name="transfer"/> is not a built-in function.</exception>
    public static void Append(GraphBuilder graph, TransferFunction transfer, int layer, Dense dense)
    {
        string name = transfer.Name;
        string node = $"layer{layer}_";
        if (!IsBuiltIn(transfer, name, out float parameter))
        {
            throw new NotSupportedException(
                $"layer {layer} ({dense}) uses the transfer function '{name}', which is not a FastBackprop built-in: ONNX export can write only {Supported}.");
        }
        switch (BaseName(name))
        {
            case "identity": break;
            case "logistic": graph.Apply("Sigmoid", node + "sigmoid"); break;
            case "tanh": graph.Apply("Tanh", node + "tanh"); break;
            case "relu": graph.Apply("Relu", node + "relu"); break;
            case "leaky-relu": GraphBuilder.SetAttribute(graph.Apply("LeakyRelu", node + "leaky_relu"), "alpha", parameter); break;
            case "elu": GraphBuilder.SetAttribute(graph.Apply("Elu", node + "elu"), "alpha", parameter); break;
            case "selu": Selu(graph, node); break;
            case "softplus": Softplus(graph, node); break;
            case "softsign" or "elliott": graph.Apply("Softsign", node + "softsign"); break;
            case "hard-tanh": graph.Apply("Clip", node + "clip", graph.Constant("minus_one", -1f), graph.Constant("one", 1f)); break;
            case "silu": Silu(graph, node); break;
            case "gaussian": Gaussian(graph, node); break;
            case "sin": graph.Apply("Sin", node + "sin"); break;
            case "exp": graph.Apply("Exp", node + "exp"); break;
            case "gelu": Gelu(graph, node); break;
            case "gelu-tanh": GeluTanh(graph, node); break;
            case "softmax": GraphBuilder.SetAttribute(graph.Apply("Softmax", node + "softmax"), "axis", 1L); break;
            default: throw new InvalidOperationException($"built-in transfer function '{name}' has no ONNX mapping.");
        }
    }

    // "leaky-relu(0.01)" -> "leaky-relu"; names without a parameter are their own base.
    private static string BaseName(string name)
    {
        int open = name.IndexOf('(', StringComparison.Ordinal);
        return open < 0 ? name : name[..open];
    }

    /// <summary>Whether <paramref name="transfer"/> is the built-in function its name names, with its parameter
    /// (slope, alpha; 0 for the others) read from the name, where <see cref="TransferFunction.Name"/> writes it in
    /// round-trip form.</summary>
    private static bool IsBuiltIn(TransferFunction transfer, string name, out float parameter)
    {
        parameter = 0f;
        string baseName = BaseName(name);
        if (!BaseNames.Contains(baseName)) return false;
        if (baseName.Length != name.Length)
        {
            if (!name.EndsWith(')') || !float.TryParse(name.AsSpan(baseName.Length + 1, name.Length - baseName.Length - 2),
                NumberStyles.Float, CultureInfo.InvariantCulture, out parameter))
            {
                return false;
            }
        }
        TransferFunction builtIn;
        try
        {
            builtIn = TransferFunction.FromName(name);
        }
        catch (ArgumentException)
        {
            return false;   // a built-in's form with a parameter out of its range: some other function's name
        }
        return builtIn.Equals(transfer) && transfer.Equals(builtIn);
    }

    private static readonly HashSet<string> BaseNames = new(
        ["logistic", "tanh", "relu", "leaky-relu", "identity", "softmax", "elu", "selu", "softplus", "gelu", "gelu-tanh", "silu",
         "softsign", "hard-tanh", "elliott", "gaussian", "sin", "exp"], StringComparer.Ordinal);

    private static void Selu(GraphBuilder graph, string node)
    {
        var selu = graph.Apply("Selu", node + "selu");
        GraphBuilder.SetAttribute(selu, "alpha", SeluAlpha);
        GraphBuilder.SetAttribute(selu, "gamma", SeluScale);
    }

    // y = x > 20 ? x : log(1 + e^x).
    private static void Softplus(GraphBuilder graph, string node)
    {
        string x = graph.Current;
        string smooth = graph.Apply("Softplus", node + "softplus").Output[0];
        string above = graph.Combine("Greater", node + "softplus_linear", x, graph.Constant("softplus_threshold", SoftplusThreshold)).Output[0];
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
        graph.Apply("Mul", node + "gelu_scale", graph.Constant("gelu_inv_sqrt2", InverseSqrt2));
        graph.Apply("Erf", node + "gelu_erf");
        HalfTimesOnePlus(graph, node + "gelu", x);
    }

    // y = (x 0.5)(1 + tanh((x β)((x x) κ + 1))), GeluTanhOperator's order.
    private static void GeluTanh(GraphBuilder graph, string node)
    {
        string x = graph.Current;
        graph.Combine("Mul", node + "gelu_tanh_square", x, x);
        graph.Apply("Mul", node + "gelu_tanh_kappa", graph.Constant("gelu_kappa", GeluKappa));
        string cubic = graph.Apply("Add", node + "gelu_tanh_cubic", graph.Constant("one", 1f)).Output[0];
        string scaled = graph.Combine("Mul", node + "gelu_tanh_beta", x, graph.Constant("gelu_beta", GeluBeta)).Output[0];
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
