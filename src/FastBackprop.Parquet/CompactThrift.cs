namespace FastBackprop.Parquet;

// ---------------------------------------------------------------------------------------------
// A bounds-checked reader of the Thrift compact protocol (the encoding of Parquet's footer and page
// headers), written from the protocol's published description: a field header byte (high nibble a
// field-id delta, or 0 and a zigzag varint id; low nibble the type), zigzag varints for integers,
// a varint length before binary data, a size-and-type byte (and a varint size from 15 up) before
// list elements, a stop byte 0 closing a struct. It runs over bytes already in memory, before
// Parquet.Net parses the same bytes: every length it meets must fit in what is left of those
// bytes and nesting is capped, so the package's parser, which allocates what a length says and
// recurses per nesting level, never sees a length or a depth the data cannot back.
// ---------------------------------------------------------------------------------------------

/// <summary>Reads Thrift compact-protocol values from <see cref="Data"/>, every length checked against the
/// bytes left; a violation is a <see cref="ThriftFormatException"/> naming the offset.</summary>
internal ref struct CompactThrift
{
    /// <summary>Deeper nesting than this is refused: Parquet's own structs nest at most 5 deep
    /// (FileMetaData, RowGroup, ColumnChunk, ColumnMetaData, Statistics), and a parser that recurses
    /// per level must not be handed an unbounded depth.</summary>
    public const int MaxDepth = 32;

    private const byte Stop = 0, BoolTrue = 1, BoolFalse = 2, I8 = 3, I16 = 4, I32 = 5, I64 = 6, Double = 7,
        Binary = 8, List = 9, Set = 10, Map = 11, Struct = 12;

    public CompactThrift(ReadOnlySpan<byte> data) => Data = data;

    /// <summary>The bytes being read.</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>The offset of the next byte to read.</summary>
    public int Position { get; private set; }

    private short lastFieldId;

    /// <summary>Starts reading a struct's fields (call <see cref="NextField"/> until it returns false).</summary>
    public short BeginStruct()
    {
        short saved = lastFieldId;
        lastFieldId = 0;
        return saved;
    }

    /// <summary>Ends a struct begun by <see cref="BeginStruct"/>, restoring the enclosing struct's field ids.</summary>
    public void EndStruct(short saved) => lastFieldId = saved;

    /// <summary>The next field header of the current struct, or false at its stop byte.</summary>
    public bool NextField(out short id, out byte type)
    {
        byte header = ReadByte();
        type = (byte)(header & 0x0F);
        if (type == Stop)
        {
            id = 0;
            return false;
        }
        int delta = header >> 4;
        // Field ids are i16: a long-form id (a zigzag varint of up to 5 bytes) or a delta past 32767 that does not fit is
        // corrupt data, not an arithmetic error.
        long wide = delta == 0 ? Zigzag(ReadVarint(5)) : lastFieldId + delta;
        if (wide is < short.MinValue or > short.MaxValue) throw Error($"a field id {wide} outside the i16 range");
        id = (short)wide;
        lastFieldId = id;
        return true;
    }

    /// <summary>An i32 field's value (zigzag varint).</summary>
    public int ReadI32(byte type)
    {
        Expect(type, I32, "i32");
        long v = Zigzag(ReadVarint(5));
        if (v is < int.MinValue or > int.MaxValue) throw Error("an i32 value out of range");
        return (int)v;
    }

    /// <summary>An i64 field's value (zigzag varint).</summary>
    public long ReadI64(byte type)
    {
        Expect(type, I64, "i64");
        return Zigzag(ReadVarint(10));
    }

    /// <summary>Skips a value of <paramref name="type"/>, checking every length and the nesting depth.</summary>
    public void Skip(byte type, int depth)
    {
        if (depth > MaxDepth) throw Error($"values nested more than {MaxDepth} deep");
        switch (type)
        {
            case BoolTrue or BoolFalse: return;
            case I8: ReadByte(); return;
            case I16 or I32 or I64: ReadVarint(10); return;
            case Double: Take(8); return;
            case Binary: Take(ReadLength("binary value")); return;
            case List or Set:
                (int count, byte elementType) = ReadListHeader();
                for (int i = 0; i < count; i++) SkipElement(elementType, depth + 1);
                return;
            case Map:
                int entries = ReadLength("map");
                if (entries == 0) return;
                byte types = ReadByte();
                for (int i = 0; i < entries; i++)
                {
                    SkipElement((byte)(types >> 4), depth + 1);
                    SkipElement((byte)(types & 0x0F), depth + 1);
                }
                return;
            case Struct:
                short saved = BeginStruct();
                while (NextField(out _, out byte fieldType)) Skip(fieldType, depth + 1);
                EndStruct(saved);
                return;
            default:
                throw Error($"unknown value type {type}");
        }
    }

    /// <summary>A list header: the element count (each element takes at least one byte, so it is
    /// at most the bytes left) and the element type.</summary>
    public (int Count, byte ElementType) ReadListHeader()
    {
        byte header = ReadByte();
        int count = header >> 4;
        if (count == 15) count = ReadLength("list");
        else if (count > Data.Length - Position) throw Error($"a list of {count} elements in {Data.Length - Position} bytes");
        return (count, (byte)(header & 0x0F));
    }

    // A list element: booleans take a byte each inside lists, other types are read as fields are.
    private void SkipElement(byte type, int depth)
    {
        if (type is BoolTrue or BoolFalse) ReadByte();
        else Skip(type, depth);
    }

    // A varint length or count, at most the bytes left (each element or byte needs at least one).
    private int ReadLength(string what)
    {
        ulong length = ReadVarint(5);
        if (length > (ulong)(Data.Length - Position)) throw Error($"a {what} of length {length} with {Data.Length - Position} bytes left");
        return (int)length;
    }

    private ulong ReadVarint(int maxBytes)
    {
        ulong value = 0;
        for (int i = 0; i < maxBytes; i++)
        {
            byte b = ReadByte();
            value |= (ulong)(b & 0x7F) << (7 * i);
            if (b < 0x80) return value;
        }
        throw Error($"a varint longer than {maxBytes} bytes");
    }

    private static long Zigzag(ulong n) => (long)(n >> 1) ^ -(long)(n & 1);

    private byte ReadByte()
    {
        if (Position >= Data.Length) throw Error("the data ends inside a value");
        return Data[Position++];
    }

    private void Take(int count)
    {
        if (count > Data.Length - Position) throw Error("the data ends inside a value");
        Position += count;
    }

    private readonly void Expect(byte type, byte expected, string name)
    {
        if (type != expected) throw Error($"a field of type {type} where an {name} belongs");
    }

    private readonly ThriftFormatException Error(string problem) => new(Position, problem);
}

/// <summary>Thrift data that breaks the protocol or the bounds <see cref="CompactThrift"/> checks, at an offset of the bytes read.</summary>
internal sealed class ThriftFormatException(int offset, string problem) : Exception(problem)
{
    /// <summary>The offset, in the bytes read, where the problem was found.</summary>
    public int Offset { get; } = offset;
}
