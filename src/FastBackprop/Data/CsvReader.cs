namespace FastBackprop.Data;

// ---------------------------------------------------------------------------------------------
// CSV to Dataset: the target columns chosen by CsvOptions, every other column an input, one
// sample per record of CsvTokenizer. The values are bounded by Array.MaxLength and grow only as
// rows actually arrive; a header is skipped whole (its field count need not match the rows).
// ---------------------------------------------------------------------------------------------

/// <summary>Parses CSV text into a <see cref="Dataset"/> (entry point: <see cref="Dataset.FromCsv(TextReader, string, CsvOptions?)"/>).</summary>
internal sealed partial class CsvReader
{
    private const string HeaderHint = "Is the first line a header? Use CsvOptions.HasHeader.";
    private const string SecondHeaderHint = "Is this line a header too? CsvOptions.HasHeader skips one line.";

    private readonly CsvTokenizer text;
    private readonly CsvOptions options;
    private int width = -1, widthLine, targetStart;
    private int weightColumn = -1;          // the weight column's index in the file's rows (CsvReader.Weights.cs), or -1
    private string[]? headerNames;           // the header's fields, read only when the weight column is named

    private CsvReader(TextReader reader, string source, CsvOptions options)
    {
        text = new CsvTokenizer(reader, source, options.Separator);
        this.options = options;
    }

    /// <summary>Reads the whole of <paramref name="reader"/> as described by <paramref name="options"/>.</summary>
    public static Dataset Read(TextReader reader, string source, CsvOptions options) => new CsvReader(reader, source, options).Read();

    private Dataset Read()
    {
        bool classification = options.TargetKind == CsvTargetKind.Classification;
        int targetCount = options.TargetColumnCount;
        var x = new List<float>();
        var d = new List<float>();
        var labels = new List<int>();
        var weights = new List<float>();
        int maxLabel = -1, maxLabelLine = 0, firstDataLine = 0;

        bool header = options.HasHeader && ReadHeader();
        while (text.NextRecord())
        {
            if (firstDataLine == 0) firstDataLine = text.LineNumber;
            CheckWidth(targetCount);
            if ((long)x.Count + width > Array.MaxLength)
            {
                throw text.Error(null, $"more than {Array.MaxLength} values; the reader's limit.");
            }

            string? hint = text.LineNumber != firstDataLine ? null : options.HasHeader ? SecondHeaderHint : HeaderHint;
            for (int c = 0; c < width; c++)
            {
                bool isTarget = c >= targetStart && c < targetStart + targetCount;
                if (c == weightColumn)
                {
                    weights.Add(ParseWeight(c, hint));
                }
                else if (isTarget && classification)
                {
                    int label = ParseLabel(c, hint);
                    labels.Add(label);
                    if (label > maxLabel) (maxLabel, maxLabelLine) = (label, text.LineNumber);
                }
                else
                {
                    (isTarget ? d : x).Add(text.ParseFloat(c, hint));
                }
            }
        }

        int rows = classification ? labels.Count : (width > 0 ? d.Count / targetCount : 0);
        if (rows == 0)
        {
            throw DataFormatException.InSource(text.Source, header ? "the file has a header but no data rows." : "the file is empty; expected rows of numbers.");
        }

        int inputWidth = width - targetCount - (weightColumn >= 0 ? 1 : 0);
        float[] inputs = [.. x];
        float[]? w = CheckedWeights(weights);
        if (!classification) return new Dataset(inputs, inputWidth, [.. d], targetCount, labels: null, classCount: 0, weights: w);

        int classCount = options.ClassCount ?? maxLabel + 1;
        if ((long)rows * classCount > Array.MaxLength)
        {
            throw DataFormatException.InSource(text.Source, $"{rows} rows x {classCount} classes is more than {Array.MaxLength} target values.");
        }
        int[] y = [.. labels];
        string[]? warnings = options.ClassCount is null && classCount > CsvOptions.ClassCountWarningThreshold
            ? [ManyClassesWarning(y, classCount, maxLabel, maxLabelLine)]
            : null;
        return Dataset.FromOwnedLabels(inputs, inputWidth, y, classCount, warnings: warnings, weights: w);
    }

    /// <summary>Fixes the row width on the first record and holds every later record to it.</summary>
    private void CheckWidth(int targetCount)
    {
        if (width < 0)
        {
            width = text.FieldCount;
            widthLine = text.LineNumber;
            targetStart = ResolveTargets(width, targetCount);
            weightColumn = ResolveWeightColumn(width, targetCount);
            return;
        }
        if (text.FieldCount == width) return;
        int empty = text.FirstEmptyField();
        if (empty >= 0) throw text.NotNumeric(empty, "a number", hint: null);
        throw text.Error(Math.Min(text.FieldCount, width),
            $"ragged row: {text.FieldCount} fields; expected {width} (as in line {widthLine}).");
    }

    private int ResolveTargets(int fieldCount, int targetCount)
    {
        int start = options.LabelColumn < 0 ? fieldCount + options.LabelColumn : options.LabelColumn;
        if (start < 0 || start > fieldCount - targetCount || fieldCount - targetCount < 1)
        {
            string which = targetCount == 1 ? $"label column {options.LabelColumn}" : $"{targetCount} target columns from column {options.LabelColumn}";
            string problem = $"{which} does not fit a row of {fieldCount} field{(fieldCount == 1 ? "" : "s")} with at least one input column left.";
            string? hint = fieldCount == 1 ? text.SeparatorHint(text.Cell(0)) : null;
            throw text.Error(null, hint is null ? problem : $"{problem} ({hint})");
        }
        return start;
    }

    private int ParseLabel(int c, string? hint)
    {
        double v = text.ParseWholeNumber(c, hint);
        int limit = options.ClassCount ?? CsvOptions.MaxInferredClassCount;
        if (v < 0 || v >= limit)
        {
            string cell = CsvTokenizer.Show(text.Cell(c));
            throw text.Error(c, options.ClassCount is null
                ? $"label {cell} is out of range; expected a class in [0, {CsvOptions.MaxInferredClassCount}) (use CsvOptions.ClassCount for more classes)."
                : $"label {cell} is out of range; expected a class in [0, {options.ClassCount}) (CsvOptions.ClassCount).");
        }
        return (int)v;
    }

    private string ManyClassesWarning(int[] labels, int classCount, int maxLabel, int maxLabelLine)
    {
        var present = new bool[classCount];
        int distinct = 0;
        foreach (int label in labels)
        {
            if (!present[label]) distinct++;
            present[label] = true;
        }
        return $"{text.Source}: labels go up to {maxLabel} (line {maxLabelLine}), so the data has {classCount} classes, of which {distinct} occur; " +
            "check the label column, or use CsvOptions.ClassCount to confirm the count.";
    }
}
