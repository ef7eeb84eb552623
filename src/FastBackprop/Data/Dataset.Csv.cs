namespace FastBackprop.Data;

public sealed partial class Dataset
{
    /// <summary>Loads a dataset from the CSV file at <paramref name="path"/> (UTF-8 or a
    /// byte-order-marked encoding), plain or gzip-compressed (detected by the magic bytes 1f 8b,
    /// not by the name; a truncated or corrupt gzip file is a <see cref="DataFormatException"/>);
    /// see <see cref="FromCsv(TextReader, string, CsvOptions?)"/>.</summary>
    /// <param name="path">The file to read.</param>
    /// <param name="options">Label column, header, classification or regression; null for the defaults.</param>
    /// <exception cref="DataFormatException">The file is malformed (the message names the file,
    /// the line and column, and the problem).</exception>
    /// <exception cref="ArgumentException">The options are inconsistent.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static Dataset FromCsv(string path, CsvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        CsvOptions o = Validate(options);
        using StreamReader reader = CsvTokenizer.OpenText(path);
        return CsvReader.Read(reader, path, o);
    }

    /// <summary>Loads a dataset from CSV text: one sample per non-blank line, fields separated by
    /// <see cref="CsvOptions.Separator"/>, numbers in the invariant culture (<c>1.5</c>,
    /// <c>-2e-3</c>), optionally in double quotes. The target columns are chosen by
    /// <see cref="CsvOptions.LabelColumn"/> and <see cref="CsvOptions.TargetColumnCount"/>; every
    /// other column is an input, in file order. For classification the label column holds whole
    /// numbers in [0, class count) and the targets are one-hot; for regression the target columns
    /// are used as they are.</summary>
    /// <param name="reader">The text; read to its end, not disposed.</param>
    /// <param name="sourceName">The name used in error messages (usually the file name).</param>
    /// <param name="options">Label column, header, classification or regression; null for the defaults.</param>
    /// <returns>A dataset with one sample per data row, in file order.</returns>
    /// <exception cref="DataFormatException">Ragged rows, an empty field (<c>1,,2</c>, a trailing
    /// separator), a non-numeric or non-finite cell or one that does not fit a float, a label that
    /// is not a whole number or out of range, target columns that do not fit the rows, a line over
    /// 16 Mi characters, or no data rows. The message names the source, the 1-based line and
    /// column, and the problem, with a hint where the cause is likely (a header, another
    /// separator).</exception>
    /// <exception cref="ArgumentException">The options are inconsistent (a target column count
    /// other than 1 for classification, a class count below 1, a quote or line break as separator).</exception>
    public static Dataset FromCsv(TextReader reader, string sourceName, CsvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(sourceName);
        return CsvReader.Read(reader, sourceName, Validate(options));
    }

    /// <summary>The options with their defaults, checked as every reader of CsvOptions checks them (CSV and Parquet).</summary>
    internal static CsvOptions Validate(CsvOptions? options)
    {
        CsvOptions o = options ?? new CsvOptions();
        ThrowHelper.CheckAtLeast(o.TargetColumnCount, 1, "options.TargetColumnCount");
        if (o.TargetKind == CsvTargetKind.Classification && o.TargetColumnCount != 1)
        {
            throw new ArgumentException($"options.TargetColumnCount is {o.TargetColumnCount}; classification expects 1 label column.", nameof(options));
        }
        if (o.ClassCount is int k) ThrowHelper.CheckAtLeast(k, 1, "options.ClassCount");
        if (o.Separator is '"' or '\r' or '\n')
        {
            throw new ArgumentException($"options.Separator is U+{(int)o.Separator:X4}; a quote or line break cannot separate fields.", nameof(options));
        }
        if (o.WeightColumn is not null && o.WeightColumnName is not null)
        {
            throw new ArgumentException("CsvOptions.WeightColumn and CsvOptions.WeightColumnName are both set; give the weight column once.", nameof(options));
        }
        if (o.WeightColumnName is not null && !o.HasHeader)
        {
            throw new ArgumentException($"CsvOptions.WeightColumnName is '{o.WeightColumnName}', but without CsvOptions.HasHeader there are no column names; give its index in CsvOptions.WeightColumn.", nameof(options));
        }
        if (!Enum.IsDefined(o.TargetKind))
        {
            throw new ArgumentException($"options.TargetKind is {(int)o.TargetKind}; expected Classification or Regression.", nameof(options));
        }
        return o;
    }
}
