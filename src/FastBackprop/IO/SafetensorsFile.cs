using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using FastBackprop.Data;

namespace FastBackprop.IO;

/// <summary>Saves and loads <see cref="Model"/>s as safetensors files that PyTorch loads into the matching
/// <c>nn.Sequential</c> of <c>nn.Linear</c> layers, and reads such files written by PyTorch.</summary>
/// <remarks>
/// <para>Tensors: a Dense layer is an nn.Linear whose weight is "&lt;i&gt;.weight", shape [out, in] (row k = unit
/// k's incoming weights, FastBackprop's own layout: no transpose), and whose bias is "&lt;i&gt;.bias", shape [out],
/// both F32; i is the Linear's index in the Sequential, where each layer's activation module takes the next index
/// (none for the identity) and a Dropout layer one index. So a 64-128-10 relu/softmax network holds "0.weight"
/// [128, 64], "0.bias", "2.weight" [10, 128] and "2.bias" (ReLU is module 1, Softmax module 3). Tensors are stored
/// in the order of their names (ordinal), as the reference writer does, and the header is padded with spaces to a
/// multiple of 8 bytes.</para>
/// <para>__metadata__: "format" = "pt"; "fastbackprop.network" (input width, layers, transfer functions with their
/// parameters, loss, as JSON); "fastbackprop.input_scaling" and "fastbackprop.target_scaling" when the model has them;
/// "fastbackprop.metadata.&lt;key&gt;" for each of the model's metadata entries; and "pytorch", the Python source of the
/// equivalent nn.Sequential. With them, <see cref="Load(string, NetworkDefinition?)"/> rebuilds the same model: the
/// same parameters bit for bit, hence the same Predict outputs.</para>
/// <para>Files without "fastbackprop.network" (as <c>safetensors.torch.save_file(model.state_dict())</c> writes them)
/// load with a <see cref="NetworkDefinition"/> that says what the nn.Sequential is: its tensors must be exactly the
/// ones the definition names, with its shapes. F32 tensors are read as they are, F16 and BF16 exactly, F64 rounded to
/// the nearest float32; any other dtype is refused.</para>
/// <para>Reading is strict: see SafetensorsHeader.cs. Every malformed file is a <see cref="DataFormatException"/>
/// naming the file, the byte and the field.</para>
/// </remarks>
public static class SafetensorsFile
{
    private const string FormatKey = "format", PyTorchKey = "pytorch";

    /// <summary>Saves <paramref name="model"/> to <paramref name="path"/> atomically: the file is either the complete
    /// new one or, if anything fails, left as it was.</summary>
    /// <exception cref="ArgumentException">A layer uses a custom transfer function, or the network a user-defined loss,
    /// that is not registered, or a parameter is NaN or infinite.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Save(string path, Model model)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.Write(path, Serialize(model));
    }

    /// <summary>Writes <paramref name="model"/> in the safetensors format to <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException">See <see cref="Save"/>.</exception>
    public static void Write(Stream destination, Model model)
    {
        ArgumentNullException.ThrowIfNull(destination);
        destination.Write(Serialize(model));
    }

    /// <summary>Loads a model from a safetensors file: its network as the file's "fastbackprop.network" describes it
    /// when <paramref name="definition"/> is null, else as <paramref name="definition"/> says (for files PyTorch wrote,
    /// which have no description; a description in the file is then not read). The input and target scalings and the
    /// model's metadata are taken from the file's metadata whenever it has them (a file PyTorch wrote has none: the
    /// model then has no scaling).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">The file is malformed, holds other tensors than the network needs, or has
    /// no FastBackprop metadata and no definition was given; the message names the file, the byte or field and the problem.</exception>
    public static Model Load(string path, NetworkDefinition? definition = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Deserialize(FramedFile.ReadAll(path, "a safetensors file"), Path.GetFileName(path), definition);
    }

    /// <summary>As <see cref="Load"/>, from the rest of <paramref name="source"/>.</summary>
    /// <param name="source">The stream, read to its end.</param>
    /// <param name="sourceName">The name messages give the stream.</param>
    /// <param name="definition">The network, for files without FastBackprop metadata; or null.</param>
    public static Model Read(Stream source, string sourceName, NetworkDefinition? definition = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var copy = new MemoryStream();
        source.CopyTo(copy);
        return Deserialize(copy.GetBuffer().AsSpan(0, (int)copy.Length), sourceName, definition);
    }

    /// <summary>The widths of the nn.Linear layers a safetensors file holds, input first: the "&lt;i&gt;.weight"
    /// matrices in the order of i, e.g. [64, 128, 10]; to build the <see cref="NetworkDefinition"/> a file that
    /// PyTorch wrote needs.</summary>
    /// <exception cref="DataFormatException">The file is malformed, has no "&lt;i&gt;.weight" matrices, or they do not chain
    /// (a layer's input width differs from the output width of the one before).</exception>
    public static int[] ReadLayerWidths(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return LayerWidths(FramedFile.ReadAll(path, "a safetensors file"), Path.GetFileName(path));
    }

    /// <summary>The bytes of <paramref name="model"/> in the safetensors format.</summary>
    /// <exception cref="ArgumentException">See <see cref="Save"/>.</exception>
    public static byte[] Serialize(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        NetworkDefinition definition = model.Network.Definition;
        ThrowHelper.CheckFinite(model.Network.Parameters, "model.Network.Parameters");
        CheckStorable(definition);
        List<TensorSlot> tensors = SafetensorsNetwork.Tensors(definition);
        tensors.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));   // the reference writer's order
        byte[] header = Header(model, tensors);
        var bytes = new byte[8 + header.Length + 4L * definition.ParameterCount];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        int at = 8 + header.Length;
        ReadOnlySpan<float> parameters = model.Network.Parameters;
        foreach (TensorSlot tensor in tensors)
        {
            WriteFloats(parameters.Slice(tensor.Offset, tensor.Count), bytes.AsSpan(at, 4 * tensor.Count));
            at += 4 * tensor.Count;
        }
        return bytes;
    }

    /// <summary>Parses the bytes of a safetensors file (see <see cref="Load"/>).</summary>
    /// <param name="bytes">The whole file.</param>
    /// <param name="sourceName">Name used in error messages (e.g. the file name).</param>
    /// <param name="definition">The network, for files without FastBackprop metadata; or null.</param>
    /// <exception cref="DataFormatException">See <see cref="Load"/>.</exception>
    public static Model Deserialize(ReadOnlySpan<byte> bytes, string sourceName, NetworkDefinition? definition = null)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        SafetensorsHeader header = SafetensorsHeader.Parse(bytes, sourceName);
        IReadOnlyDictionary<string, string>? stored = header.Metadata;
        if (definition is null)
        {
            if (stored is null || !stored.TryGetValue(SafetensorsNetwork.NetworkKey, out string? description))
            {
                throw DataFormatException.InSource(sourceName, $"__metadata__ has no '{SafetensorsNetwork.NetworkKey}' (a file PyTorch wrote?): load it with the " +
                    "NetworkDefinition of its nn.Sequential (SafetensorsFile.Load(path, definition); fastbackprop import --activation, --output-activation).");
            }
            definition = SafetensorsNetwork.ReadDefinition(description, sourceName);
        }
        Network network = ReadNetwork(bytes, header, definition, sourceName);
        return stored is null ? new Model(network, scaling: null) : WithMetadata(network, stored, sourceName);
    }

    // ---- writing ------------------------------------------------------------------------------

    private static void CheckStorable(NetworkDefinition definition)
    {
        foreach (Layer layer in definition.Layers)
        {
            if (layer is Dense dense && !DenseFormat.IsStorable(dense.Transfer))
            {
                throw new ArgumentException($"model uses the custom transfer function '{dense.Transfer.Name}', which is not registered; register it with " +
                    "TransferFunction.Register to store it (built-in functions and registered ones can be stored).", "model");
            }
        }
        if (!LossFormat.IsStorable(definition.Loss))
        {
            throw new ArgumentException($"model uses the loss '{definition.Loss.Name}', which is not registered; register it with Loss.Register to store it " +
                "(built-in losses and registered ones can be stored).", "model");
        }
    }

    // The JSON header, padded with spaces so that the buffer starts at a multiple of 8 bytes.
    private static byte[] Header(Model model, List<TensorSlot> tensors)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteStartObject(SafetensorsHeader.MetadataKey);
            foreach ((string key, string value) in Metadata(model)) writer.WriteString(key, value);
            writer.WriteEndObject();
            long begin = 0;
            foreach (TensorSlot tensor in tensors)
            {
                long end = begin + 4L * tensor.Count;
                writer.WriteStartObject(tensor.Name);
                writer.WriteString("dtype", "F32");
                writer.WriteStartArray("shape");
                foreach (long d in tensor.Shape) writer.WriteNumberValue(d);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(begin);
                writer.WriteNumberValue(end);
                writer.WriteEndArray();
                writer.WriteEndObject();
                begin = end;
            }
            writer.WriteEndObject();
        }
        int padded = (buffer.WrittenCount + 7) / 8 * 8;
        var header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static List<(string Key, string Value)> Metadata(Model model)
    {
        NetworkDefinition definition = model.Network.Definition;
        var entries = new List<(string Key, string Value)>
        {
            (FormatKey, "pt"),
            (SafetensorsNetwork.NetworkKey, SafetensorsNetwork.Describe(definition)),
        };
        if (model.Scaling is not null) entries.Add((SafetensorsNetwork.InputScalingKey, SafetensorsNetwork.Describe(model.Scaling)));
        if (model.TargetScaling is not null) entries.Add((SafetensorsNetwork.TargetScalingKey, SafetensorsNetwork.Describe(model.TargetScaling)));
        var own = new List<string>(model.Metadata.Keys);
        own.Sort(StringComparer.Ordinal);
        foreach (string key in own) entries.Add((SafetensorsNetwork.MetadataPrefix + key, model.Metadata[key]));
        entries.Add((PyTorchKey, PyTorchSequential.Source(definition, model.Scaling is not null, model.TargetScaling is not null)));
        return entries;
    }

    private static void WriteFloats(ReadOnlySpan<float> values, Span<byte> destination)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(destination);   // the format's byte order already
            return;
        }
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(destination.Slice(4 * i, 4), values[i]);
    }

    // ---- reading ------------------------------------------------------------------------------

    // Every tensor the definition names, with its shape, and no other (all checked before the network is allocated);
    // their values into the network's parameter buffer.
    private static Network ReadNetwork(ReadOnlySpan<byte> bytes, SafetensorsHeader header, NetworkDefinition definition, string source)
    {
        List<TensorSlot> slots = SafetensorsNetwork.Tensors(definition);
        var found = new SafetensorsTensor[slots.Count];
        var expected = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < slots.Count; i++)
        {
            found[i] = Expect(header, definition, slots[i], source);
            expected.Add(slots[i].Name);
        }
        foreach (SafetensorsTensor tensor in header.Tensors)
        {
            if (!expected.Contains(tensor.Name))
            {
                throw DataFormatException.AtByte(source, tensor.HeaderOffset, $"tensor '{tensor.Name}' {tensor.ShapeText} belongs to no layer of {definition} " +
                    $"(it has {string.Join(", ", slots.Select(t => t.Name))}).");
            }
        }
        var network = new Network(definition);
        for (int i = 0; i < slots.Count; i++) Convert(bytes, header, found[i], network.Parameters[slots[i].Offset..], source);
        return network;
    }

    private static SafetensorsTensor Expect(SafetensorsHeader header, NetworkDefinition definition, TensorSlot slot, string source)
    {
        string layer = $"layer {slot.Layer} ({definition.Layers[slot.Layer]}) of {definition}";
        SafetensorsTensor? tensor = header.Find(slot.Name);
        if (tensor is null)
        {
            var names = new List<string>();
            foreach (SafetensorsTensor t in header.Tensors) names.Add(t.Name);
            names.Sort(StringComparer.Ordinal);
            throw DataFormatException.InSource(source, $"no tensor '{slot.Name}' for {layer}; the file has " +
                $"{(names.Count == 0 ? "no tensors" : string.Join(", ", names))} (a module the definition lacks, such as nn.Dropout, shifts the Sequential's numbering).");
        }
        if (!tensor.Shape.AsSpan().SequenceEqual(slot.Shape))
        {
            throw DataFormatException.AtByte(source, tensor.HeaderOffset, $"tensor '{slot.Name}' has shape {tensor.ShapeText}; {layer} needs {slot.ShapeText}.");
        }
        if (!SafetensorsDtype.IsReadable(tensor.Dtype))
        {
            throw DataFormatException.AtByte(source, tensor.HeaderOffset, $"tensor '{slot.Name}' has the dtype {tensor.Dtype}; FastBackprop reads {SafetensorsDtype.Readable}.");
        }
        return tensor;
    }

    // The tensor's elements as float32 into the start of destination; each must be finite.
    private static void Convert(ReadOnlySpan<byte> bytes, SafetensorsHeader header, SafetensorsTensor tensor, Span<float> destination, string source)
    {
        int size = SafetensorsDtype.Size(tensor.Dtype), count = (int)((tensor.End - tensor.Begin) / size);
        Span<float> values = destination[..count];
        long start = header.BufferStart + tensor.Begin;
        SafetensorsDtype.ToSingles(tensor.Dtype, bytes.Slice((int)start, count * size), values);
        for (int i = 0; i < count; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw DataFormatException.AtByte(source, start + (long)size * i, $"tensor '{tensor.Name}' element {i} is {values[i]}{(tensor.Dtype == "F32" ? "" : $" (as float32, from {tensor.Dtype})")}; expected a finite number.");
            }
        }
    }

    private static Model WithMetadata(Network network, IReadOnlyDictionary<string, string> stored, string source)
    {
        NetworkDefinition definition = network.Definition;
        InputScaling? scaling = stored.TryGetValue(SafetensorsNetwork.InputScalingKey, out string? s)
            ? SafetensorsNetwork.ReadInputScaling(s, definition.InputWidth, source) : null;
        TargetScaling? targets = stored.TryGetValue(SafetensorsNetwork.TargetScalingKey, out string? t)
            ? SafetensorsNetwork.ReadTargetScaling(t, definition.OutputWidth, source) : null;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string key, string value) in stored)
        {
            if (key.StartsWith(SafetensorsNetwork.MetadataPrefix, StringComparison.Ordinal)) metadata[key[SafetensorsNetwork.MetadataPrefix.Length..]] = value;
        }
        return new Model(network, scaling, metadata) { TargetScaling = targets };
    }

    private static int[] LayerWidths(ReadOnlySpan<byte> bytes, string source)
    {
        SafetensorsHeader header = SafetensorsHeader.Parse(bytes, source);
        var weights = new SortedList<int, SafetensorsTensor>();
        foreach (SafetensorsTensor tensor in header.Tensors)
        {
            string name = tensor.Name;
            if (!name.EndsWith(".weight", StringComparison.Ordinal) || !int.TryParse(name.AsSpan(0, name.Length - 7), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out int index) || tensor.Shape.Length != 2) continue;
            weights[index] = tensor;
        }
        if (weights.Count == 0) throw DataFormatException.InSource(source, "no nn.Linear weights ('<i>.weight' matrices, i the Sequential's index); expected an nn.Sequential's state dict.");
        var widths = new List<int>();
        foreach (SafetensorsTensor tensor in weights.Values)
        {
            if (tensor.Shape[0] is < 1 or > int.MaxValue || tensor.Shape[1] is < 1 or > int.MaxValue)
            {
                throw DataFormatException.AtByte(source, tensor.HeaderOffset, $"tensor '{tensor.Name}' has shape {tensor.ShapeText}; expected [out, in], each 1 to {int.MaxValue}.");
            }
            if (widths.Count == 0) widths.Add((int)tensor.Shape[1]);
            else if (tensor.Shape[1] != widths[^1])
            {
                throw DataFormatException.AtByte(source, tensor.HeaderOffset, $"tensor '{tensor.Name}' has shape {tensor.ShapeText}: {tensor.Shape[1]} inputs, but the layer before has {widths[^1]} outputs.");
            }
            widths.Add((int)tensor.Shape[0]);
        }
        return [.. widths];
    }
}
