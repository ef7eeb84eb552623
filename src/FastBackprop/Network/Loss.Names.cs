namespace FastBackprop;

public abstract partial class Loss
{
    /// <summary>The built-in names, as <see cref="FromName"/>'s messages and the command line list them.</summary>
    internal const string BuiltInNames = "hse, mse, mae, huber(delta), ce, ce(smoothing), bce, poisson";

    /// <summary>The loss called <paramref name="name"/> (case-insensitive), as <see cref="Name"/> writes it: "hse" (or
    /// "half-squared-error"), "mse", "mae", "huber(delta)" (delta finite and above 0, invariant culture; "huber" alone means
    /// 1), "ce" (or "cross-entropy"), "ce(smoothing)" (label smoothing in [0, 1]), "bce" (or "binary-cross-entropy"),
    /// "poisson"; or a loss given to <see cref="Register"/> under that name.</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> names no built-in or registered loss, or its parameter is not a number in range.</exception>
    public static Loss FromName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        Loss? builtIn = ParseBuiltIn(name, out string? problem);
        if (builtIn is not null) return builtIn;
        if (problem is not null) throw new ArgumentException($"name is '{name}'; {problem}", nameof(name));
        if (LossRegistry.TryGet(name.Trim(), out Loss? registered)) return registered;
        throw new ArgumentException($"name is '{name}'; expected one of {BuiltInNames}, or a name given to Loss.Register.", nameof(name));
    }

    /// <summary>Registers a user-defined loss under its <see cref="Name"/>, so that <see cref="FromName"/> returns it and model
    /// files and checkpoints that use it can be saved and loaded (register it before loading a file that names it). Its
    /// Derivative is first checked against central differences of its Value; a wrong one throws, naming the worst point
    /// and both values. Registering the same loss (or an equal one) again does nothing. Thread-safe.</summary>
    /// <param name="loss">The loss; its name 1 to 64 printable ASCII characters, no built-in's name.</param>
    /// <exception cref="ArgumentNullException"><paramref name="loss"/> is null.</exception>
    /// <exception cref="ArgumentException">The name is a built-in's, malformed, or registered for a different loss; or the derivative is wrong.</exception>
    public static void Register(ElementwiseLoss loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        LossRegistry.Add(loss);
    }

    /// <summary>The built-in loss <paramref name="name"/> names, or null with <paramref name="problem"/> set when it has a
    /// built-in's form with a bad parameter, or null and null when it is no built-in name.</summary>
    internal static Loss? ParseBuiltIn(string name, out string? problem)
    {
        problem = null;
        string n = name.Trim().ToLowerInvariant();
        switch (n)
        {
            case "hse" or "half-squared-error" or "halfsquarederror": return HalfSquaredError;
            case "mse" or "mean-squared-error" or "meansquarederror": return MeanSquaredError;
            case "mae" or "mean-absolute-error" or "meanabsoluteerror": return MeanAbsoluteError;
            case "huber": return Huber();
            case "ce" or "cross-entropy" or "crossentropy": return CrossEntropy;
            case "bce" or "binary-cross-entropy" or "binarycrossentropy": return BinaryCrossEntropy;
            case "poisson": return Poisson;
        }
        if (TransferFunction.Parameter(n, "huber(", out float delta))
        {
            if (delta > 0f && float.IsFinite(delta)) return Huber(delta);
            problem = "expected a huber delta that is finite and greater than 0, e.g. 'huber(1)'.";
        }
        else if (TransferFunction.Parameter(n, "ce(", out float smoothing))
        {
            if (smoothing is >= 0f and <= 1f) return CategoricalCrossEntropy(smoothing);
            problem = "expected a label smoothing in [0, 1], e.g. 'ce(0.1)'.";
        }
        else if (n.StartsWith("huber(", StringComparison.Ordinal) || n.StartsWith("ce(", StringComparison.Ordinal))
        {
            problem = "expected a number in the parentheses, e.g. 'huber(1)' or 'ce(0.1)'.";
        }
        return null;
    }
}
