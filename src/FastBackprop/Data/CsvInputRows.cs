using System.Globalization;

namespace FastBackprop.Data;

/// <summary>Rows of raw inputs read from CSV for inference (no targets), with the line each row
/// came from, optionally scaled as they are read: what a model is asked to predict.</summary>
/// <remarks>The same tokenizer as <see cref="Dataset.FromCsv(TextReader, string, CsvOptions?)"/>:
/// every field counts (an empty field is an error naming its line and column), numbers in the
/// invariant culture. A first line none of whose fields is a number is a header and skipped,
/// unless it is one field that looks like a row with another separator (then it is reported).</remarks>
public sealed class CsvInputRows
{
    private readonly float[] values;
    private readonly int[] lines;

    private CsvInputRows(string sourceName, float[] values, int[] lines, int width)
    {
        SourceName = sourceName;
        this.values = values;
        this.lines = lines;
        Width = width;
    }

    /// <summary>The file or stream name the rows were read from.</summary>
    public string SourceName { get; }

    /// <summary>Number of rows.</summary>
    public int Count => lines.Length;

    /// <summary>Values per row.</summary>
    public int Width { get; }

    /// <summary>All rows, <see cref="Count"/> x <see cref="Width"/>, row-major (scaled when a scaling was given).</summary>
    public ReadOnlySpan<float> Values => values;

    /// <summary>The 1-based line of the text that row <paramref name="row"/> came from.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="row"/> is outside [0, <see cref="Count"/>).</exception>
    public int LineOf(int row)
    {
        if ((uint)row >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(row), row, $"row is {row}; expected a row in [0, {Count}).");
        return lines[row];
    }

    /// <summary>Reads the CSV file at <paramref name="path"/> (plain or gzip, detected by content); see
    /// <see cref="Read(TextReader, string, int, InputScaling?, char?)"/>.</summary>
    /// <exception cref="DataFormatException">See <see cref="Read(TextReader, string, int, InputScaling?, char?)"/>.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static CsvInputRows Read(string path, int width, InputScaling? scaling = null, char? separator = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using StreamReader reader = CsvTokenizer.OpenText(path);
        return Read(reader, path, width, scaling, separator);
    }

    /// <summary>Reads rows of exactly <paramref name="width"/> numbers each, applying
    /// <paramref name="scaling"/> (a model's <see cref="IO.Model.Scaling"/>) to each row as it is read.</summary>
    /// <param name="reader">The text; read to its end, not disposed.</param>
    /// <param name="sourceName">The name used in error messages (usually the file name).</param>
    /// <param name="width">Numbers per row (the model's input width); at least 1.</param>
    /// <param name="scaling">The scaling to apply to every row, or null for none.</param>
    /// <param name="separator">The field separator (see <see cref="CsvOptions.Separator"/>), or null
    /// (the default) to detect it on the first data line.</param>
    /// <exception cref="DataFormatException">An empty field, a row of another width, a cell that is
    /// not a finite number or does not fit a float, a value that the scaling sends to infinity (far
    /// outside the range the model was trained on), a line over 16 Mi characters; the message
    /// names the source, the line and the column. No rows at all is also an error.</exception>
    /// <exception cref="ArgumentException"><paramref name="scaling"/>'s width differs from <paramref name="width"/>,
    /// or <paramref name="separator"/> is a quote or a line break.</exception>
    public static CsvInputRows Read(TextReader reader, string sourceName, int width, InputScaling? scaling = null, char? separator = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(sourceName);
        ThrowHelper.CheckAtLeast(width, 1, nameof(width));
        if (scaling is not null) ThrowHelper.CheckLength(scaling.Width, width, "scaling.Width");
        if (separator is '"' or '\r' or '\n')
        {
            throw new ArgumentException($"separator is U+{(int)separator:X4}; a quote or line break cannot separate fields.", nameof(separator));
        }

        var text = new CsvTokenizer(reader, sourceName, separator);
        var values = new List<float>();
        var lines = new List<int>();
        var row = new float[width];
        bool first = true;
        while (text.NextRecord())
        {
            bool header = first && !text.AnyNumericField() && !(text.FieldCount == 1 && text.SeparatorHint(text.Cell(0)) is not null);
            first = false;
            if (header) continue;
            ReadRow(text, row);
            if (scaling is not null) Scale(text, scaling, row);
            if ((long)values.Count + width > Array.MaxLength) throw text.Error(null, $"more than {Array.MaxLength} values; the reader's limit.");
            values.AddRange(row);
            lines.Add(text.LineNumber);
        }
        if (lines.Count == 0) throw DataFormatException.InSource(sourceName, "no input rows.");
        return new CsvInputRows(sourceName, [.. values], [.. lines], width);
    }

    private static void ReadRow(CsvTokenizer text, float[] row)
    {
        int empty = text.FirstEmptyField();
        if (empty >= 0) throw text.NotNumeric(empty, "a number", hint: null);
        if (text.FieldCount != row.Length)
        {
            string problem = $"{text.FieldCount} value{(text.FieldCount == 1 ? "" : "s")}; expected {row.Length} inputs per row.";
            string? hint = text.FieldCount == 1 ? text.SeparatorHint(text.Cell(0)) : null;
            throw text.Error(null, hint is null ? problem : $"{problem} ({hint})");
        }
        for (int c = 0; c < row.Length; c++) row[c] = text.ParseFloat(c, hint: null);
    }

    private static void Scale(CsvTokenizer text, InputScaling scaling, float[] row)
    {
        scaling.ApplyInPlace(row);
        for (int c = 0; c < row.Length; c++)
        {
            if (!float.IsFinite(row[c]))
            {
                throw text.Error(c, string.Create(CultureInfo.InvariantCulture, $"value {CsvTokenizer.Show(text.Cell(c))} scales to {row[c]} with the model's input scaling ") +
                    string.Create(CultureInfo.InvariantCulture, $"(offset {scaling.Offset[c]}, scale {scaling.Scale[c]}): far outside the range the model was trained on."));
            }
        }
    }
}
