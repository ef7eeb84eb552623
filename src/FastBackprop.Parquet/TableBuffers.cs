using FastBackprop.Data;

namespace FastBackprop.Parquet;

/// <summary>The dataset's blocks, filled column by column: inputs (rows x input width), then either
/// labels (classification) or targets (rows x target count), and the weights when there is a weight column.</summary>
internal sealed class TableBuffers
{
    private readonly float[] inputs, targets;
    private readonly int[]? labels;
    private readonly float[]? weights;
    private readonly int inputWidth, targetCount;
    private int maxLabel = -1;
    private long maxLabelRow;

    public TableBuffers(long rows, ColumnRoles roles, bool classification)
    {
        inputWidth = roles.InputWidth;
        targetCount = roles.TargetCount;
        inputs = new float[rows * inputWidth];
        targets = classification ? [] : new float[rows * targetCount];
        labels = classification ? new int[rows] : null;
        weights = roles.WeightColumn >= 0 ? new float[rows] : null;
    }

    /// <summary>Stores an input or (regression) target value.</summary>
    public void Set(ColumnRole role, long row, float value)
    {
        if (role.Kind == ColumnKind.Input) inputs[(row * inputWidth) + role.Index] = value;
        else targets[(row * targetCount) + role.Index] = value;
    }

    /// <summary>Stores a class label (already checked to be in range).</summary>
    public void SetLabel(long row, int label)
    {
        labels![row] = label;
        if (label > maxLabel) (maxLabel, maxLabelRow) = (label, row);
    }

    /// <summary>Stores a sample weight (already checked to be 0 or more).</summary>
    public void SetWeight(long row, float weight) => weights![row] = weight;

    /// <summary>The dataset, with the CSV reader's whole-file checks: the class count, the weights not all 0.</summary>
    public Dataset ToDataset(string source, CsvOptions options, ColumnRoles roles)
    {
        if (weights is not null && Array.TrueForAll(weights, w => w == 0))
        {
            throw DataFormatException.InSource(source, $"every weight in column {roles.WeightColumn + 1} ('{roles.WeightName}') is 0 (CsvOptions.WeightColumn); at least one must be greater than 0.");
        }
        if (labels is null) return new Dataset(inputs, inputWidth, targets, targetCount, labels: null, classCount: 0, weights: weights);

        int classCount = options.ClassCount ?? maxLabel + 1;
        if ((long)labels.Length * classCount > Array.MaxLength)
        {
            throw DataFormatException.InSource(source, $"{labels.Length} rows x {classCount} classes is more than {Array.MaxLength} target values.");
        }
        string[]? warnings = options.ClassCount is null && classCount > CsvOptions.ClassCountWarningThreshold
            ? [ManyClassesWarning(source, classCount)]
            : null;
        return Dataset.FromOwnedLabels(inputs, inputWidth, labels, classCount, warnings: warnings, weights: weights);
    }

    private string ManyClassesWarning(string source, int classCount)
    {
        var present = new bool[classCount];
        int distinct = 0;
        foreach (int label in labels!)
        {
            if (!present[label]) distinct++;
            present[label] = true;
        }
        return $"{source}: labels go up to {maxLabel} (row {maxLabelRow + 1}), so the data has {classCount} classes, of which {distinct} occur; " +
            "check the label column, or use CsvOptions.ClassCount to confirm the count.";
    }
}
