namespace FastBackprop;

/// <summary>The user-defined transfer functions registered by name (<see cref="TransferFunction.Register"/>), so that
/// model files and checkpoints that name them load. Names compare case-insensitively, as built-in names do.
/// Thread-safe: one lock around a dictionary, taken only to register and to look a name up (never per step).</summary>
internal static class TransferFunctionRegistry
{
    /// <summary>The longest name a model file stores (DenseFormat).</summary>
    internal const int MaxNameLength = 64;

    private static readonly Dictionary<string, TransferFunction> Functions = new(StringComparer.OrdinalIgnoreCase);
    private static readonly Lock Gate = new();

    public static bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TransferFunction? function)
    {
        lock (Gate) return Functions.TryGetValue(name, out function);
    }

    public static void Add(TransferFunction function)
    {
        string name = function.Name;
        if (name is null || name.Length is < 1 or > MaxNameLength || name.Trim() != name || !IsPrintableAscii(name))
        {
            throw new ArgumentException($"function's name is '{name}'; expected 1 to {MaxNameLength} printable ASCII characters without leading or trailing spaces.", nameof(function));
        }
        if (TransferFunction.ParseBuiltIn(name, out string? problem) is not null || problem is not null)
        {
            throw new ArgumentException($"function's name is '{name}', which is a built-in transfer function's name; choose another.", nameof(function));
        }
        if (function.IsBuiltIn) throw new ArgumentException($"function is the built-in '{name}', which needs no registering.", nameof(function));
        if (function is ElementwiseTransferFunction elementwise) elementwise.EnsureDerivativeChecked(nameof(function));
        lock (Gate)
        {
            if (Functions.TryGetValue(name, out TransferFunction? existing))
            {
                if (ReferenceEquals(existing, function) || existing.Equals(function)) return;
                throw new ArgumentException($"the name '{name}' is already registered for another function ({existing.GetType().FullName}); a name stands for one function.", nameof(function));
            }
            Functions.Add(name, function);
        }
    }

    private static bool IsPrintableAscii(string s)
    {
        foreach (char c in s)
        {
            if (c is < ' ' or > '~') return false;
        }
        return true;
    }
}
