namespace FastBackprop.Data;

/// <summary>A data file (IDX, CSV or the embedded data) is malformed. The message names the source
/// (file name or the name given for a stream), the position of the problem (a byte offset, or a
/// line and column) and the problem itself, for example
/// <c>train-images.idx3-ubyte, byte 0: wrong magic number 0x12 0x34; an IDX file starts with 0x00 0x00.</c>
/// The same facts are available as <see cref="SourceName"/>, <see cref="ByteOffset"/>,
/// <see cref="Line"/> and <see cref="Column"/>.</summary>
/// <remarks>Derives from <see cref="IOException"/> (<see cref="InvalidDataException"/>, the natural
/// base, is sealed), so one <c>catch (IOException)</c> around a load covers both a missing or
/// unreadable file and a malformed one; catch <see cref="DataFormatException"/> to tell them apart.</remarks>
public sealed class DataFormatException : IOException
{
    /// <summary>Creates an exception with a plain message and no position.</summary>
    public DataFormatException()
        : base("The data is malformed.")
    {
    }

    /// <summary>Creates an exception with a plain message and no position.</summary>
    /// <param name="message">The whole message.</param>
    public DataFormatException(string? message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a plain message, no position and an inner cause.</summary>
    /// <param name="message">The whole message.</param>
    /// <param name="innerException">The failure that revealed the problem.</param>
    public DataFormatException(string? message, Exception? innerException)
        : base(message, innerException)
    {
    }

    private DataFormatException(string source, long? byteOffset, int? line, int? column, string position, string problem, Exception? inner)
        : base($"{source}, {position}: {problem}", inner)
    {
        SourceName = source;
        ByteOffset = byteOffset;
        Line = line;
        Column = column;
    }

    /// <summary>The file name or stream name the problem was found in (null for the plain constructors).</summary>
    public string? SourceName { get; }

    /// <summary>The byte offset of the problem in a binary source (for gzip files: in the
    /// decompressed data), or null.</summary>
    public long? ByteOffset { get; }

    /// <summary>The 1-based line of the problem in a text source, or null.</summary>
    public int? Line { get; }

    /// <summary>The 1-based column (field number) of the problem in a text source, or null when the
    /// problem concerns the whole line.</summary>
    public int? Column { get; }

    /// <summary>An exception for a problem at <paramref name="byteOffset"/> of a binary source.</summary>
    /// <param name="source">The file or stream name.</param>
    /// <param name="byteOffset">Where the problem is.</param>
    /// <param name="problem">What is wrong.</param>
    /// <param name="decompressed">Whether the offset counts bytes of gzip-decompressed data.</param>
    /// <param name="inner">The failure that revealed the problem, if any.</param>
    internal static DataFormatException AtByte(string source, long byteOffset, string problem, bool decompressed = false, Exception? inner = null) =>
        new(source, byteOffset, null, null, decompressed ? $"byte {byteOffset} (of the decompressed data)" : $"byte {byteOffset}", problem, inner);

    /// <summary>An exception for a problem at <paramref name="line"/> (and optionally
    /// <paramref name="column"/>) of a text source.</summary>
    internal static DataFormatException AtLine(string source, int line, int? column, string problem) =>
        new(source, null, line, column, column is int c ? $"line {line}, column {c}" : $"line {line}", problem, null);

    /// <summary>An exception for a problem in row <paramref name="row"/> (1-based, counted over the whole file) of a
    /// column-oriented source (Parquet), in the 0-based column <paramref name="column"/> named <paramref name="columnName"/>;
    /// <see cref="Line"/> holds the row and <see cref="Column"/> the 1-based column, as for a text source.</summary>
    internal static DataFormatException AtRow(string source, long row, int column, string columnName, string problem) =>
        new(source, null, (int)Math.Min(row, int.MaxValue), column + 1, $"row {row}, column {column + 1} ('{columnName}')", problem, null);

    /// <summary>An exception for a problem that concerns a whole source (no data rows, mismatched files).</summary>
    internal static DataFormatException InSource(string source, string problem, Exception? inner = null) =>
        new(source, null, null, null, "whole file", problem, inner);
}
