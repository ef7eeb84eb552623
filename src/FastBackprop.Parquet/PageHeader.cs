namespace FastBackprop.Parquet;

/// <summary>The fields of a Parquet page header that bound what reading the page allocates, parsed with
/// <see cref="CompactThrift"/> from the format's published definition (parquet.thrift: PageHeader 1 type,
/// 2 uncompressed_page_size, 3 compressed_page_size, 5 data_page_header, 7 dictionary_page_header,
/// 8 data_page_header_v2; each page kind's field 1 is num_values; DataPageHeaderV2 5 and 6 are the
/// definition and repetition level byte lengths).</summary>
internal readonly record struct PageHeader(int Kind, int UncompressedSize, int CompressedSize, int ValueCount, int LevelBytes, int HeaderLength)
{
    /// <summary>PageType.DATA_PAGE.</summary>
    public const int DataPage = 0;

    /// <summary>PageType.DICTIONARY_PAGE.</summary>
    public const int DictionaryPage = 2;

    /// <summary>PageType.DATA_PAGE_V2.</summary>
    public const int DataPageV2 = 3;

    /// <summary>Parses the page header at the start of <paramref name="bytes"/>.</summary>
    /// <exception cref="ThriftFormatException">The header is malformed or does not end within <paramref name="bytes"/>.</exception>
    public static PageHeader Parse(ReadOnlySpan<byte> bytes)
    {
        var thrift = new CompactThrift(bytes);
        int kind = -1, uncompressed = -1, compressed = -1, values = -1, levels = 0;
        short saved = thrift.BeginStruct();
        while (thrift.NextField(out short id, out byte type))
        {
            switch (id)
            {
                case 1: kind = thrift.ReadI32(type); break;
                case 2: uncompressed = thrift.ReadI32(type); break;
                case 3: compressed = thrift.ReadI32(type); break;
                case 5 or 7 or 8: (values, levels) = ReadPageKind(ref thrift, type); break;
                default: thrift.Skip(type, 1); break;
            }
        }
        thrift.EndStruct(saved);
        return new PageHeader(kind, uncompressed, compressed, values, levels, thrift.Position);
    }

    // DataPageHeader, DictionaryPageHeader or DataPageHeaderV2: num_values, and V2's level byte lengths.
    private static (int Values, int LevelBytes) ReadPageKind(ref CompactThrift thrift, byte type)
    {
        if (type != 12) throw new ThriftFormatException(thrift.Position, $"a page header part of type {type} where a struct belongs");
        int values = -1;
        long levels = 0;
        short saved = thrift.BeginStruct();
        while (thrift.NextField(out short id, out byte fieldType))
        {
            switch (id)
            {
                case 1: values = thrift.ReadI32(fieldType); break;
                case 5 or 6 when fieldType == 5:
                    int length = thrift.ReadI32(fieldType);
                    if (length < 0) throw new ThriftFormatException(thrift.Position, $"a negative level byte length {length}");
                    levels += length;
                    break;
                default: thrift.Skip(fieldType, 2); break;
            }
        }
        thrift.EndStruct(saved);
        return (values, (int)Math.Min(levels, int.MaxValue));
    }
}
