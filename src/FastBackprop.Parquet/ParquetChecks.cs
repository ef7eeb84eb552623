using FastBackprop.Data;
using Parquet.Meta;

namespace FastBackprop.Parquet;

// ---------------------------------------------------------------------------------------------
// What the reader checks itself before Parquet.Net reads a byte: the file's frame (PAR1 at both
// ends, a footer length that fits the file), the footer's Thrift structure (every length backed by
// bytes, nesting bounded), the schema tree's depth, and for each column chunk the chain of page
// headers (sizes inside the file, value counts adding up to the chunk's, uncompressed sizes in
// proportion to the values). Parquet.Net allocates what these fields say and loops until a chunk's
// count is reached; after these checks every such number is backed by the file.
// ---------------------------------------------------------------------------------------------

/// <summary>Bounds checks on a Parquet file's frame, footer and pages (see the file comment).</summary>
internal static class ParquetChecks
{
    /// <summary>Page headers longer than this are refused: a numeric column's header is a few dozen
    /// bytes (its statistics hold two values).</summary>
    public const int MaxPageHeaderLength = 64 * 1024;

    /// <summary>Decoded bytes a page may claim per value, plus <see cref="PageSlack"/>: the widest value
    /// read is 16 bytes (a decimal), and each value's definition and repetition levels take at most a few
    /// bytes more.</summary>
    public const int MaxBytesPerValue = 32;

    /// <summary>Bytes a page may claim beyond <see cref="MaxBytesPerValue"/> per value (level length prefixes, bit-width bytes).</summary>
    public const int PageSlack = 64;

    private static ReadOnlySpan<byte> Magic => "PAR1"u8;

    /// <summary>Checks the frame and the footer's structure; returns the footer's first byte offset.</summary>
    public static long CheckFooter(WindowedStream file, string source)
    {
        long length = file.Length;
        if (length == 0) throw DataFormatException.InSource(source, "the file is empty; expected a Parquet file.");
        if (length < 12) throw DataFormatException.AtByte(source, 0, $"the file is {length} bytes long; a Parquet file has at least 12 (PAR1, a footer length, PAR1).");
        Span<byte> head = stackalloc byte[4], tail = stackalloc byte[8];
        file.ReadAt(0, head);
        file.ReadAt(length - 8, tail);
        if (!head.SequenceEqual(Magic)) throw DataFormatException.AtByte(source, 0, $"the file does not start with PAR1{TextHint(head)}; it is not a Parquet file.");
        if (!tail[4..].SequenceEqual(Magic)) throw DataFormatException.AtByte(source, length - 4, "the file does not end with PAR1; it is truncated or not a Parquet file.");

        uint footerLength = BitConverter.ToUInt32(tail);
        long footerStart = length - 8 - footerLength;
        if (footerLength == 0 || footerStart < 4)
        {
            throw DataFormatException.AtByte(source, length - 8, $"footer length {footerLength} does not fit a file of {length} bytes; the file is truncated or corrupt.");
        }
        var footer = new byte[footerLength];   // at most the file's size
        file.ReadAt(footerStart, footer);
        try
        {
            new CompactThrift(footer).Skip(12, 0);
        }
        catch (ThriftFormatException e)
        {
            throw DataFormatException.AtByte(source, footerStart + e.Offset, $"malformed footer (file metadata): {e.Message}.", inner: e);
        }
        return footerStart;
    }

    /// <summary>The schema tree's depth, checked without recursion before Parquet.Net builds the tree
    /// recursively; deeper than <see cref="CompactThrift.MaxDepth"/> is refused.</summary>
    public static void CheckSchemaDepth(List<SchemaElement> schema, string source)
    {
        var open = new Stack<int>();   // children still expected by each open group
        open.Push(schema.Count == 0 ? 0 : schema[0].NumChildren ?? 0);
        for (int i = 1; i < schema.Count && open.Count > 0; i++)
        {
            open.Push(open.Pop() - 1);
            int children = schema[i].NumChildren ?? 0;
            if (children > 0) open.Push(children);
            if (open.Count > CompactThrift.MaxDepth) throw DataFormatException.InSource(source, $"the schema nests more than {CompactThrift.MaxDepth} groups deep.");
            while (open.Count > 0 && open.Peek() <= 0) open.Pop();
        }
    }

    /// <summary>Walks the page headers of one column chunk as Parquet.Net will, checking each; returns the
    /// byte range the pages occupy, which is all Parquet.Net may then read.</summary>
    public static (long Start, long End) CheckPages(WindowedStream file, string source, ColumnMetaData chunk, string column, long footerStart)
    {
        // Parquet.Net starts at the smallest non-zero of the three offsets and reads pages in sequence.
        long start = chunk.DataPageOffset;
        if (chunk.DictionaryPageOffset is > 0 and long d && d < start) start = d;
        if (chunk.IndexPageOffset is > 0 and long x && x < start) start = x;
        if (start < 4 || start >= footerStart)
        {
            throw DataFormatException.InSource(source, $"column '{column}': its pages start at byte {start}, outside the data ({4} to {footerStart}); the file is corrupt.");
        }

        // The pages lie inside the chunk's stored size (headers included, says the format), so a walk that has not
        // counted the chunk's values by its end cannot borrow the next column's pages.
        long chunkEnd = start + chunk.TotalCompressedSize;
        if (chunk.TotalCompressedSize <= 0 || chunkEnd > footerStart)
        {
            throw DataFormatException.InSource(source, $"column '{column}': its {chunk.TotalCompressedSize} bytes from byte {start} do not fit the data (which ends at byte {footerStart}); the file is truncated or corrupt.");
        }
        var buffer = new byte[(int)Math.Min(MaxPageHeaderLength, chunkEnd - start)];
        long position = start, values = 0;
        bool first = true;
        while (values < chunk.NumValues)
        {
            PageHeader page = ReadHeader(file, source, column, position, chunkEnd, buffer);
            long pageEnd = position + page.HeaderLength + (long)page.CompressedSize;
            string where = $"column '{column}', the page at byte {position}";
            if (page.CompressedSize < 0 || page.UncompressedSize < 0 || page.ValueCount < 0 || pageEnd > chunkEnd)
            {
                throw DataFormatException.AtByte(source, position, $"{where}: sizes {page.CompressedSize} (stored) and {page.UncompressedSize} (decoded) with {page.ValueCount} values do not fit the column chunk (bytes {start} to {chunkEnd}); the file is truncated or corrupt.");
            }
            if (page.Kind is not (PageHeader.DataPage or PageHeader.DataPageV2 or PageHeader.DictionaryPage) || (page.Kind == PageHeader.DictionaryPage && !first))
            {
                throw DataFormatException.AtByte(source, position, $"{where}: page type {page.Kind} is not a data page{(first ? "" : " (a dictionary page comes first, once)")}.");
            }
            if (page.ValueCount > chunk.NumValues - (page.Kind == PageHeader.DictionaryPage ? 0 : values)
                || page.UncompressedSize > PageSlack + (long)MaxBytesPerValue * page.ValueCount
                || page.LevelBytes > Math.Min(page.CompressedSize, page.UncompressedSize))
            {
                throw DataFormatException.AtByte(source, position,
                    $"{where}: {page.ValueCount} values in {page.UncompressedSize} decoded bytes do not fit the column's {chunk.NumValues} values; the file is corrupt.");
            }
            if (page.Kind != PageHeader.DictionaryPage) values += page.ValueCount;
            position = pageEnd;
            first = false;
        }
        return (start, position);
    }

    private static PageHeader ReadHeader(WindowedStream file, string source, string column, long position, long chunkEnd, byte[] buffer)
    {
        Span<byte> bytes = buffer.AsSpan(0, (int)Math.Min(buffer.Length, chunkEnd - position));
        file.ReadAt(position, bytes);
        try
        {
            return PageHeader.Parse(bytes);
        }
        catch (ThriftFormatException e)
        {
            throw DataFormatException.AtByte(source, position + e.Offset, $"column '{column}': malformed page header: {e.Message}.", inner: e);
        }
    }

    // " (it starts with text: is it a CSV file?)" when the first bytes are printable.
    private static string TextHint(ReadOnlySpan<byte> head)
    {
        foreach (byte b in head)
        {
            if (b is < 0x20 or > 0x7E && b is not (0x09 or 0x0A or 0x0D)) return "";
        }
        return " (it starts with text: is it a CSV file?)";
    }
}
