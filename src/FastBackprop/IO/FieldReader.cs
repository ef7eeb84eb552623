using System.Buffers.Binary;
using System.Text;
using FastBackprop.Data;

namespace FastBackprop.IO;

// ---------------------------------------------------------------------------------------------
// FieldReader: the one bounds-checked reader of FastBackprop's binary files (model files and
// checkpoints). Little-endian fields are taken from the front of a span; a field that does not fit
// in what is left, a count larger than the bytes left could hold, or a malformed string is a
// DataFormatException naming the source and the byte offset. No count read from a file can make
// it read past the end or allocate more than the file's own size.
// ---------------------------------------------------------------------------------------------

/// <summary>Reads little-endian fields from the front of a byte span, failing with the byte offset when one does not fit.</summary>
internal ref struct FieldReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);
    private readonly ReadOnlySpan<byte> data;
    private readonly string source;
    private readonly long origin;
    private readonly string scope;
    private int position;

    /// <summary>A reader over <paramref name="data"/>, the whole of <paramref name="source"/>.</summary>
    public FieldReader(ReadOnlySpan<byte> data, string source)
        : this(data, source, 0, "the file")
    {
    }

    // A reader over a section: data starts at byte origin of the source and is called scope in messages.
    private FieldReader(ReadOnlySpan<byte> data, string source, long origin, string scope)
    {
        this.data = data;
        this.source = source;
        this.origin = origin;
        this.scope = scope;
    }

    /// <summary>The offset of the next field in the source.</summary>
    public readonly long Position => origin + position;

    /// <summary>The source's name, for messages.</summary>
    public readonly string Source => source;

    /// <summary>Bytes not read yet.</summary>
    public readonly int Remaining => data.Length - position;

    public void Skip(int count) => Take(count);

    public byte Byte() => Take(1)[0];

    /// <summary>A byte that must be 0 or 1.</summary>
    public bool Boolean()
    {
        byte value = Byte();
        return value switch
        {
            0 => false,
            1 => true,
            _ => throw Error(-1, $"a flag is {value}; expected 0 or 1."),
        };
    }

    public ushort UInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public ulong UInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public float Single() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

    public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    public ReadOnlySpan<byte> Bytes(int count) => Take(count);

    /// <summary>An int32 count of elements that follow, each at least <paramref name="minimumSize"/> bytes long:
    /// a negative count, or one the bytes left cannot hold, is an error.</summary>
    public int Count(int minimumSize, string what)
    {
        int count = Int32();
        if (count < 0 || (long)count * minimumSize > Remaining)
        {
            throw Error(-4, $"{what} count {count} does not fit in the {Remaining} bytes left.");
        }
        return count;
    }

    /// <summary><paramref name="count"/> float32 values.</summary>
    public float[] Floats(int count)
    {
        var values = new float[CheckedCount(count, 4)];
        Floats(values);
        return values;
    }

    /// <summary>As many float32 values as <paramref name="destination"/> holds.</summary>
    public void Floats(Span<float> destination)
    {
        ReadOnlySpan<byte> raw = Take(CheckedCount(destination.Length, 4) * 4);
        for (int i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(4 * i, 4));
    }

    /// <summary>A string: int32 byte length, then that many bytes of UTF-8.</summary>
    public string String()
    {
        int length = Int32();
        if (length < 0 || length > Remaining) throw Error(-4, $"string length {length}; only {Remaining} bytes remain.");
        try
        {
            return StrictUtf8.GetString(Take(length));
        }
        catch (DecoderFallbackException e)
        {
            throw Error(-length, "a string is not valid UTF-8.", e);
        }
    }

    /// <summary>A short name: uint8 length in [1, <paramref name="maxLength"/>], then that many printable ASCII bytes.</summary>
    public string Name(int maxLength, string what)
    {
        int length = Byte();
        if (length < 1 || length > maxLength) throw Error(-1, $"{what} length {length}; expected 1 to {maxLength}.");
        ReadOnlySpan<byte> raw = Take(length);
        foreach (byte b in raw)
        {
            if (b is < 0x20 or > 0x7E) throw Error(-length, $"{what} holds the byte 0x{b:X2}; expected printable ASCII.");
        }
        return Encoding.ASCII.GetString(raw);
    }

    /// <summary>A reader over the next <paramref name="length"/> bytes, which this reader skips; messages call
    /// its end the end of <paramref name="scope"/> (e.g. "layer 2's payload").</summary>
    public FieldReader Section(int length, string scope)
    {
        long start = Position;
        return new FieldReader(Take(length), source, start, scope);
    }

    /// <summary>A format error at <paramref name="relative"/> bytes from the next field.</summary>
    public readonly DataFormatException Error(int relative, string problem, Exception? inner = null) =>
        ErrorAt(Position + relative, problem, inner);

    /// <summary>A format error at byte <paramref name="offset"/> of the source.</summary>
    public readonly DataFormatException ErrorAt(long offset, string problem, Exception? inner = null) =>
        DataFormatException.AtByte(source, offset, problem, inner: inner);

    private readonly int CheckedCount(int count, int size)
    {
        if (count < 0 || (long)count * size > Remaining) throw Error(0, $"{count} values of {size} bytes do not fit in the {Remaining} bytes left.");
        return count;
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > data.Length - position)
        {
            throw Error(0, $"{scope} ends {data.Length - position} bytes into a field of {count} bytes (truncated).");
        }
        ReadOnlySpan<byte> slice = data.Slice(position, count);
        position += count;
        return slice;
    }
}
