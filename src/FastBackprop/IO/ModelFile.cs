using FastBackprop.Data;

namespace FastBackprop.IO;

// ---------------------------------------------------------------------------------------------
// Model file format, versions 1 and 2. Little-endian throughout; strings are UTF-8 with a length
// prefix. The frame (magic, version, CRC) is FramedFile's; the per-layer records are LayerFormats'.
//
//   offset  size        field
//   0       8           magic "FBPMODEL"
//   8       2           format version (uint16): 1 when every layer is Dense, else 2
//   10      1           loss (0 = HalfSquaredError, 1 = CrossEntropy, 2 = by name: LossFormat)
//   (11)    1 + n       with loss 2 only: its name, uint8 length n (1..64) + ASCII, e.g. "huber(1.5)"; the
//                       fields below then start n + 1 bytes later
//   11      1           input scaling (0 = none, 1 = min-max, 2 = standardisation)
//   12      4           input width (int32, >= 1)
//   16      4           layer count L (int32, 1..4096)
//   then L layer records:
//     version 1:        width (int32, >= 1), name length (uint8, 1..64), transfer function name
//                       (ASCII, as TransferFunction.Name writes it, e.g. "leaky-relu(0.01)")
//     version 2:        kind name (uint8 length 1..32 + ASCII, e.g. "dense"), payload length (int32),
//                       payload: the kind's hyper-parameters (for dense: the version 1 record)
//   if scaling != 0:    offset float32[input width], scale float32[input width]
//   then                parameter count P (int32, must equal the count the layers imply)
//                       parameters float32[P], in Network.Parameters layout, all finite
//                       metadata count M (int32, 0..65536), then M times: key, value
//                       (each int32 byte length + UTF-8 bytes)
//   then                optional sections, each a name (int32 byte length + UTF-8) and its fields;
//                       absent from files without them, so older files load unchanged:
//     "target-scaling": kind (uint8, 1 = standardisation), width (int32, = output width),
//                       mean float32[width], standard deviation float32[width] (each > 0)
//                       (Model.TargetScaling; an older reader stops at it with "unexpected bytes")
//   last 4              CRC-32 (IEEE) of every byte before it
//
// The CRC is checked before anything is parsed, so a flipped bit anywhere is reported as such;
// the parser still bounds-checks every field, so no length in the file can make it read past the
// end or allocate more than the file's own size. Saving writes a temporary file in the target
// folder, flushes it to disk and renames it over the target: the old model survives a crash.
// ---------------------------------------------------------------------------------------------

/// <summary>Saves and loads <see cref="Model"/>s in FastBackprop's checksummed binary format
/// (format described at the top of ModelFile.cs). Round trips are bit exact.</summary>
public static class ModelFile
{
    private static ReadOnlySpan<byte> Magic => "FBPMODEL"u8;
    private const int MaxLayers = 4096;
    private const int MaxMetadataEntries = 65536;

    /// <summary>Saves <paramref name="model"/> to <paramref name="path"/> atomically: the file is either
    /// the complete new model or, if anything fails, left as it was.</summary>
    /// <exception cref="ArgumentException">A layer uses a custom transfer function, or the network a user-defined loss,
    /// that is not registered (only built-in and registered ones can be stored), or a parameter is NaN or infinite.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Save(string path, Model model)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(model);
        AtomicFile.Write(path, Serialize(model));
    }

    /// <summary>Loads a model saved by <see cref="Save"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">The file is not a model file, is truncated or corrupt
    /// (CRC mismatch), or holds an impossible field; the message names the file, the byte and the problem.</exception>
    public static Model Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Deserialize(FramedFile.ReadAll(path, "a model file"), Path.GetFileName(path));
    }

    /// <summary>The bytes of <paramref name="model"/> in the model file format.</summary>
    /// <exception cref="ArgumentException">See <see cref="Save"/>.</exception>
    public static byte[] Serialize(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Serialize(model, LayerFormats.VersionFor(model.Network.Definition));
    }

    /// <summary>The bytes of <paramref name="model"/> in format <paramref name="version"/> (1 or 2; 1 holds Dense layers only).</summary>
    internal static byte[] Serialize(Model model, ushort version)
    {
        Network network = model.Network;
        NetworkDefinition definition = network.Definition;
        ThrowHelper.CheckFinite(network.Parameters, "model.Network.Parameters");
        FieldWriter writer = FramedFile.Begin(Magic, version);
        LossFormat.Write(writer, definition.Loss, nameof(model));
        writer.Byte((byte)(model.Scaling is null ? 0 : (int)model.Scaling.Kind));
        writer.Int32(definition.InputWidth);
        writer.Int32(definition.LayerCount);
        foreach (Layer layer in definition.Layers) LayerFormats.Write(writer, layer, version, nameof(model));
        if (model.Scaling is not null)
        {
            writer.Floats(model.Scaling.Offset);
            writer.Floats(model.Scaling.Scale);
        }
        writer.Int32(definition.ParameterCount);
        writer.Floats(network.Parameters);
        writer.Int32(model.Metadata.Count);
        foreach (KeyValuePair<string, string> entry in model.Metadata.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            writer.String(entry.Key);
            writer.String(entry.Value);
        }
        if (model.TargetScaling is { } targets) WriteTargetScaling(writer, targets);
        return FramedFile.Seal(writer);
    }

    /// <summary>Parses the bytes of a model file.</summary>
    /// <param name="bytes">The whole file.</param>
    /// <param name="sourceName">Name used in error messages (e.g. the file name).</param>
    /// <exception cref="DataFormatException">See <see cref="Load"/>.</exception>
    public static Model Deserialize(ReadOnlySpan<byte> bytes, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        const int minimum = 8 + 2 + 1 + 1 + 4 + 4 + 4 + 4 + 4;
        FieldReader reader = FramedFile.Open(bytes, Magic, "model file", minimum, (1, 2), sourceName, out ushort version);
        Loss loss = LossFormat.Read(ref reader);
        byte scalingKind = reader.Byte();
        if (scalingKind > 2) throw reader.Error(-1, $"input scaling code {scalingKind}; expected 0 (none), 1 (min-max) or 2 (standardisation).");
        int inputWidth = reader.Int32();
        if (inputWidth < 1) throw reader.Error(-4, $"input width {inputWidth}; expected at least 1.");
        int layerCount = reader.Int32();
        if (layerCount < 1 || layerCount > MaxLayers) throw reader.Error(-4, $"layer count {layerCount}; expected 1 to {MaxLayers}.");
        NetworkDefinition definition = ReadDefinition(ref reader, version, inputWidth, loss, layerCount, bytes.Length);

        InputScaling? scaling = null;
        if (scalingKind != 0)
        {
            long start = reader.Position;
            float[] offset = reader.Floats(inputWidth);
            float[] scale = reader.Floats(inputWidth);
            try
            {
                scaling = new InputScaling((InputScalingKind)scalingKind, offset, scale);
            }
            catch (ArgumentException e)
            {
                throw reader.ErrorAt(start, $"invalid input scaling: {e.Message}", e);
            }
        }

        int storedCount = reader.Int32();
        if (storedCount != definition.ParameterCount)
        {
            throw reader.Error(-4, $"parameter count {storedCount}; the layers imply {definition.ParameterCount}.");
        }
        long parametersStart = reader.Position;
        var network = new Network(definition);
        reader.Floats(network.Parameters);
        for (int i = 0; i < network.Parameters.Length; i++)
        {
            if (!float.IsFinite(network.Parameters[i]))
            {
                throw reader.ErrorAt(parametersStart + 4L * i, $"parameter {i} is {network.Parameters[i]}; expected a finite number.");
            }
        }

        int metadataCount = reader.Int32();
        if (metadataCount < 0 || metadataCount > MaxMetadataEntries) throw reader.Error(-4, $"metadata count {metadataCount}; expected 0 to {MaxMetadataEntries}.");
        var metadata = new Dictionary<string, string>(Math.Min(metadataCount, 64), StringComparer.Ordinal);
        for (int i = 0; i < metadataCount; i++)
        {
            string key = reader.String();
            string value = reader.String();
            if (!metadata.TryAdd(key, value)) throw reader.Error(0, $"metadata key '{key}' appears twice.");
        }
        TargetScaling? targetScaling = null;
        while (reader.Remaining != 0)
        {
            long start = reader.Position;
            string section = reader.String();
            if (section != TargetScalingSection || targetScaling is not null)
            {
                throw reader.ErrorAt(start, targetScaling is null ? $"unknown section '{section}' (a newer fastbackprop's?)." : $"section '{section}' appears twice.");
            }
            targetScaling = ReadTargetScaling(ref reader, definition.OutputWidth);
        }
        return new Model(network, scaling, metadata) { TargetScaling = targetScaling };
    }

    private const string TargetScalingSection = "target-scaling";
    private const byte StandardizedTargets = 1;

    private static void WriteTargetScaling(FieldWriter writer, TargetScaling targets)
    {
        writer.String(TargetScalingSection);
        writer.Byte(StandardizedTargets);
        writer.Int32(targets.Width);
        writer.Floats(targets.Mean);
        writer.Floats(targets.StandardDeviation);
    }

    private static TargetScaling ReadTargetScaling(ref FieldReader reader, int outputWidth)
    {
        byte kind = reader.Byte();
        if (kind != StandardizedTargets) throw reader.Error(-1, $"target scaling code {kind}; expected {StandardizedTargets} (standardisation).");
        int width = reader.Int32();
        if (width != outputWidth) throw reader.Error(-4, $"target scaling width {width}; the network has {outputWidth} outputs.");
        long start = reader.Position;
        float[] mean = reader.Floats(width);
        float[] deviation = reader.Floats(width);
        try
        {
            return new TargetScaling(mean, deviation);
        }
        catch (ArgumentException e)
        {
            throw reader.ErrorAt(start, $"invalid target scaling: {e.Message}", e);
        }
    }

    // The layer records, checked as they come: every parameter takes 4 bytes of the file, so a layer
    // that implies more parameters than the file has bytes is refused before anything is allocated.
    private static NetworkDefinition ReadDefinition(ref FieldReader reader, ushort version, int inputWidth, Loss loss, int layerCount, int fileLength)
    {
        var layers = new Layer[layerCount];
        long parameterCount = 0;
        int below = inputWidth;
        for (int l = 0; l < layerCount; l++)
        {
            long start = reader.Position;
            layers[l] = LayerFormats.Read(ref reader, version, l);
            parameterCount += layers[l].CountParameters(below);
            if (parameterCount * 4 > fileLength) throw reader.ErrorAt(start, $"layer {l} ({layers[l]}) implies more parameters than the file holds.");
            below = layers[l].Place(below, 0).Units;
        }
        try
        {
            return new NetworkDefinition(inputWidth, loss, layers);
        }
        catch (ArgumentException e)
        {
            throw DataFormatException.InSource(reader.Source, $"the stored network is not valid: {e.Message}");
        }
    }
}
