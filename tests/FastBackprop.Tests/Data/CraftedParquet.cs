using System.Text;

namespace FastBackprop.Tests.Data;

/// <summary>Hand-built Parquet files whose every length field the test chooses: two required DOUBLE columns "x" and
/// "y", one row group, one PLAIN data page per column, uncompressed; written from the format's published definition
/// (parquet.thrift) with a minimal Thrift compact-protocol writer, so that a test can make a header claim
/// what the data does not back.</summary>
public sealed record CraftedParquet(double[] Values)
{
    /// <summary>The rows the file metadata and the row group claim (default: the values' count).</summary>
    public long? ClaimedRows { get; init; }

    /// <summary>The values the page header claims (default: the values' count).</summary>
    public int? PageValues { get; init; }

    /// <summary>The page's uncompressed size field (default: the data's length).</summary>
    public int? UncompressedSize { get; init; }

    /// <summary>The page's compressed size field (default: the data's length).</summary>
    public int? CompressedSize { get; init; }

    /// <summary>The footer length written before the closing PAR1 (default: the footer's length).</summary>
    public uint? FooterLength { get; init; }

    /// <summary>Extra bytes written into the footer as an unknown list field of the file metadata (field 100): its header claims
    /// <see cref="ClaimedListLength"/> elements.</summary>
    public int? ClaimedListLength { get; init; }

    /// <summary>An unknown i32 field of the file metadata with this id, which may lie outside the i16 range of Thrift's
    /// field ids (an id that is not 1 to 15 past the last is written in long form, a zigzag varint).</summary>
    public long? UnknownFieldId { get; init; }

    /// <summary>With <see cref="UnknownFieldId"/>: one more unknown i32 field after it, with the next id (written as a
    /// step of 1).</summary>
    public bool NextFieldByStep { get; init; }

    /// <summary>Whether column x is dictionary encoded as Arrow writes it: a PLAIN dictionary page of the values
    /// (distinct), then one RLE_DICTIONARY data page of their indices as RLE runs of length 1.</summary>
    public bool Dictionary { get; init; }

    /// <summary>The file's bytes: PAR1, column x's page (the crafted one), column y's page (y = the values
    /// reversed, always right), the footer, its length, PAR1.</summary>
    public byte[] ToBytes()
    {
        byte[] x = Plain(Values), y = Plain([.. Values.Reverse()]);
        byte[] xPage = Dictionary ? DictionaryPages(x) : [.. PageHeader(x.Length, crafted: true), .. x];
        byte[] yPage = [.. PageHeader(y.Length, crafted: false), .. y];
        long rows = ClaimedRows ?? Values.Length;
        byte[] footer = Footer(rows, [(4, xPage.Length), (4 + xPage.Length, yPage.Length)], Dictionary ? 4 + DictionaryPageLength(x) : null);
        return [.. "PAR1"u8, .. xPage, .. yPage, .. footer, .. BitConverter.GetBytes(FooterLength ?? (uint)footer.Length), .. "PAR1"u8];
    }

    private static byte[] Plain(double[] values)
    {
        var data = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BitConverter.TryWriteBytes(data.AsSpan(i * 8), values[i]);
        return data;
    }

    private int DictionaryPageLength(byte[] x) => DictionaryHeader(x.Length).Length + x.Length;

    private byte[] DictionaryHeader(int dataLength)
    {
        var w = new CompactWriter();
        w.I32(1, 2);                                    // type: DICTIONARY_PAGE
        w.I32(2, dataLength);                           // uncompressed_page_size
        w.I32(3, dataLength);                           // compressed_page_size
        w.BeginStruct(7);                               // dictionary_page_header
        w.I32(1, Values.Length);                        // num_values
        w.I32(2, 0);                                    // encoding: PLAIN
        w.EndStruct();
        w.Stop();
        return w.ToArray();
    }

    // The dictionary page, then a data page whose payload is the index bit width and one RLE run (header count << 1,
    // then the index in one byte) per value.
    private byte[] DictionaryPages(byte[] x)
    {
        var indices = new List<byte> { 8 };             // bit width 8: each run value takes one byte
        for (int i = 0; i < Values.Length; i++) indices.AddRange([2, (byte)i]);
        var w = new CompactWriter();
        w.I32(1, 0);                                    // type: DATA_PAGE
        w.I32(2, UncompressedSize ?? indices.Count);
        w.I32(3, CompressedSize ?? indices.Count);
        w.BeginStruct(5);
        w.I32(1, PageValues ?? Values.Length);
        w.I32(2, 8);                                    // encoding: RLE_DICTIONARY
        w.I32(3, 3);
        w.I32(4, 3);
        w.EndStruct();
        w.Stop();
        return [.. DictionaryHeader(x.Length), .. x, .. w.ToArray(), .. indices];
    }

    private byte[] PageHeader(int dataLength, bool crafted)
    {
        var w = new CompactWriter();
        w.I32(1, 0);                                                            // type: DATA_PAGE
        w.I32(2, crafted ? UncompressedSize ?? dataLength : dataLength);        // uncompressed_page_size
        w.I32(3, crafted ? CompressedSize ?? dataLength : dataLength);          // compressed_page_size
        w.BeginStruct(5);                                                       // data_page_header
        w.I32(1, crafted ? PageValues ?? Values.Length : Values.Length);        // num_values
        w.I32(2, 0);                                                            // encoding: PLAIN
        w.I32(3, 3);                                                            // definition_level_encoding: RLE
        w.I32(4, 3);                                                            // repetition_level_encoding: RLE
        w.EndStruct();
        w.Stop();
        return w.ToArray();
    }

    private byte[] Footer(long rows, (long Offset, int Length)[] chunks, long? xDataPage)
    {
        var w = new CompactWriter();
        w.I32(1, 2);                                                            // version
        w.ListOfStructs(2, 3);                                                  // schema: root, x, y
        w.Binary(4, "schema"); w.I32(5, 2); w.Stop();                           // root: name, num_children
        w.I32(1, 5); w.I32(3, 0); w.Binary(4, "x"); w.Stop();                   // x: DOUBLE, REQUIRED
        w.I32(1, 5); w.I32(3, 0); w.Binary(4, "y"); w.Stop();                   // y: DOUBLE, REQUIRED
        w.I64(3, rows);                                                         // num_rows
        w.ListOfStructs(4, 1);                                                  // row_groups
        w.ListOfStructs(1, 2);                                                  // columns
        for (int c = 0; c < 2; c++)
        {
            w.I64(2, chunks[c].Offset);                                         // file_offset
            w.BeginStruct(3);                                                   // meta_data
            w.I32(1, 5);                                                        // type: DOUBLE
            w.ListOfI32(2, c == 0 && xDataPage is not null ? 8 : 0);           // encodings: RLE_DICTIONARY or PLAIN
            w.ListOfBinary(3, c == 0 ? "x" : "y");                              // path_in_schema
            w.I32(4, 0);                                                        // codec: UNCOMPRESSED
            w.I64(5, rows);                                                     // num_values
            w.I64(6, chunks[c].Length);                                         // total_uncompressed_size
            w.I64(7, chunks[c].Length);                                         // total_compressed_size
            w.I64(9, c == 0 && xDataPage is long d ? d : chunks[c].Offset);     // data_page_offset
            if (c == 0 && xDataPage is not null) w.I64(11, chunks[c].Offset);   // dictionary_page_offset
            w.EndStruct();
            w.Stop();                                                           // column chunk
        }
        w.I64(2, chunks[0].Length + chunks[1].Length);                          // total_byte_size
        w.I64(3, rows);                                                         // num_rows
        w.Stop();                                                               // row group
        if (ClaimedListLength is int n) w.ListHeader(100, n, elementType: 5);
        if (UnknownFieldId is long id)
        {
            w.I32(id, 7);
            if (NextFieldByStep) w.I32(id + 1, 8);
        }
        w.Stop();                                                               // file metadata
        return w.ToArray();
    }

    /// <summary>The Thrift compact protocol, writing side, just what these files need.</summary>
    private sealed class CompactWriter
    {
        private readonly List<byte> bytes = [];
        private readonly Stack<long> last = new();
        private long lastId;   // long, so that a test can write ids Thrift's i16 cannot hold

        public void I32(long id, int v) { Field(id, 5); Varint(Zigzag(v)); }

        public void I64(short id, long v) { Field(id, 6); Varint(Zigzag(v)); }

        public void Binary(short id, string s) { Field(id, 8); Bytes(s); }

        public void BeginStruct(short id) { Field(id, 12); last.Push(lastId); lastId = 0; }

        public void EndStruct() { bytes.Add(0); lastId = last.Pop(); }

        // A list of structs: each element is written as fields, then Stop().
        public void ListOfStructs(short id, int count) { ListHeader(id, count, 12); pendingStructs.Push(count); last.Push(lastId); lastId = 0; }

        public void Stop()
        {
            bytes.Add(0);
            if (pendingStructs.Count == 0) return;
            lastId = 0;
            int left = pendingStructs.Pop() - 1;
            if (left > 0) pendingStructs.Push(left);
            else lastId = last.Pop();
        }

        private readonly Stack<int> pendingStructs = new();

        public void ListOfI32(short id, int v) { ListHeader(id, 1, 5); Varint(Zigzag(v)); }

        public void ListOfBinary(short id, string s) { ListHeader(id, 1, 8); Bytes(s); }

        public void ListHeader(short id, int count, byte elementType)
        {
            Field(id, 9);
            if (count < 15) bytes.Add((byte)((count << 4) | elementType));
            else { bytes.Add((byte)(0xF0 | elementType)); Varint((ulong)(uint)count); }
        }

        public byte[] ToArray() => [.. bytes];

        private void Field(long id, byte type)
        {
            long delta = id - lastId;
            if (delta is > 0 and <= 15) bytes.Add((byte)((delta << 4) | type));
            else { bytes.Add(type); Varint(Zigzag(id)); }
            lastId = id;
        }

        private void Bytes(string s)
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(s);
            Varint((ulong)utf8.Length);
            bytes.AddRange(utf8);
        }

        private void Varint(ulong v)
        {
            while (v >= 0x80) { bytes.Add((byte)(v | 0x80)); v >>= 7; }
            bytes.Add((byte)v);
        }

        private static ulong Zigzag(long v) => (ulong)((v << 1) ^ (v >> 63));
    }
}
