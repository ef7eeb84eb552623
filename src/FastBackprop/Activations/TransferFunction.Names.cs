using System.Globalization;

namespace FastBackprop;

public abstract partial class TransferFunction
{
    /// <summary>The built-in names, as <see cref="FromName"/>'s messages and the command line list them.</summary>
    internal const string BuiltInNames =
        "logistic, tanh, relu, leaky-relu(slope), identity, softmax, elu(alpha), selu, softplus, gelu, gelu-tanh, silu, softsign, hard-tanh, elliott, gaussian, sin, exp";

    /// <summary>The function called <paramref name="name"/>, as written by <see cref="Name"/>: a built-in one
    /// (case-insensitive): "logistic" (or "sigmoid"), "tanh", "relu", "leaky-relu(slope)" (slope in invariant culture,
    /// in [0, 1); "leaky-relu" alone means 0.01), "identity" (or "linear"), "softmax", "elu(alpha)" (alpha finite and
    /// above 0; "elu" alone means 1), "selu", "softplus", "gelu", "gelu-tanh", "silu" (or "swish"), "softsign",
    /// "hard-tanh", "elliott", "gaussian", "sin", "exp"; or a function given to <see cref="Register"/> under that name.</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> names no built-in or registered function, or its parameter is not a number in range.</exception>
    public static TransferFunction FromName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        TransferFunction? builtIn = ParseBuiltIn(name, out string? problem);
        if (builtIn is not null) return builtIn;
        if (problem is not null) throw new ArgumentException($"name is '{name}'; {problem}", nameof(name));
        if (TransferFunctionRegistry.TryGet(name.Trim(), out TransferFunction? registered)) return registered;
        throw new ArgumentException($"name is '{name}'; expected one of {BuiltInNames}, or a name given to TransferFunction.Register.", nameof(name));
    }

    /// <summary>The built-in function <paramref name="name"/> names, or null with <paramref name="problem"/> set when it
    /// has a built-in's form with a bad parameter, or null and null when it is no built-in name.</summary>
    internal static TransferFunction? ParseBuiltIn(string name, out string? problem)
    {
        problem = null;
        string n = name.Trim().ToLowerInvariant();
        switch (n)
        {
            case "logistic" or "sigmoid": return Logistic;
            case "tanh": return Tanh;
            case "relu": return Relu;
            case "identity" or "linear": return Identity;
            case "softmax": return Softmax;
            case "leaky-relu" or "leakyrelu": return LeakyRelu();
            case "elu": return Elu();
            case "selu": return Selu;
            case "softplus": return Softplus;
            case "gelu": return Gelu;
            case "gelu-tanh": return GeluTanh;
            case "silu" or "swish": return Silu;
            case "softsign": return Softsign;
            case "hard-tanh" or "hardtanh": return HardTanh;
            case "elliott" or "elliot": return Elliott;
            case "gaussian": return Gaussian;
            case "sin": return Sine;
            case "exp": return Exp;
        }
        if (Parameter(n, "leaky-relu(", out float slope))
        {
            if (slope >= 0f && slope < 1f) return LeakyRelu(slope);
            problem = "expected a leaky-relu slope in [0, 1), e.g. 'leaky-relu(0.01)'.";
        }
        else if (Parameter(n, "elu(", out float alpha))
        {
            if (alpha > 0f && float.IsFinite(alpha)) return Elu(alpha);
            problem = "expected an elu alpha that is finite and greater than 0, e.g. 'elu(1)'.";
        }
        else if (n.StartsWith("leaky-relu(", StringComparison.Ordinal) || n.StartsWith("elu(", StringComparison.Ordinal))
        {
            problem = "expected a number in the parentheses, e.g. 'leaky-relu(0.01)' or 'elu(1)'.";
        }
        return null;
    }

    // "prefix(number)": true with the number when the parentheses hold one (NaN when it is not a number).
    internal static bool Parameter(string n, string prefix, out float value)
    {
        value = float.NaN;
        if (!n.StartsWith(prefix, StringComparison.Ordinal) || !n.EndsWith(')')) return false;
        return float.TryParse(n[prefix.Length..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }
}
