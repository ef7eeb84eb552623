using System.Buffers;
using System.Text;
using System.Text.Json;
using FastBackprop.Data;

namespace FastBackprop.IO;

// ---------------------------------------------------------------------------------------------
// What a FastBackprop safetensors file says besides its tensors, in "__metadata__" (string values; these three
// are JSON text themselves):
//
//   "fastbackprop.network"         {"version":1,"input_width":64,"loss":"ce","layers":[
//                                     {"kind":"dense","width":128,"transfer":"relu"},
//                                     {"kind":"dropout","rate":0.2},
//                                     {"kind":"dense","width":10,"transfer":"softmax"}]}
//                                  transfer and loss are TransferFunction.Name and Loss.Name (with their parameters,
//                                  e.g. "leaky-relu(0.01)", "huber(1.5)"); numbers are float32 written to round trip
//   "fastbackprop.input_scaling"   {"kind":"min-max"|"standardization","offset":[...],"scale":[...]}: the network's
//                                  input is (raw - offset) * scale, per feature (absent: raw rows go in as they are)
//   "fastbackprop.target_scaling"  {"mean":[...],"std":[...]}: the outputs in target units are y * std + mean
//   "fastbackprop.metadata.<key>"  the model's own metadata entries
//
// And the names of the tensors: PyTorch's nn.Sequential numbers its modules 0, 1, 2, ...; a Dense layer is an
// nn.Linear (tensors "<i>.weight", shape [out, in], and "<i>.bias", shape [out]) followed by its activation
// module at i + 1, unless its transfer function is the identity (no module); a Dropout layer is an nn.Dropout
// (one index, no tensors). Every other transfer function also takes one index, PyTorch module or not
// (PyTorchSequential writes the module for each), so the numbering never depends on what PyTorch offers.
// ---------------------------------------------------------------------------------------------

/// <summary>One parameter tensor of a network: its name, its layer, where it starts in the parameter buffer, and its shape.</summary>
internal sealed record TensorSlot(string Name, int Layer, int Offset, long[] Shape)
{
    /// <summary>The number of elements.</summary>
    public int Count => (int)(Shape.Length == 1 ? Shape[0] : Shape[0] * Shape[1]);

    /// <summary>E.g. "[10, 128]".</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>The FastBackprop metadata of a safetensors file and the Sequential names of the tensors.</summary>
internal static class SafetensorsNetwork
{
    public const string NetworkKey = "fastbackprop.network";
    public const string InputScalingKey = "fastbackprop.input_scaling";
    public const string TargetScalingKey = "fastbackprop.target_scaling";
    public const string MetadataPrefix = "fastbackprop.metadata.";
    private const int Version = 1;

    /// <summary>The nn.Sequential index of each layer's first module (the nn.Linear of a Dense layer, the nn.Dropout
    /// of a Dropout layer).</summary>
    public static int[] ModuleIndices(NetworkDefinition definition)
    {
        var indices = new int[definition.LayerCount];
        int next = 0;
        for (int l = 0; l < indices.Length; l++)
        {
            indices[l] = next;
            next += definition.Layers[l] is Dense dense && !IsIdentity(dense.Transfer) ? 2 : 1;
        }
        return indices;
    }

    /// <summary>Whether <paramref name="function"/> is the identity, which takes no module in the Sequential.</summary>
    public static bool IsIdentity(TransferFunction function) => function is IdentityFunction;

    /// <summary>The tensors of <paramref name="definition"/>'s parameters, in layer order: each Dense layer's weight
    /// "&lt;i&gt;.weight" [out, in], then its bias "&lt;i&gt;.bias" [out], i the layer's Sequential index.</summary>
    public static List<TensorSlot> Tensors(NetworkDefinition definition)
    {
        int[] modules = ModuleIndices(definition);
        var tensors = new List<TensorSlot>();
        for (int l = 0; l < definition.LayerCount; l++)
        {
            if (definition.Layers[l] is not Dense) continue;
            LayerLayout layout = definition.GetLayout(l);
            string index = modules[l].ToString(System.Globalization.CultureInfo.InvariantCulture);
            tensors.Add(new TensorSlot(index + ".weight", l, layout.WeightOffset, [layout.Units, layout.Inputs]));
            tensors.Add(new TensorSlot(index + ".bias", l, layout.BiasOffset, [layout.Units]));
        }
        return tensors;
    }

    /// <summary>The "fastbackprop.network" value of <paramref name="definition"/>.</summary>
    public static string Describe(NetworkDefinition definition) => Json(writer =>
    {
        writer.WriteStartObject();
        writer.WriteNumber("version", Version);
        writer.WriteNumber("input_width", definition.InputWidth);
        writer.WriteString("loss", definition.Loss.Name);
        writer.WriteStartArray("layers");
        foreach (Layer layer in definition.Layers)
        {
            writer.WriteStartObject();
            if (layer is Dense dense)
            {
                writer.WriteString("kind", "dense");
                writer.WriteNumber("width", dense.Width);
                writer.WriteString("transfer", dense.Transfer.Name);
            }
            else
            {
                writer.WriteString("kind", "dropout");
                writer.WriteNumber("rate", ((Dropout)layer).Rate);
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    });

    /// <summary>The "fastbackprop.input_scaling" value of <paramref name="scaling"/>.</summary>
    public static string Describe(InputScaling scaling) => Json(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("kind", scaling.Kind == InputScalingKind.MinMax ? "min-max" : "standardization");
        Floats(writer, "offset", scaling.Offset);
        Floats(writer, "scale", scaling.Scale);
        writer.WriteEndObject();
    });

    /// <summary>The "fastbackprop.target_scaling" value of <paramref name="targets"/>.</summary>
    public static string Describe(TargetScaling targets) => Json(writer =>
    {
        writer.WriteStartObject();
        Floats(writer, "mean", targets.Mean);
        Floats(writer, "std", targets.StandardDeviation);
        writer.WriteEndObject();
    });

    /// <summary>The network a "fastbackprop.network" value describes.</summary>
    /// <exception cref="DataFormatException">The value is not such a description, or names an unknown function or
    /// loss, or an impossible network.</exception>
    public static NetworkDefinition ReadDefinition(string text, string source) => Read(text, NetworkKey, source, root =>
    {
        Fields(root, "version", "input_width", "loss", "layers");
        int version = Integer(root, "version");
        if (version != Version) throw new FormatException($"version {version}; this build reads version {Version}.");
        int inputWidth = Integer(root, "input_width");
        string lossName = Text(root, "loss");
        Loss loss = Named(() => Loss.FromName(lossName), $"unknown loss '{lossName}' (neither built in nor registered with Loss.Register)");
        JsonElement list = Property(root, "layers", JsonValueKind.Array);
        var layers = new Layer[list.GetArrayLength()];
        int l = 0;
        foreach (JsonElement item in list.EnumerateArray()) layers[l] = ReadLayer(item, l++);
        return Named(() => new NetworkDefinition(inputWidth, loss, layers), "the network is not valid");
    });

    /// <summary>The scaling a "fastbackprop.input_scaling" value describes, for <paramref name="width"/> inputs.</summary>
    public static InputScaling ReadInputScaling(string text, int width, string source) => Read(text, InputScalingKey, source, root =>
    {
        Fields(root, "kind", "offset", "scale");
        string kind = Text(root, "kind");
        InputScalingKind parsed = kind switch
        {
            "min-max" => InputScalingKind.MinMax,
            "standardization" => InputScalingKind.Standardization,
            _ => throw new FormatException($"kind '{kind}'; expected min-max or standardization."),
        };
        float[] offset = Floats(root, "offset", width), scale = Floats(root, "scale", width);
        return Named(() => new InputScaling(parsed, offset, scale), "invalid input scaling");
    });

    /// <summary>The scaling a "fastbackprop.target_scaling" value describes, for <paramref name="width"/> outputs.</summary>
    public static TargetScaling ReadTargetScaling(string text, int width, string source) => Read(text, TargetScalingKey, source, root =>
    {
        Fields(root, "mean", "std");
        float[] mean = Floats(root, "mean", width), deviation = Floats(root, "std", width);
        return Named(() => new TargetScaling(mean, deviation), "invalid target scaling");
    });

    private static Layer ReadLayer(JsonElement item, int index)
    {
        if (item.ValueKind != JsonValueKind.Object) throw new FormatException($"layers[{index}] is a {item.ValueKind}; expected an object.");
        string kind = Text(item, "kind");
        if (kind == "dense")
        {
            Fields(item, "kind", "width", "transfer");
            int width = Integer(item, "width");
            string transfer = Text(item, "transfer");
            return Named(() => new Dense(width, TransferFunction.FromName(transfer)), $"layers[{index}]: unknown transfer function '{transfer}' (neither built in nor registered with TransferFunction.Register), or width {width}");
        }
        if (kind == "dropout")
        {
            Fields(item, "kind", "rate");
            float rate = Single(item, "rate");
            return Named(() => new Dropout(rate), $"layers[{index}]");
        }
        throw new FormatException($"layers[{index}] is of the kind '{kind}'; expected dense or dropout.");
    }

    // ---- JSON pieces --------------------------------------------------------------------------

    private static string Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(writer);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    // Utf8JsonWriter writes a float in its shortest form that reads back as the same float.
    private static void Floats(Utf8JsonWriter writer, string name, ReadOnlySpan<float> values)
    {
        writer.WriteStartArray(name);
        foreach (float v in values) writer.WriteNumberValue(v);
        writer.WriteEndArray();
    }

    // Parses one metadata value; every problem becomes a DataFormatException naming the key.
    private static T Read<T>(string text, string key, string source, Func<JsonElement, T> parse)
    {
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = 8 });
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw new FormatException($"it is a {document.RootElement.ValueKind}; expected a JSON object.");
            return parse(document.RootElement);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw DataFormatException.InSource(source, $"metadata '{key}': {e.Message}");
        }
    }

    // Runs a constructor that checks its arguments; its ArgumentException becomes a FormatException.
    private static T Named<T>(Func<T> create, string what)
    {
        try
        {
            return create();
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"{what}: {e.Message}", e);
        }
    }

    // The object has only the given fields (JsonDocument has already refused a field given twice).
    private static void Fields(JsonElement element, params ReadOnlySpan<string> allowed)
    {
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (!allowed.Contains(property.Name)) throw new FormatException($"unexpected field '{property.Name}'; expected {string.Join(", ", allowed.ToArray())}.");
        }
    }

    private static JsonElement Property(JsonElement element, string name, JsonValueKind kind)
    {
        if (!element.TryGetProperty(name, out JsonElement value)) throw new FormatException($"the field '{name}' is missing.");
        if (value.ValueKind != kind) throw new FormatException($"'{name}' is a {value.ValueKind}; expected a {kind}.");
        return value;
    }

    private static string Text(JsonElement element, string name) => Property(element, name, JsonValueKind.String).GetString()!;

    private static int Integer(JsonElement element, string name) =>
        Property(element, name, JsonValueKind.Number).TryGetInt32(out int value) ? value : throw new FormatException($"'{name}' is not a whole number that fits an int32.");

    private static float Single(JsonElement element, string name) =>
        Property(element, name, JsonValueKind.Number).TryGetSingle(out float value) && float.IsFinite(value) ? value : throw new FormatException($"'{name}' is not a finite float32.");

    private static float[] Floats(JsonElement element, string name, int width)
    {
        JsonElement array = Property(element, name, JsonValueKind.Array);
        if (array.GetArrayLength() != width) throw new FormatException($"'{name}' has {array.GetArrayLength()} values; the network has {width}.");
        var values = new float[width];
        int i = 0;
        foreach (JsonElement item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetSingle(out values[i]) || !float.IsFinite(values[i]))
            {
                throw new FormatException($"'{name}'[{i}] is not a finite float32.");
            }
            i++;
        }
        return values;
    }
}
