using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using FastBackprop.Data;

namespace FastBackprop.IO;

// ---------------------------------------------------------------------------------------------
// The safetensors layout, as its published format defines it, and the checks its reference reader
// makes (plus a few more, so that no file is half accepted):
//
//   offset   size   field
//   0        8      N, the header length (uint64, little-endian): 2 to 100,000,000, and at most the bytes that follow
//   8        N      the header: UTF-8 JSON, starting with '{', possibly padded at the end with spaces; one object of
//                     "__metadata__": { "key": "value", ... }     (optional; string values only)
//                     "<tensor name>": { "dtype": "F32", "shape": [d0, d1, ...], "data_offsets": [begin, end] }
//                   with no key twice (at either level) and no other field in a tensor's object
//   8 + N    rest   the byte buffer: the tensors' little-endian, row-major ('C' order) elements; each tensor's
//                   [begin, end) is relative to the buffer's start, end - begin = (product of the shape) x (dtype
//                   size), and the ranges, ordered by begin, are contiguous from 0 to the end of the file (no gaps,
//                   no overlaps, nothing after them)
//
// Every number is checked (in long arithmetic, overflow refused) before it is used, so no header can make
// the reader read outside the file or allocate more than the file's own size.
// ---------------------------------------------------------------------------------------------

/// <summary>One tensor of a safetensors header: its name, element type, shape and byte range in the buffer.</summary>
/// <param name="Name">The key in the header, e.g. "0.weight".</param>
/// <param name="Dtype">The element type's name, e.g. "F32".</param>
/// <param name="Shape">The dimensions, outermost first.</param>
/// <param name="Begin">The first byte in the buffer.</param>
/// <param name="End">One past the last byte in the buffer.</param>
/// <param name="HeaderOffset">Where the tensor's key is in the file, for messages.</param>
internal sealed record SafetensorsTensor(string Name, string Dtype, long[] Shape, long Begin, long End, long HeaderOffset)
{
    /// <summary>E.g. "[10, 128]".</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>The parsed and checked header of a safetensors file.</summary>
internal sealed class SafetensorsHeader
{
    /// <summary>The longest header the format allows (the reference reader's limit).</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>The key of the free-form string map.</summary>
    public const string MetadataKey = "__metadata__";

    private SafetensorsHeader(List<SafetensorsTensor> tensors, Dictionary<string, string>? metadata, long bufferStart)
    {
        Tensors = tensors;
        Metadata = metadata;
        BufferStart = bufferStart;
    }

    /// <summary>The tensors, in the header's order.</summary>
    public IReadOnlyList<SafetensorsTensor> Tensors { get; }

    /// <summary>The "__metadata__" map, or null when the header has none.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; }

    /// <summary>Where the byte buffer starts in the file (8 + N).</summary>
    public long BufferStart { get; }

    /// <summary>The tensor called <paramref name="name"/>, or null.</summary>
    public SafetensorsTensor? Find(string name)
    {
        foreach (SafetensorsTensor tensor in Tensors)
        {
            if (tensor.Name == name) return tensor;
        }
        return null;
    }

    /// <summary>Parses and checks the header of <paramref name="file"/>, the whole file.</summary>
    /// <exception cref="DataFormatException">Anything the layout above does not allow; the message names
    /// <paramref name="source"/>, the byte and the field.</exception>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> file, string source)
    {
        if (file.Length < 8)
        {
            throw DataFormatException.AtByte(source, file.Length, $"the file ends after {file.Length} bytes; a safetensors file starts with an 8-byte header length.");
        }
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (length < 2 || length > MaxHeaderLength)
        {
            throw DataFormatException.AtByte(source, 0, $"header length {length}; expected 2 to {MaxHeaderLength} bytes (the format's limit): not a safetensors file?");
        }
        if ((long)length > file.Length - 8)
        {
            throw DataFormatException.AtByte(source, 0, $"header length {length}, but only {file.Length - 8} bytes follow (truncated?).");
        }
        ReadOnlySpan<byte> header = file.Slice(8, (int)length);
        if (header[0] != (byte)'{') throw DataFormatException.AtByte(source, 8, $"the header starts with the byte 0x{header[0]:X2}; expected '{{' (a JSON object).");
        CheckUtf8(header, source);
        long bufferStart = 8 + (long)length;
        long bufferLength = file.Length - bufferStart;
        var parser = new Parser(source, bufferLength);
        var reader = new Utf8JsonReader(header, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            parser.Top(ref reader);
        }
        catch (JsonException e)
        {
            long at = 8 + reader.TokenStartIndex;
            throw DataFormatException.AtByte(source, at, $"the header is not valid JSON ({e.Message}).", inner: e);
        }
        catch (InvalidOperationException e)
        {
            // A string whose escapes do not make valid text (a lone surrogate).
            throw DataFormatException.AtByte(source, 8 + reader.TokenStartIndex, $"the header holds a string that is not valid text ({e.Message}).", inner: e);
        }
        CheckCoverage(parser.Tensors, bufferStart, bufferLength, source);
        return new SafetensorsHeader(parser.Tensors, parser.Metadata, bufferStart);
    }

    private static void CheckUtf8(ReadOnlySpan<byte> header, string source)
    {
        int at = 0;
        while (at < header.Length)
        {
            if (Rune.DecodeFromUtf8(header[at..], out _, out int consumed) != OperationStatus.Done)
            {
                throw DataFormatException.AtByte(source, 8 + at, "the header is not valid UTF-8.");
            }
            at += consumed;
        }
    }

    // The format's last check: the ranges, ordered by begin, tile the buffer from 0 to its end.
    private static void CheckCoverage(List<SafetensorsTensor> tensors, long bufferStart, long bufferLength, string source)
    {
        var ordered = tensors.ToArray();
        Array.Sort(ordered, static (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expected = 0;
        foreach (SafetensorsTensor tensor in ordered)
        {
            if (tensor.Begin != expected)
            {
                string problem = tensor.Begin > expected ? $"a gap: no tensor holds bytes {expected} to {tensor.Begin} of the buffer" : $"it overlaps the tensor before it, which ends at {expected}";
                throw DataFormatException.AtByte(source, tensor.HeaderOffset, $"tensor '{tensor.Name}' data_offsets [{tensor.Begin}, {tensor.End}]: {problem}; expected contiguous data.");
            }
            expected = tensor.End;
        }
        if (expected != bufferLength)
        {
            throw DataFormatException.AtByte(source, bufferStart + expected, $"the tensors end at byte {expected} of the buffer, but the buffer holds {bufferLength} bytes (bytes no tensor describes).");
        }
    }

    /// <summary>The recursive-descent walk over the header's tokens.</summary>
    private sealed class Parser(string source, long bufferLength)
    {
        public List<SafetensorsTensor> Tensors { get; } = [];

        public Dictionary<string, string>? Metadata { get; private set; }

        private readonly HashSet<string> keys = new(StringComparer.Ordinal);

        public void Top(ref Utf8JsonReader reader)
        {
            Next(ref reader, JsonTokenType.StartObject, "the header");
            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                long at = 8 + reader.TokenStartIndex;
                string key = reader.GetString()!;
                if (!keys.Add(key)) throw Error(at, $"the key '{key}' appears twice in the header.");
                if (key == MetadataKey) ReadMetadata(ref reader);
                else Tensors.Add(ReadTensor(ref reader, key, at));
            }
            // The end of the object: the reader reports anything after it but whitespace (the padding) as invalid JSON.
            if (reader.Read()) throw Error(8 + reader.TokenStartIndex, "the header has more after its object.");
        }

        private void ReadMetadata(ref Utf8JsonReader reader)
        {
            JsonTokenType type = Next(ref reader);
            if (type == JsonTokenType.Null) return;
            if (type != JsonTokenType.StartObject) throw Error(8 + reader.TokenStartIndex, $"{MetadataKey} is a {type}; expected an object of strings.");
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                long keyAt = 8 + reader.TokenStartIndex;
                string key = reader.GetString()!;
                if (Next(ref reader) != JsonTokenType.String) throw Error(8 + reader.TokenStartIndex, $"{MetadataKey} '{key}' is a {reader.TokenType}; the format allows only string values.");
                if (!metadata.TryAdd(key, reader.GetString()!)) throw Error(keyAt, $"{MetadataKey} key '{key}' appears twice.");
            }
            Metadata = metadata;
        }

        private SafetensorsTensor ReadTensor(ref Utf8JsonReader reader, string name, long at)
        {
            Next(ref reader, JsonTokenType.StartObject, $"tensor '{name}'");
            string? dtype = null;
            long[]? shape = null, offsets = null;
            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                long fieldAt = 8 + reader.TokenStartIndex;
                string field = reader.GetString()!;
                switch (field)
                {
                    case "dtype" when dtype is null:
                        Next(ref reader, JsonTokenType.String, $"tensor '{name}' dtype");
                        dtype = reader.GetString()!;
                        break;
                    case "shape" when shape is null:
                        shape = Numbers(ref reader, $"tensor '{name}' shape");
                        break;
                    case "data_offsets" when offsets is null:
                        offsets = Numbers(ref reader, $"tensor '{name}' data_offsets");
                        break;
                    case "dtype" or "shape" or "data_offsets":
                        throw Error(fieldAt, $"tensor '{name}' has the field '{field}' twice.");
                    default:
                        throw Error(fieldAt, $"tensor '{name}' has the field '{field}'; expected only dtype, shape and data_offsets.");
                }
            }
            if (dtype is null || shape is null || offsets is null)
            {
                string missing = dtype is null ? "dtype" : shape is null ? "shape" : "data_offsets";
                throw Error(at, $"tensor '{name}' has no {missing}.");
            }
            return Check(name, dtype, shape, offsets, at);
        }

        // The tensor's own numbers: a known dtype, two offsets in order within the buffer, and a byte length
        // that is the shape's element count times the dtype's size.
        private SafetensorsTensor Check(string name, string dtype, long[] shape, long[] offsets, long at)
        {
            int size = SafetensorsDtype.Size(dtype);
            if (size == 0) throw Error(at, $"tensor '{name}' has the dtype '{dtype}', which this reader does not know; it reads {SafetensorsDtype.Readable}.");
            if (offsets.Length != 2) throw Error(at, $"tensor '{name}' data_offsets has {offsets.Length} numbers; expected [begin, end].");
            long begin = offsets[0], end = offsets[1];
            if (begin > end || end > bufferLength)
            {
                throw Error(at, $"tensor '{name}' data_offsets [{begin}, {end}] is not a range within the {bufferLength}-byte buffer.");
            }
            long elements = 1;
            bool empty = false, huge = false;
            foreach (long d in shape)
            {
                if (d == 0) empty = true;
                else if (elements > long.MaxValue / size / d) huge = true;
                else elements *= d;
            }
            long bytes = empty ? 0 : huge ? -1 : elements * size;
            if (bytes != end - begin)
            {
                throw Error(at, $"tensor '{name}' has shape [{string.Join(", ", shape)}] of {dtype} ({(bytes < 0 ? "more than a file holds" : bytes + " bytes")}), but data_offsets [{begin}, {end}] hold {end - begin} bytes.");
            }
            return new SafetensorsTensor(name, dtype, shape, begin, end, at);
        }

        // An array of whole numbers 0 to long.MaxValue; as many as the header holds (each takes at least 2 bytes).
        private long[] Numbers(ref Utf8JsonReader reader, string what)
        {
            Next(ref reader, JsonTokenType.StartArray, what);
            var numbers = new List<long>();
            while (Next(ref reader) != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long value) || value < 0)
                {
                    throw Error(8 + reader.TokenStartIndex, $"{what} holds {Token(ref reader)}; expected whole numbers of at least 0.");
                }
                numbers.Add(value);
            }
            return [.. numbers];
        }

        // The token as the header spells it (its first 40 bytes), or its kind.
        private static string Token(ref Utf8JsonReader reader) =>
            reader.TokenType is JsonTokenType.Number or JsonTokenType.String
                ? "'" + Encoding.UTF8.GetString(reader.ValueSpan[..Math.Min(40, reader.ValueSpan.Length)]) + "'"
                : "a " + reader.TokenType;

        private static JsonTokenType Next(ref Utf8JsonReader reader)
        {
            if (!reader.Read()) throw new JsonException("the header ends inside its object");
            return reader.TokenType;
        }

        private void Next(ref Utf8JsonReader reader, JsonTokenType expected, string what)
        {
            if (Next(ref reader) != expected) throw Error(8 + reader.TokenStartIndex, $"{what} is a {reader.TokenType}; expected a {expected}.");
        }

        private DataFormatException Error(long at, string problem) => DataFormatException.AtByte(source, at, problem);
    }
}
