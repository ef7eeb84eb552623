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

    /// <summary>Whether the first non-blank line is a header: skipped whole, so its field count
    /// need not match the rows (scikit-learn's files start with "n_samples,n_features,class
    /// names"). Default false.</summary>
    public bool HasHeader { get; init; }

    /// <summary>Classification (one label column, one-hot targets) or regression (real targets).
    /// Default <see cref="CsvTargetKind.Classification"/>.</summary>
    public CsvTargetKind TargetKind { get; init; } = CsvTargetKind.Classification;

    /// <summary>Number of target columns; must be 1 for classification. Default 1.</summary>
    public int TargetColumnCount { get; init; } = 1;

    /// <summary>Number of classes for classification; labels must lie in [0, ClassCount). When
    /// null (the default) it is the largest label + 1; labels must then be below
    /// <see cref="MaxInferredClassCount"/>, and an inferred count above
    /// <see cref="ClassCountWarningThreshold"/> adds a <see cref="Dataset.Warnings"/> entry (a stray
    /// large number in the label column is the usual cause). Give it explicitly for a file that may
    /// lack the highest class (a small test file), so the target width matches the training data.</summary>
    public int? ClassCount { get; init; }

    /// <summary>The field separator: ',' (the default), ';', '\t', '|' or any other character but
    /// '"', '\r' and '\n'; ' ' reads whitespace-separated text (any run of spaces and tabs
    /// separates fields). Null detects it on the first data line: the one of ',', tab, ';' and '|'
    /// that occurs most often outside quotes, else spaces when the line has blanks between values.
    /// With every separator an empty field is an error, never skipped.</summary>
    public char? Separator { get; init; } = ',';

    /// <summary>The column holding each sample's weight (<see cref="Dataset.Weights"/>): 0-based from the start, or
    /// negative to count from the end, like <see cref="LabelColumn"/>; null (the default) for none. The column is not an
    /// input. Each weight must be a finite number, 0 or more, and not all may be 0. Alternatively
    /// <see cref="WeightColumnName"/> names it in the header; give at most one of the two.</summary>
    public int? WeightColumn { get; init; }

    /// <summary>The header name of the weight column (see <see cref="WeightColumn"/>), matched exactly after trimming,
    /// else ignoring case; needs <see cref="HasHeader"/>. Default null.</summary>
    public string? WeightColumnName { get; init; }

    /// <summary>An inferred class count above this (1000, the ImageNet-1k scale) is kept but reported
    /// in <see cref="Dataset.Warnings"/>.</summary>
    public const int ClassCountWarningThreshold = 1000;

    /// <summary>Labels must be below this (65536) when the class count is inferred: a stray large
    /// number in a label column must not become a gigantic one-hot block.</summary>
    public const int MaxInferredClassCount = 1 << 16;
}
