namespace FastBackprop.IO;

/// <summary>The payload of a <see cref="Dropout"/> layer (model file version 2 only): the rate p (float32, in [0, 1)).</summary>
internal sealed class DropoutFormat : LayerFormat<Dropout>
{
    private DropoutFormat()
    {
    }

    public static DropoutFormat Instance { get; } = new();

    public override string Kind => "dropout";

    public override Layer Read(ref FieldReader reader, int index)
    {
        float rate = reader.Single();
        if (!(rate >= 0f && rate < 1f)) throw reader.Error(-4, $"layer {index} dropout rate {rate}; expected a probability in [0, 1).");
        return new Dropout(rate);
    }

    protected override void Write(FieldWriter writer, Dropout layer, string paramName) => writer.Single(layer.Rate);
}
