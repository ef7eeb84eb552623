using System.Globalization;

namespace FastBackprop.Data;

// ---------------------------------------------------------------------------------------------
// The one CSV tokenizer behind every reader (Dataset.FromCsv, CsvInputRows): numeric fields in
// the invariant culture ('.' decimal point, no thousands separators), one record per non-blank
// line, '\n' or "\r\n" line ends, optional double quotes around a field (a separator inside quotes
// belongs to the field; no line breaks inside quotes). Every field counts: an empty field ("1,,2",
// a trailing comma) is an error naming its line and column, never skipped, so columns cannot
// shift. Separator ' ' means whitespace-separated: any run of spaces and tabs separates fields.
// Lines are read through a fixed buffer with a length cap, so a file without line breaks cannot
// make the reader allocate without bound.
// ---------------------------------------------------------------------------------------------

/// <summary>Splits CSV text into lines and fields and parses numeric cells, with errors that name
/// the source, the line and the column.</summary>
internal sealed class CsvTokenizer
{
    /// <summary>The longest line accepted, in characters (enough for a million short fields).</summary>
    internal const int MaxLineLength = 1 << 24;

    /// <summary>The separators that detection (a null separator) chooses between, most likely first.</summary>
    private const string Candidates = ",\t;|";

    private readonly TextReader reader;
    private readonly char[] buffer = new char[1 << 14];
    private int bufferStart, bufferEnd;
    private char[] line = new char[256];
    private int lineLength;
    private readonly List<(int Start, int Length)> fields = [];
    private char? separator;

    /// <param name="reader">The text; read to its end, not disposed.</param>
    /// <param name="source">The name used in error messages.</param>
    /// <param name="separator">The field separator, or null to detect it on the first record.</param>
    public CsvTokenizer(TextReader reader, string source, char? separator)
    {
        this.reader = reader;
        Source = source;
        this.separator = separator;
    }

    /// <summary>The name used in error messages.</summary>
    public string Source { get; }

    /// <summary>The 1-based number of the current line.</summary>
    public int LineNumber { get; private set; }

    /// <summary>Fields of the current record.</summary>
    public int FieldCount => fields.Count;

    /// <summary>The separator in use (known once the first record has been split).</summary>
    public char? Separator => separator;

    /// <summary>Opens the file at <paramref name="path"/> as text: UTF-8 or byte-order-marked, plain
    /// or gzip-compressed (detected by the magic bytes 1f 8b, not by the name; the gzip trailer is
    /// verified, so a truncated file is an error rather than shorter data).</summary>
    public static StreamReader OpenText(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        try
        {
            Span<byte> head = stackalloc byte[2];
            int got = file.ReadAtLeast(head, 2, throwOnEndOfStream: false);
            file.Position = 0;
            Stream text = CheckedGzipStream.IsGzip(head[..got]) ? new CheckedGzipStream(file, path) : file;
            return new StreamReader(text, detectEncodingFromByteOrderMarks: true);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    // ---- records ------------------------------------------------------------------------------

    /// <summary>Advances to the next non-blank line without splitting it (a header, whose fields
    /// need not match the data); false at the end of the text.</summary>
    public bool SkipRecord()
    {
        while (NextLine())
        {
            if (!line.AsSpan(0, lineLength).IsWhiteSpace()) return true;
        }
        return false;
    }

    /// <summary>Advances to the next non-blank line and splits it into fields (detecting the
    /// separator on the first one when none was given); false at the end of the text.</summary>
    public bool NextRecord()
    {
        while (NextLine())
        {
            ReadOnlySpan<char> text = line.AsSpan(0, lineLength);
            if (text.IsWhiteSpace()) continue;
            separator ??= Detect(text);
            Split(text, separator.Value);
            return true;
        }
        return false;
    }

    /// <summary>Field <paramref name="c"/> of the current record, trimmed, without its quotes.</summary>
    public ReadOnlySpan<char> Cell(int c) => line.AsSpan(fields[c].Start, fields[c].Length);

    /// <summary>The first empty field of the current record, or -1.</summary>
    public int FirstEmptyField()
    {
        for (int c = 0; c < fields.Count; c++)
        {
            if (fields[c].Length == 0) return c;
        }
        return -1;
    }

    /// <summary>Whether some field of the current record parses as a number.</summary>
    public bool AnyNumericField()
    {
        for (int c = 0; c < fields.Count; c++)
        {
            if (double.TryParse(Cell(c), NumberStyles.Float, CultureInfo.InvariantCulture, out _)) return true;
        }
        return false;
    }

    // ---- cells --------------------------------------------------------------------------------

    /// <summary>Field <paramref name="c"/> as a finite float.</summary>
    /// <param name="c">0-based field index.</param>
    /// <param name="hint">A hint appended to a non-numeric cell's message, or null.</param>
    public float ParseFloat(int c, string? hint)
    {
        ReadOnlySpan<char> cell = Cell(c);
        if (float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out float v))
        {
            if (float.IsFinite(v)) return v;
            if (!float.IsNaN(v) && double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d))
            {
                throw Error(c, $"value {Show(cell)} does not fit a float (largest magnitude {float.MaxValue.ToString(CultureInfo.InvariantCulture)}).");
            }
        }
        throw NotNumeric(c, "a finite number", hint);
    }

    /// <summary>Field <paramref name="c"/> as a whole number (a class label) in double, not yet range-checked.</summary>
    public double ParseWholeNumber(int c, string? hint)
    {
        ReadOnlySpan<char> cell = Cell(c);
        if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
        {
            throw NotNumeric(c, "a whole-number class label", hint);
        }
        if (v != Math.Floor(v)) throw Error(c, $"label {Show(cell)} is not a whole number; expected a class label.");
        return v;
    }

    /// <summary>The error for a cell that is empty or not a number, with the likeliest cause.</summary>
    public DataFormatException NotNumeric(int c, string expected, string? hint)
    {
        ReadOnlySpan<char> cell = Cell(c);
        string problem = cell.IsEmpty ? $"empty field; expected {expected}." : $"non-numeric cell {Show(cell)}; expected {expected}.";
        string? cause = SeparatorHint(cell) ?? hint;
        return Error(c, cause is null ? problem : $"{problem} ({cause})");
    }

    /// <summary>A hint when <paramref name="text"/> (a cell, or a record that split into one field)
    /// holds a different separator or a decimal comma; null when nothing points that way.</summary>
    public string? SeparatorHint(ReadOnlySpan<char> text)
    {
        if (separator == ';' && text.Contains(',') && double.TryParse(text.ToString().Replace(',', '.'), NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            return "Numbers need '.' as the decimal point.";
        }
        foreach (char candidate in Candidates + " ")
        {
            if (candidate != separator && text.Trim().Contains(candidate))
            {
                return $"The fields look separated by {Name(candidate)}: use CsvOptions.Separator.";
            }
        }
        return null;
    }

    /// <summary>An error at field <paramref name="c"/> (0-based) of the current line, or at the whole line when null.</summary>
    public DataFormatException Error(int? c, string problem) => DataFormatException.AtLine(Source, LineNumber, c + 1, problem);

    /// <summary>A cell for a message: quoted, cut at 40 characters.</summary>
    public static string Show(ReadOnlySpan<char> cell) =>
        cell.Length <= 40 ? $"'{cell}'" : $"'{cell[..40]}...' ({cell.Length} characters)";

    /// <summary>A separator as a message names it.</summary>
    public static string Name(char separator) => separator switch
    {
        '\t' => "tabs",
        ' ' => "spaces",
        _ => $"'{separator}'",
    };

    // ---- fields -------------------------------------------------------------------------------

    /// <summary>The candidate separator that occurs most often outside quotes (ties: the earlier in
    /// <see cref="Candidates"/>); whitespace (' ') when there is none but blanks inside the line,
    /// or when the winner is tab and spaces separate values too; else ','.</summary>
    private static char Detect(ReadOnlySpan<char> text)
    {
        Span<int> counts = stackalloc int[Candidates.Length];
        bool quoted = false, blankInside = false;
        ReadOnlySpan<char> trimmed = text.Trim();
        foreach (char ch in trimmed)
        {
            if (ch == '"') quoted = !quoted;
            if (quoted) continue;
            int k = Candidates.IndexOf(ch, StringComparison.Ordinal);
            if (k >= 0) counts[k]++;
            blankInside |= ch == ' ';
        }
        int best = 0;
        for (int k = 1; k < counts.Length; k++)
        {
            if (counts[k] > counts[best]) best = k;
        }
        // Tabs and spaces mixed between values: whitespace-separated (both separate there).
        if (Candidates[best] == '\t' && blankInside) return ' ';
        return counts[best] > 0 ? Candidates[best] : blankInside ? ' ' : ',';
    }

    /// <summary>Splits <paramref name="text"/> into <see cref="fields"/> (trimmed; quoted content without the quotes).</summary>
    private void Split(ReadOnlySpan<char> text, char sep)
    {
        fields.Clear();
        bool whitespace = sep == ' ';
        char notBlank = whitespace ? '\0' : sep;   // in whitespace mode every space and tab is a separator
        int i = 0;
        while (true)
        {
            SkipBlanks(text, ref i, notBlank);
            int start, end;
            if (i < text.Length && text[i] == '"')
            {
                (start, end) = Quoted(text, ref i);
                int after = i;
                SkipBlanks(text, ref i, notBlank);
                bool separated = i >= text.Length || (whitespace ? i > after : text[i] == sep);
                if (!separated) throw Error(fields.Count, $"unexpected '{text[i]}' after a closing quote.");
            }
            else
            {
                start = i;
                while (i < text.Length && text[i] != sep && !(whitespace && IsBlank(text[i], notBlank))) i++;
                end = i;
                while (end > start && IsBlank(text[end - 1], notBlank)) end--;
                if (whitespace) SkipBlanks(text, ref i, notBlank);
            }

            fields.Add((start, end - start));
            if (i >= text.Length) return;
            if (!whitespace) i++; // the separator
        }
    }

    /// <summary>Reads a quoted field starting at the quote at <paramref name="i"/>; leaves <paramref name="i"/> after the closing quote.</summary>
    private (int Start, int End) Quoted(ReadOnlySpan<char> text, ref int i)
    {
        int start = ++i;
        while (true)
        {
            if (i >= text.Length) throw Error(fields.Count, "unterminated quoted field.");
            if (text[i] == '"')
            {
                if (i + 1 < text.Length && text[i + 1] == '"')
                {
                    i += 2;
                    continue;
                }
                break;
            }
            i++;
        }
        return (start, i++);
    }

    private static void SkipBlanks(ReadOnlySpan<char> text, ref int i, char notBlank)
    {
        while (i < text.Length && IsBlank(text[i], notBlank)) i++;
    }

    /// <summary>A space or tab that is not the separator <paramref name="notBlank"/>.</summary>
    private static bool IsBlank(char ch, char notBlank) => ch != notBlank && (ch == ' ' || ch == '\t');

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
                    if (any) LineNumber++;
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
                LineNumber++;
                if (lineLength > 0 && line[lineLength - 1] == '\r') lineLength--;
                return true;
            }
        }
    }

    private void Append(ReadOnlySpan<char> chars)
    {
        if ((long)lineLength + chars.Length > MaxLineLength)
        {
            throw DataFormatException.AtLine(Source, LineNumber + 1, null, $"the line is longer than {MaxLineLength} characters, the reader's limit.");
        }
        if (lineLength + chars.Length > line.Length)
        {
            Array.Resize(ref line, (int)Math.Min(MaxLineLength, Math.Max(2L * line.Length, lineLength + chars.Length)));
        }
        chars.CopyTo(line.AsSpan(lineLength));
        lineLength += chars.Length;
    }
}
