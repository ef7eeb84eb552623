using FastBackprop.Data;

namespace FastBackprop.Parquet;

/// <summary>Reads numeric Parquet columns into a <see cref="Dataset"/>, with the options and the
/// errors of the CSV reader (<see cref="Dataset.FromCsv(string, CsvOptions?)"/>): each leaf column of
/// the file is one field of a row, in schema order; <see cref="CsvOptions.LabelColumn"/> and
/// <see cref="CsvOptions.TargetColumnCount"/> choose the targets, every other column but the weight
/// column is an input.</summary>
/// <remarks>
/// <para>Column types read: float, double, signed and unsigned 8/16/32/64-bit integers, boolean
/// (false = 0, true = 1) and decimal, each converted to float as a CSV cell of the same value is
/// (a value beyond float's range is an error, not infinity). Text, binary, dates, times and
/// timestamps are refused naming the column: as in a CSV file, class labels are whole numbers
/// 0..k-1. Nested columns (lists, maps, structs) are refused. Optional (nullable) columns are read
/// when they hold no null; a null is an error naming its row and column.</para>
/// <para>Pages may be plain or dictionary encoded, and uncompressed or compressed with any codec
/// Parquet.Net reads (snappy, gzip, zstd, lz4, brotli); any number of row groups.</para>
/// <para><see cref="CsvOptions.HasHeader"/> and <see cref="CsvOptions.Separator"/> do not apply (a
/// Parquet file always names its columns, so <see cref="CsvOptions.WeightColumnName"/> works without a
/// header flag). Names match as in the CSV reader: exactly after trimming, else ignoring case.</para>
/// <para>Bounds: before Parquet.Net reads anything, the footer's lengths, the schema's depth and every
/// page header of every column are checked against the file, and Parquet.Net may read only the pages
/// checked. The rows x columns the file claims must stay below <see cref="MaxValuesPerByte"/> values per
/// byte of the file (with a floor of <see cref="MinValueAllowance"/>) and below <see cref="Array.MaxLength"/>:
/// a few bytes claiming millions of rows are refused before anything is allocated for them.</para>
/// </remarks>
public static class ParquetDataset
{
    /// <summary>At most this many values (rows x columns) per byte of the file are read (4096: a
    /// dictionary-encoded constant column of 20,000 rows per page, as Arrow writes it, takes about 800).</summary>
    public const int MaxValuesPerByte = 4096;

    /// <summary>Any file may hold this many values (16 Mi), whatever its size.</summary>
    public const int MinValueAllowance = 1 << 24;

    /// <summary>Loads the Parquet file at <paramref name="path"/>; see <see cref="ReadAsync(string, CsvOptions?, CancellationToken)"/>.</summary>
    /// <param name="path">The file to read.</param>
    /// <param name="options">Label column, classification or regression, class count, weight column; null for the defaults.</param>
    /// <returns>A dataset with one sample per row, in file order.</returns>
    /// <exception cref="DataFormatException">The file is not Parquet, is truncated or corrupt, has a column that is
    /// not numeric or is nested, a null, a non-finite value, a value beyond float's range, a label that is not a whole
    /// number in range, a negative weight, target columns that do not fit, or no rows. The message names the file, the
    /// row and column (by number and name) or the byte offset, and the problem.</exception>
    /// <exception cref="ArgumentException">The options are inconsistent (as for the CSV reader).</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static Dataset Read(string path, CsvOptions? options = null) =>
        // On the thread pool, so that a caller's synchronization context (a UI thread) is never needed to finish the read.
        Task.Run(() => ReadAsync(path, options, CancellationToken.None)).GetAwaiter().GetResult();

    /// <summary>Loads the Parquet file at <paramref name="path"/> (the class remarks say which columns and
    /// encodings are read): the columns chosen by <see cref="CsvOptions.LabelColumn"/> and
    /// <see cref="CsvOptions.TargetColumnCount"/> are the targets, <see cref="CsvOptions.WeightColumn"/>
    /// or <see cref="CsvOptions.WeightColumnName"/> the sample weights, every other column an input,
    /// in schema order. For classification the label column holds whole numbers in [0, class count) and
    /// the targets are one-hot; for regression the target columns are used as they are.</summary>
    /// <param name="path">The file to read.</param>
    /// <param name="options">Label column, classification or regression, class count, weight column; null for the defaults.</param>
    /// <param name="cancellationToken">Stops the read between columns.</param>
    /// <returns>A dataset with one sample per row, in file order (row groups one after another).</returns>
    /// <exception cref="DataFormatException">See <see cref="Read(string, CsvOptions?)"/>.</exception>
    /// <exception cref="ArgumentException">The options are inconsistent.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static async Task<Dataset> ReadAsync(string path, CsvOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        CsvOptions o = Dataset.Validate((options ?? new CsvOptions()) with { HasHeader = true, Separator = ',' });
        var file = new WindowedStream(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096));
        await using (file.ConfigureAwait(false))
        {
            return await ParquetTableReader.ReadAsync(file, path, o, cancellationToken).ConfigureAwait(false);
        }
    }
}
