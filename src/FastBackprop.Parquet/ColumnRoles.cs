using FastBackprop.Data;
using Parquet.Schema;

namespace FastBackprop.Parquet;

/// <summary>What a column of the file becomes.</summary>
internal enum ColumnKind
{
    Input,
    Target,
    Label,
    Weight,
}

/// <summary>A column's kind and its index among the inputs (or the targets).</summary>
internal readonly record struct ColumnRole(ColumnKind Kind, int Index);

/// <summary>The target and weight columns, resolved as the CSV reader resolves them over a row of
/// fields (here: the file's columns), with its messages.</summary>
internal sealed class ColumnRoles
{
    private readonly int targetStart, targetCount;
    private readonly ColumnKind targetKind;

    private ColumnRoles(int width, int targetStart, int targetCount, int weightColumn, string? weightName, bool classification)
    {
        targetKind = classification ? ColumnKind.Label : ColumnKind.Target;
        this.targetStart = targetStart;
        this.targetCount = targetCount;
        WeightColumn = weightColumn;
        WeightName = weightName;
        InputWidth = width - targetCount - (weightColumn >= 0 ? 1 : 0);
    }

    /// <summary>Values per input row.</summary>
    public int InputWidth { get; }

    /// <summary>Target columns (1 for classification: the label).</summary>
    public int TargetCount => targetCount;

    /// <summary>The weight column's index in the file, or -1.</summary>
    public int WeightColumn { get; }

    /// <summary>The weight column's name, or null.</summary>
    public string? WeightName { get; }

    /// <summary>Column <paramref name="c"/>'s role.</summary>
    public ColumnRole RoleOf(int c)
    {
        if (c == WeightColumn) return new ColumnRole(ColumnKind.Weight, 0);
        if (c >= targetStart && c < targetStart + targetCount) return new ColumnRole(targetKind, c - targetStart);
        int before = c - (c >= targetStart + targetCount ? targetCount : 0) - (WeightColumn >= 0 && WeightColumn < c ? 1 : 0);
        return new ColumnRole(ColumnKind.Input, before);
    }

    /// <summary>Resolves <see cref="CsvOptions.LabelColumn"/>, <see cref="CsvOptions.TargetColumnCount"/> and the weight column over <paramref name="columns"/>.</summary>
    public static ColumnRoles Resolve(DataField[] columns, CsvOptions options, string source)
    {
        int width = columns.Length, targetCount = options.TargetColumnCount;
        int start = options.LabelColumn < 0 ? width + options.LabelColumn : options.LabelColumn;
        if (start < 0 || start > width - targetCount || width - targetCount < 1)
        {
            string which = targetCount == 1 ? $"label column {options.LabelColumn}" : $"{targetCount} target columns from column {options.LabelColumn}";
            throw DataFormatException.InSource(source, $"{which} does not fit a file of {width} column{(width == 1 ? "" : "s")} with at least one input column left.");
        }
        int weight = WeightIndex(columns, options, source);
        if (weight >= 0)
        {
            string what = options.WeightColumnName is null ? $"weight column {options.WeightColumn} (CsvOptions.WeightColumn)" : $"weight column '{options.WeightColumnName}' (CsvOptions.WeightColumnName)";
            if (weight >= start && weight < start + targetCount)
            {
                throw DataFormatException.InSource(source, $"{what} is the label or a target column (CsvOptions.LabelColumn); the weights need a column of their own.");
            }
            if (width - targetCount - 1 < 1)
            {
                throw DataFormatException.InSource(source, $"{what}: a file of {width} columns has no input column left besides the targets and the weights.");
            }
        }
        return new ColumnRoles(width, start, targetCount, weight, weight >= 0 ? columns[weight].Name : null, options.TargetKind == CsvTargetKind.Classification);
    }

    // The weight column's index, or -1 without one: by index (negative from the end) or by name.
    private static int WeightIndex(DataField[] columns, CsvOptions options, string source)
    {
        if (options.WeightColumnName is string name)
        {
            int column = Array.FindIndex(columns, f => f.Name.Trim() == name.Trim());
            if (column < 0) column = Array.FindIndex(columns, f => string.Equals(f.Name.Trim(), name.Trim(), StringComparison.OrdinalIgnoreCase));
            if (column >= 0) return column;
            string names = string.Join(", ", columns.Take(20).Select(f => f.Name));
            throw DataFormatException.InSource(source, $"no column named '{name}' (CsvOptions.WeightColumnName) among the file's {columns.Length} column{(columns.Length == 1 ? "" : "s")}: {names}.");
        }
        if (options.WeightColumn is not int given) return -1;
        int index = given < 0 ? columns.Length + given : given;
        if (index < 0 || index >= columns.Length)
        {
            throw DataFormatException.InSource(source, $"weight column {given} (CsvOptions.WeightColumn) is not a column of a file of {columns.Length} columns.");
        }
        return index;
    }
}
