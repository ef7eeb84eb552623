namespace FastBackprop.IO;

// ---------------------------------------------------------------------------------------------
// How each layer kind is stored in a model file. A kind has a name (lower-case ASCII, stored in
// version 2 files) and writes and reads its own hyper-parameters (its "payload") through the
// shared FieldWriter / FieldReader; the parameters themselves are in the network's one buffer and
// are stored by ModelFile, not here.
//
// Version 1 files (Dense networks only, as every earlier build wrote them) hold per layer just the
// Dense payload. Version 2 files hold per layer: kind name (uint8 length + ASCII), payload length
// (int32), payload. A network of Dense layers only is still written as version 1, byte for byte.
//
// Adding a layer kind: one new file with a LayerFormat<TLayer> subclass, and one line in All.
// ---------------------------------------------------------------------------------------------

/// <summary>The storage of one layer kind's hyper-parameters.</summary>
internal abstract class LayerFormat
{
    /// <summary>The kind's name in version 2 files, e.g. "dense": 1 to <see cref="LayerFormats.MaxKindLength"/>
    /// lower-case ASCII letters, digits or '-'. Never change it: files hold it.</summary>
    public abstract string Kind { get; }

    /// <summary>Whether <paramref name="layer"/> is of this kind.</summary>
    public abstract bool Handles(Layer layer);

    /// <summary>Writes <paramref name="layer"/>'s hyper-parameters.</summary>
    /// <exception cref="ArgumentException">The layer cannot be stored (say why, naming <paramref name="paramName"/>).</exception>
    public abstract void Write(FieldWriter writer, Layer layer, string paramName);

    /// <summary>Reads what <see cref="Write"/> wrote and returns the layer, layer <paramref name="index"/> of the network.</summary>
    /// <exception cref="Data.DataFormatException">A value is out of range (use <see cref="FieldReader.Error"/>, naming the layer).</exception>
    public abstract Layer Read(ref FieldReader reader, int index);
}

/// <summary>A <see cref="LayerFormat"/> for layers of type <typeparamref name="TLayer"/>.</summary>
internal abstract class LayerFormat<TLayer> : LayerFormat
    where TLayer : Layer
{
    public sealed override bool Handles(Layer layer) => layer is TLayer;

    public sealed override void Write(FieldWriter writer, Layer layer, string paramName) => Write(writer, (TLayer)layer, paramName);

    /// <inheritdoc cref="LayerFormat.Write"/>
    protected abstract void Write(FieldWriter writer, TLayer layer, string paramName);
}

/// <summary>The registry of layer formats, and the per-layer records of model file versions 1 and 2.</summary>
internal static class LayerFormats
{
    /// <summary>The longest kind name.</summary>
    public const int MaxKindLength = 32;

    // The registration: one entry per layer kind.
    private static readonly LayerFormat[] All = [DenseFormat.Instance, DropoutFormat.Instance];

    /// <summary>The oldest version that can hold every layer of <paramref name="definition"/>: 1 for Dense only, else 2.</summary>
    public static ushort VersionFor(NetworkDefinition definition)
    {
        foreach (Layer layer in definition.Layers)
        {
            if (layer is not Dense) return 2;
        }
        return 1;
    }

    /// <summary>Writes layer <paramref name="layer"/>'s record in the format of <paramref name="version"/>.</summary>
    public static void Write(FieldWriter writer, Layer layer, ushort version, string paramName)
    {
        LayerFormat format = For(layer);
        if (version == 1)
        {
            if (format != DenseFormat.Instance) throw new ArgumentException($"{paramName} has a {format.Kind} layer; model file version 1 holds only dense layers.", paramName);
            format.Write(writer, layer, paramName);
            return;
        }
        writer.Name(format.Kind);
        int start = writer.BeginSection();
        format.Write(writer, layer, paramName);
        writer.EndSection(start);
    }

    /// <summary>Reads layer <paramref name="index"/>'s record of a file of <paramref name="version"/>.</summary>
    public static Layer Read(ref FieldReader reader, ushort version, int index)
    {
        if (version == 1) return DenseFormat.Instance.Read(ref reader, index);
        long start = reader.Position;
        string kind = reader.Name(MaxKindLength, $"layer {index} kind name");
        LayerFormat format = Find(kind) ?? throw reader.ErrorAt(start, $"layer {index} is of the unknown kind '{kind}'; this build reads {KnownKinds()}.");
        int length = reader.Int32();
        if (length < 0 || length > reader.Remaining)
        {
            throw reader.Error(-4, $"layer {index} ({kind}) payload length {length}; only {reader.Remaining} bytes remain.");
        }
        FieldReader payload = reader.Section(length, $"layer {index}'s payload");
        Layer layer = format.Read(ref payload, index);
        if (payload.Remaining != 0) throw payload.Error(0, $"layer {index} ({kind}) has {payload.Remaining} unexpected bytes at the end of its payload.");
        return layer;
    }

    private static LayerFormat For(Layer layer)
    {
        foreach (LayerFormat format in All)
        {
            if (format.Handles(layer)) return format;
        }
        throw new InvalidOperationException($"no model file format is registered for the layer kind {layer.GetType().Name} (IO/LayerFormats.cs).");
    }

    private static LayerFormat? Find(string kind)
    {
        foreach (LayerFormat format in All)
        {
            if (format.Kind == kind) return format;
        }
        return null;
    }

    private static string KnownKinds() => string.Join(", ", Array.ConvertAll(All, f => f.Kind));
}
