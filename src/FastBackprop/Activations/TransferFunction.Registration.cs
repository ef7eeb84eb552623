namespace FastBackprop;

public abstract partial class TransferFunction
{
    /// <summary>Registers a user-defined function under its <see cref="Name"/>, so that <see cref="FromName"/> returns it
    /// and model files (IO.ModelFile) and checkpoints that use it can be saved and loaded. Register it before loading a
    /// file that names it. An element-wise function's Derivative is first checked against central differences of its
    /// Function (at 96 points over (-6, 6) and 8 large ones); a wrong one throws, naming the worst point and both
    /// values. Registering the same function (or an equal one) again does nothing. Thread-safe.</summary>
    /// <param name="function">The function; its name 1 to 64 printable ASCII characters, no built-in's name.</param>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    /// <exception cref="ArgumentException">The name is a built-in's, malformed, or registered for a different function;
    /// or the function is built in; or its derivative is wrong.</exception>
    public static void Register(TransferFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        TransferFunctionRegistry.Add(function);
    }
}
