using System.Buffers.Binary;
using System.Text;
using FastBackprop.Data;

namespace FastBackprop.IO;

// ---------------------------------------------------------------------------------------------
// Model file format, version 1. Little-endian throughout; strings are UTF-8 with a length prefix.
//
//   offset  size        field
//   0       8           magic "FBPMODEL"
//   8       2           format version (uint16) = 1
//   10      1           loss (0 = HalfSquaredError, 1 = CrossEntropy)
//   11      1           input scaling (0 = none, 1 = min-max, 2 = standardisation)
//   12      4           input width (int32, >= 1)
//   16      4           layer count L (int32, 1..4096)
//   then L times:       width (int32, >= 1), name length (uint8, 1..64), transfer function name
//                       (ASCII, as TransferFunction.Name writes it, e.g. "leaky-relu(0.01)")
//   if scaling != 0:    offset float32[input width], scale float32[input width]
//   then                parameter count P (int32, must equal the count the layers imply)
//                       parameters float32[P], in Network.Parameters layout, all finite
//                       metadata count M (int32, 0..65536), then M times: key, value
//                       (each int32 byte length + UTF-8 bytes)
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
    private const ushort FormatVersion = 1;
    private const int MaxLayers = 4096;
    private const int MaxNameLength = 64;
    private const int MaxMetadataEntries = 65536;

    /// <summary>Saves <paramref name="model"/> to <paramref name="path"/> atomically: the file is either
    /// the complete new model or, if anything fails, left as it was.</summary>
    /// <exception cref="ArgumentException">A layer uses a custom transfer function (only built-in ones can be
    /// stored), or a parameter is NaN or infinite.</exception>
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
        string name = Path.GetFileName(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (stream.Length > Array.MaxLength)
        {
            throw DataFormatException.InSource(name, $"the file is {stream.Length} bytes; a model file is at most {Array.MaxLength} bytes.");
        }
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return Deserialize(bytes, name);
    }

    /// <summary>The bytes of <paramref name="model"/> in the model file format.</summary>
    /// <exception cref="ArgumentException">See <see cref="Save"/>.</exception>
    public static byte[] Serialize(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Network network = model.Network;
        NetworkDefinition definition = network.Definition;
        ThrowHelper.CheckFinite(network.Parameters, "model.Network.Parameters");
        using var memory = new MemoryStream();
        using (var writer = new BinaryWriter(memory, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write((byte)definition.Loss);
            writer.Write((byte)(model.Scaling is null ? 0 : (int)model.Scaling.Kind));
            writer.Write(definition.InputWidth);
            writer.Write(definition.LayerCount);
            foreach (Layer entry in definition.Layers)
            {
                var layer = (Dense)entry;   // the only layer kind of format version 1
                string transfer = layer.Transfer.Name;
                if (layer.Transfer.Form == ScalarForm.Custom || !IsStorableName(transfer))
                {
                    throw new ArgumentException($"model uses the custom transfer function '{transfer}'; only built-in functions (TransferFunction.FromName) can be stored.", nameof(model));
                }
                writer.Write(layer.Width);
                writer.Write((byte)transfer.Length);
                writer.Write(Encoding.ASCII.GetBytes(transfer));
            }
            if (model.Scaling is not null)
            {
                foreach (float v in model.Scaling.Offset) writer.Write(v);
                foreach (float v in model.Scaling.Scale) writer.Write(v);
            }
            writer.Write(definition.ParameterCount);
            foreach (float v in network.Parameters) writer.Write(v);
            writer.Write(model.Metadata.Count);
            foreach (KeyValuePair<string, string> entry in model.Metadata.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                WriteString(writer, entry.Key);
                WriteString(writer, entry.Value);
            }
        }
        Crc32.Seal(memory);
        return memory.ToArray();
    }

    /// <summary>Parses the bytes of a model file.</summary>
    /// <param name="bytes">The whole file.</param>
    /// <param name="sourceName">Name used in error messages (e.g. the file name).</param>
    /// <exception cref="DataFormatException">See <see cref="Load"/>.</exception>
    public static Model Deserialize(ReadOnlySpan<byte> bytes, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        const int minimum = 8 + 2 + 1 + 1 + 4 + 4 + 4 + 4 + 4;
        if (bytes.Length >= Magic.Length && !bytes.StartsWith(Magic))
        {
            throw DataFormatException.AtByte(sourceName, 0, "wrong magic number; a FastBackprop model file starts with \"FBPMODEL\".");
        }
        if (bytes.Length < minimum)
        {
            throw DataFormatException.AtByte(sourceName, bytes.Length, $"the file ends after {bytes.Length} bytes; a model file has at least {minimum}.");
        }
        if (!Crc32.IsSealed(bytes, out uint stored, out uint actual))
        {
            throw DataFormatException.AtByte(sourceName, bytes.Length - 4,
                $"checksum mismatch (stored 0x{stored:X8}, computed 0x{actual:X8}): the file is corrupt or truncated.");
        }

        var reader = new FieldReader(bytes[..^4], sourceName);
        reader.Skip(Magic.Length);
        ushort version = reader.UInt16();
        if (version != FormatVersion)
        {
            throw reader.Error(-2, $"format version {version}; this build reads version {FormatVersion}.");
        }
        byte loss = reader.Byte();
        if (loss > (byte)Loss.CrossEntropy) throw reader.Error(-1, $"loss code {loss}; expected 0 (HalfSquaredError) or 1 (CrossEntropy).");
        byte scalingKind = reader.Byte();
        if (scalingKind > 2) throw reader.Error(-1, $"input scaling code {scalingKind}; expected 0 (none), 1 (min-max) or 2 (standardisation).");
        int inputWidth = reader.Int32();
        if (inputWidth < 1) throw reader.Error(-4, $"input width {inputWidth}; expected at least 1.");
        int layerCount = reader.Int32();
        if (layerCount < 1 || layerCount > MaxLayers) throw reader.Error(-4, $"layer count {layerCount}; expected 1 to {MaxLayers}.");

        var layers = new Layer[layerCount];
        long parameterCount = 0;
        int below = inputWidth;
        for (int l = 0; l < layerCount; l++)
        {
            int width = reader.Int32();
            if (width < 1) throw reader.Error(-4, $"layer {l} width {width}; expected at least 1.");
            parameterCount += (long)width * below + width;
            // Every parameter takes 4 bytes of the file: a larger claim cannot be true.
            if (parameterCount * 4 > bytes.Length) throw reader.Error(-4, $"layer {l} width {width} implies more parameters than the file holds.");
            int nameLength = reader.Byte();
            if (nameLength < 1 || nameLength > MaxNameLength) throw reader.Error(-1, $"layer {l} transfer function name length {nameLength}; expected 1 to {MaxNameLength}.");
            string transferName = Encoding.ASCII.GetString(reader.Bytes(nameLength));
            TransferFunction transfer;
            try
            {
                transfer = TransferFunction.FromName(transferName);
            }
            catch (ArgumentException e)
            {
                throw reader.Error(-nameLength, $"layer {l}: unknown transfer function '{transferName}'.", e);
            }
            layers[l] = new Dense(width, transfer);
            below = width;
        }

        NetworkDefinition definition;
        try
        {
            definition = new NetworkDefinition(inputWidth, (Loss)loss, layers);
        }
        catch (ArgumentException e)
        {
            throw DataFormatException.InSource(sourceName, $"the stored network is not valid: {e.Message}");
        }

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
                throw DataFormatException.AtByte(sourceName, start, $"invalid input scaling: {e.Message}", inner: e);
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
                throw DataFormatException.AtByte(sourceName, parametersStart + 4L * i, $"parameter {i} is {network.Parameters[i]}; expected a finite number.");
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
        if (reader.Remaining != 0) throw reader.Error(0, $"{reader.Remaining} unexpected bytes before the checksum.");
        return new Model(network, scaling, metadata);
    }

    private static bool IsStorableName(string name)
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

    private static void WriteString(BinaryWriter writer, string value)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(value);
        writer.Write(utf8.Length);
        writer.Write(utf8);
    }

    /// <summary>Reads fields from the front of the file, failing with the byte offset when one does not fit.</summary>
    private ref struct FieldReader(ReadOnlySpan<byte> data, string source)
    {
        private readonly ReadOnlySpan<byte> data = data;
        private int position;

        public readonly long Position => position;

        public readonly int Remaining => data.Length - position;

        public void Skip(int count) => Take(count);

        public byte Byte() => Take(1)[0];

        public ushort UInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

        public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

        public ReadOnlySpan<byte> Bytes(int count) => Take(count);

        public float[] Floats(int count)
        {
            var values = new float[CheckedCount(count, 4)];
            Floats(values);
            return values;
        }

        public void Floats(Span<float> destination)
        {
            ReadOnlySpan<byte> raw = Take(CheckedCount(destination.Length, 4) * 4);
            for (int i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(4 * i, 4));
        }

        public string String()
        {
            int length = Int32();
            if (length < 0 || length > Remaining) throw Error(-4, $"string length {length}; only {Remaining} bytes remain.");
            try
            {
                return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Take(length));
            }
            catch (DecoderFallbackException e)
            {
                throw Error(-length, "a metadata string is not valid UTF-8.", e);
            }
        }

        public readonly DataFormatException Error(int relative, string problem, Exception? inner = null) =>
            DataFormatException.AtByte(source, position + relative, problem, inner: inner);

        private readonly int CheckedCount(int count, int size)
        {
            if (count < 0 || (long)count * size > Remaining) throw Error(0, $"{count} values of {size} bytes do not fit in the {Remaining} bytes left.");
            return count;
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count > data.Length - position)
            {
                throw Error(0, $"the file ends {data.Length - position} bytes into a field of {count} bytes (truncated).");
            }
            ReadOnlySpan<byte> slice = data.Slice(position, count);
            position += count;
            return slice;
        }
    }
}
