namespace FastBackprop.IO;

/// <summary>The payload of a <see cref="Dense"/> layer, which is also the whole per-layer record of model file
/// version 1: width (int32, at least 1), transfer function name (uint8 length 1..64, ASCII, as
/// <see cref="TransferFunction.Name"/> writes it, e.g. "leaky-relu(0.01)").</summary>
internal sealed class DenseFormat : LayerFormat<Dense>
{
    private const int MaxNameLength = TransferFunctionRegistry.MaxNameLength;   // the longest name Register accepts

    private DenseFormat()
    {
    }

    public static DenseFormat Instance { get; } = new();

    public override string Kind => "dense";

    public override Layer Read(ref FieldReader reader, int index)
    {
        int width = reader.Int32();
        if (width < 1) throw reader.Error(-4, $"layer {index} width {width}; expected at least 1.");
        long nameStart = reader.Position;
        string name = reader.Name(MaxNameLength, $"layer {index} transfer function name");
        try
        {
            return new Dense(width, TransferFunction.FromName(name));
        }
        catch (ArgumentException e)
        {
            throw reader.ErrorAt(nameStart, $"layer {index}: unknown transfer function '{name}' (neither built in nor registered with TransferFunction.Register).", e);
        }
    }

    protected override void Write(FieldWriter writer, Dense layer, string paramName)
    {
        string name = layer.Transfer.Name;
        if (!IsStorable(layer.Transfer))
        {
            throw new ArgumentException($"model uses the custom transfer function '{name}', which is not registered; register it with " +
                "TransferFunction.Register to store it (built-in functions and registered ones can be stored).", paramName);
        }
        writer.Int32(layer.Width);
        writer.Name(name);
    }

    // Storable when its name reads back as this very function: a built-in, or the function registered under the name.
    internal static bool IsStorable(TransferFunction function)
    {
        string name = function.Name;
        if (name.Length is < 1 or > MaxNameLength) return false;
        try
        {
            TransferFunction named = TransferFunction.FromName(name);
            return named.Name == name && (ReferenceEquals(named, function) || named.Equals(function));
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
