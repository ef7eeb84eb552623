namespace FastBackprop.IO;

/// <summary>The payload of a <see cref="Dense"/> layer, which is also the whole per-layer record of model file
/// version 1: width (int32, at least 1), transfer function name (uint8 length 1..64, ASCII, as
/// <see cref="TransferFunction.Name"/> writes it, e.g. "leaky-relu(0.01)").</summary>
internal sealed class DenseFormat : LayerFormat<Dense>
{
    private const int MaxNameLength = 64;

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
            throw reader.ErrorAt(nameStart, $"layer {index}: unknown transfer function '{name}'.", e);
        }
    }

    protected override void Write(FieldWriter writer, Dense layer, string paramName)
    {
        string name = layer.Transfer.Name;
        if (layer.Transfer.Form == ScalarForm.Custom || !IsStorable(name))
        {
            throw new ArgumentException($"model uses the custom transfer function '{name}'; only built-in functions (TransferFunction.FromName) can be stored.", paramName);
        }
        writer.Int32(layer.Width);
        writer.Name(name);
    }

    private static bool IsStorable(string name)
    {
        if (name.Length is < 1 or > MaxNameLength) return false;
        try
        {
            return TransferFunction.FromName(name).Name == name;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
