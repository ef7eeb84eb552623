namespace FastBackprop;

/// <summary>The user-defined transfer functions registered by name (<see cref="TransferFunction.Register"/>), so that
/// model files and checkpoints that name them load (a <see cref="NameRegistry{T}"/>).</summary>
internal static class TransferFunctionRegistry
{
    /// <summary>The longest name a model file stores (DenseFormat).</summary>
    internal const int MaxNameLength = NameRegistry<TransferFunction>.MaxNameLength;

    private static readonly NameRegistry<TransferFunction> Functions = new();

    public static bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TransferFunction? function) => Functions.TryGet(name, out function);

    public static void Add(TransferFunction function)
    {
        string name = function.Name;
        NameRegistry<TransferFunction>.CheckName(name, nameof(function));
        if (TransferFunction.ParseBuiltIn(name, out string? problem) is not null || problem is not null)
        {
            throw new ArgumentException($"function's name is '{name}', which is a built-in transfer function's name; choose another.", nameof(function));
        }
        if (function.IsBuiltIn) throw new ArgumentException($"function is the built-in '{name}', which needs no registering.", nameof(function));
        if (function is ElementwiseTransferFunction elementwise) elementwise.EnsureDerivativeChecked(nameof(function));
        Functions.Add(name, function, "function", nameof(function));
    }
}
