using System.Globalization;

namespace FastBackprop.Data;

// ---------------------------------------------------------------------------------------------
// CSV reader: numeric fields, invariant culture ('.' decimal point, no thousands separators),
// one sample per non-blank line, '\n' or "\r\n" line ends, optional double quotes around a field
// (a separator inside quotes belongs to the field; no line breaks inside quotes). Lines are read
// through a fixed buffer with a length cap, so a file without line breaks cannot make the reader
// allocate without bound; the values themselves are bounded by Array.MaxLength.
// ---------------------------------------------------------------------------------------------

/// <summary>Parses CSV text into a <see cref="Dataset"/> (entry point: <see cref="Dataset.FromCsv(TextReader, string, CsvOptions?)"/>).</summary>
internal sealed class CsvReader
{
    /// <summary>The longest line accepted, in characters (enough for a million short fields).</summary>
    internal const int MaxLineLength = 1 << 24;

    /// <summary>Labels must be below this when the class count is inferred (a stray large number
    /// in a label column must not become a gigantic one-hot block).</summary>
    internal const int MaxInferredClassCount = 1 << 16;

    private readonly TextReader reader;
    private readonly string source;
    private readonly CsvOptions options;
    private readonly char[] buffer = new char[1 << 14];
    private int bufferStart, bufferEnd;
    private char[] line = new char[256];
    private int lineLength, lineNumber;
    private readonly List<(int Start, int Length)> fields = [];

    private CsvReader(TextReader reader, string source, CsvOptions options)
    {
        this.reader = reader;
        this.source = source;
        this.options = options;
    }

    /// <summary>Reads the whole of <paramref name="reader"/> as described by <paramref name="options"/>.</summary>
    public static Dataset Read(TextReader reader, string source, CsvOptions options) => new CsvReader(reader, source, options).Read();

    private Dataset Read()
    {
        bool classification = options.TargetKind == CsvTargetKind.Classification;
        int? classCount = options.ClassCount;
        int targetCount = options.TargetColumnCount;
        int width = -1, widthLine = 0, targetStart = 0;
        bool headerPending = options.HasHeader;
        var x = new List<float>();
        var d = new List<float>();
        var labels = new List<int>();
        int maxLabel = -1;

        while (NextLine())
        {
            ReadOnlySpan<char> text = line.AsSpan(0, lineLength);
            if (text.IsWhiteSpace()) continue;
            Split(text);

            if (width < 0)
            {
                width = fields.Count;
                widthLine = lineNumber;
                targetStart = ResolveTargets(width, targetCount);
            }
            else if (fields.Count != width)
            {
                throw DataFormatException.AtLine(source, lineNumber, Math.Min(fields.Count, width) + 1,
                    $"ragged row: {fields.Count} fields; expected {width} (as in line {widthLine}).");
            }

            if (headerPending)
            {
                headerPending = false;
                continue;
            }

            if ((long)x.Count + width > Array.MaxLength)
            {
                throw DataFormatException.AtLine(source, lineNumber, null, $"more than {Array.MaxLength} values; the reader's limit.");
            }

            for (int c = 0; c < width; c++)
            {
                bool isTarget = c >= targetStart && c < targetStart + targetCount;
                if (isTarget && classification)
                {
                    int label = ParseLabel(c, classCount);
                    labels.Add(label);
                    maxLabel = Math.Max(maxLabel, label);
                }
                else
                {
                    float v = ParseValue(c);
                    (isTarget ? d : x).Add(v);
                }
            }
        }

        int rows = classification ? labels.Count : (width > 0 ? d.Count / targetCount : 0);
        if (rows == 0)
        {
            throw DataFormatException.InSource(source, width < 0 ? "the file is empty; expected rows of numbers." : "the file has a header but no data rows.");
        }

        int inputWidth = width - targetCount;
        if (classification && (long)rows * (classCount ?? maxLabel + 1) > Array.MaxLength)
        {
            throw DataFormatException.InSource(source, $"{rows} rows x {classCount ?? maxLabel + 1} classes is more than {Array.MaxLength} target values.");
        }
        float[] inputs = [.. x];
        return classification
            ? Dataset.FromOwnedLabels(inputs, inputWidth, [.. labels], classCount ?? maxLabel + 1)
            : new Dataset(inputs, inputWidth, [.. d], targetCount, labels: null, classCount: 0);
    }

    // ---- columns and cells --------------------------------------------------------------------

    private int ResolveTargets(int width, int targetCount)
    {
        int start = options.LabelColumn < 0 ? width + options.LabelColumn : options.LabelColumn;
        if (start < 0 || start > width - targetCount || width - targetCount < 1)
        {
            string which = targetCount == 1 ? $"label column {options.LabelColumn}" : $"{targetCount} target columns from column {options.LabelColumn}";
            throw DataFormatException.AtLine(source, lineNumber, null,
                $"{which} does not fit a row of {width} fields with at least one input column left.");
        }
        return start;
    }

    private float ParseValue(int c)
    {
        ReadOnlySpan<char> cell = Cell(c);
        if (float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && float.IsFinite(v)) return v;
        throw NotNumeric(c, cell, "a finite number");
    }

    private int ParseLabel(int c, int? classCount)
    {
        ReadOnlySpan<char> cell = Cell(c);
        if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
        {
            throw NotNumeric(c, cell, "a whole-number class label");
        }
        if (v != Math.Floor(v))
        {
            throw DataFormatException.AtLine(source, lineNumber, c + 1, $"label {Show(cell)} is not a whole number; expected a class label.");
        }
        int limit = classCount ?? MaxInferredClassCount;
        if (v < 0 || v >= limit)
        {
            throw DataFormatException.AtLine(source, lineNumber, c + 1, classCount is null
                ? $"label {Show(cell)} is out of range; expected a class in [0, {MaxInferredClassCount}) (set CsvOptions.ClassCount for more classes)."
                : $"label {Show(cell)} is out of range; expected a class in [0, {classCount}).");
        }
        return (int)v;
    }

    private DataFormatException NotNumeric(int c, ReadOnlySpan<char> cell, string expected)
    {
        string problem = cell.IsEmpty ? $"empty cell; expected {expected}." : $"non-numeric cell {Show(cell)}; expected {expected}.";
        if (!options.HasHeader && lineNumber == 1) problem += " (Is the first line a header? Set CsvOptions.HasHeader.)";
        return DataFormatException.AtLine(source, lineNumber, c + 1, problem);
    }

    private static string Show(ReadOnlySpan<char> cell) =>
        cell.Length <= 40 ? $"'{cell}'" : $"'{cell[..40]}...' ({cell.Length} characters)";

    /// <summary>Field <paramref name="c"/> of the current line, trimmed, without its quotes.</summary>
    private ReadOnlySpan<char> Cell(int c) => line.AsSpan(fields[c].Start, fields[c].Length);

    /// <summary>Splits the current line into <see cref="fields"/> (trimmed; quoted content without the quotes).</summary>
    private void Split(ReadOnlySpan<char> text)
    {
        fields.Clear();
        char separator = options.Separator;
        int i = 0;
        while (true)
        {
            while (i < text.Length && text[i] != separator && IsBlank(text[i], separator)) i++;
            int start, end;
            if (i < text.Length && text[i] == '"')
            {
                int column = fields.Count + 1;
                start = ++i;
                while (true)
                {
                    if (i >= text.Length) throw DataFormatException.AtLine(source, lineNumber, column, "unterminated quoted field.");
                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"') { i += 2; continue; }
                        break;
                    }
                    i++;
                }
                end = i++;
                while (i < text.Length && text[i] != separator && IsBlank(text[i], separator)) i++;
                if (i < text.Length && text[i] != separator)
                {
                    throw DataFormatException.AtLine(source, lineNumber, column, $"unexpected '{text[i]}' after a closing quote.");
                }
            }
            else
            {
                start = i;
                while (i < text.Length && text[i] != separator) i++;
                end = i;
                while (end > start && IsBlank(text[end - 1], separator)) end--;
            }

            fields.Add((start, end - start));
            if (i >= text.Length) return;
            i++; // the separator
        }
    }

    private static bool IsBlank(char ch, char separator) => ch != separator && (ch == ' ' || ch == '\t');

    // ---- lines --------------------------------------------------------------------------------

    /// <summary>Reads the next line into <see cref="line"/> (without its line end); false at the end.</summary>
    private bool NextLine()
    {
        lineLength = 0;
        bool any = false;
        while (true)
        {
            if (bufferStart == bufferEnd)
            {
                bufferStart = 0;
                bufferEnd = reader.Read(buffer, 0, buffer.Length);
                if (bufferEnd == 0)
                {
                    if (any) lineNumber++;
                    return any;
                }
            }

            any = true;
            int newline = Array.IndexOf(buffer, '\n', bufferStart, bufferEnd - bufferStart);
            int end = newline < 0 ? bufferEnd : newline;
            Append(buffer.AsSpan(bufferStart, end - bufferStart));
            bufferStart = newline < 0 ? bufferEnd : newline + 1;
            if (newline >= 0)
            {
                lineNumber++;
                if (lineLength > 0 && line[lineLength - 1] == '\r') lineLength--;
                return true;
            }
        }
    }

    private void Append(ReadOnlySpan<char> chars)
    {
        if ((long)lineLength + chars.Length > MaxLineLength)
        {
            throw DataFormatException.AtLine(source, lineNumber + 1, null, $"the line is longer than {MaxLineLength} characters, the reader's limit.");
        }
        if (lineLength + chars.Length > line.Length)
        {
            Array.Resize(ref line, (int)Math.Min(MaxLineLength, Math.Max(2L * line.Length, lineLength + chars.Length)));
        }
        chars.CopyTo(line.AsSpan(lineLength));
        lineLength += chars.Length;
    }
}
