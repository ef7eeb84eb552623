namespace FastBackprop.Data;

/// <summary>How <see cref="Dataset.FromCsv(string, CsvOptions?)"/> reads a CSV file. The defaults
/// read a headerless, comma-separated classification file whose last column is the label.</summary>
public sealed record CsvOptions
{
    /// <summary>The first target column: 0-based from the start, or negative to count from the end
    /// (-1 = the last column). With <see cref="TargetColumnCount"/> = n the targets are the columns
    /// [c, c + n) where c is the resolved index, so the last two columns are <c>LabelColumn = -2,
    /// TargetColumnCount = 2</c>. Every other column is an input, in file order. Default -1.</summary>
    public int LabelColumn { get; init; } = -1;

    /// <summary>Whether the first non-blank line is a header (skipped, but its field count must
    /// match the rows). Default false.</summary>
    public bool HasHeader { get; init; }

    /// <summary>Classification (one label column, one-hot targets) or regression (real targets).
    /// Default <see cref="CsvTargetKind.Classification"/>.</summary>
    public CsvTargetKind TargetKind { get; init; } = CsvTargetKind.Classification;

    /// <summary>Number of target columns; must be 1 for classification. Default 1.</summary>
    public int TargetColumnCount { get; init; } = 1;

    /// <summary>Number of classes for classification; labels must lie in [0, ClassCount). When
    /// null (the default) it is the largest label + 1 (labels must then be below 65536): give it explicitly for a file that may lack
    /// the highest class (a small test file), so the target width matches the training data.</summary>
    public int? ClassCount { get; init; }

    /// <summary>The field separator; default ','. Must not be '"', '\r' or '\n'.</summary>
    public char Separator { get; init; } = ',';
}
