namespace FastBackprop.Data;

// The weight column (CsvOptions.WeightColumn / WeightColumnName): found by index or by its header
// name, kept out of the inputs, each cell a weight >= 0, not all 0 (Dataset.WithWeights' rules).
internal sealed partial class CsvReader
{
    // The header line: split into names when the weight column is named, else skipped whole.
    private bool ReadHeader()
    {
        if (options.WeightColumnName is null) return text.SkipRecord();
        if (!text.NextRecord()) return false;
        headerNames = new string[text.FieldCount];
        for (int c = 0; c < headerNames.Length; c++) headerNames[c] = text.Cell(c).Trim().ToString();
        return true;
    }

    // The weight column's index in rows of fieldCount fields, or -1 without one.
    private int ResolveWeightColumn(int fieldCount, int targetCount)
    {
        if (options.WeightColumnName is string name) return FindNamed(name, fieldCount, targetCount);
        if (options.WeightColumn is not int given) return -1;
        int column = given < 0 ? fieldCount + given : given;
        if (column < 0 || column >= fieldCount)
        {
            throw text.Error(null, $"weight column {given} (CsvOptions.WeightColumn) is not a column of a row of {fieldCount} fields.");
        }
        return CheckedWeightColumn(column, $"weight column {given} (CsvOptions.WeightColumn)", fieldCount, targetCount);
    }

    private int FindNamed(string name, int fieldCount, int targetCount)
    {
        string[] names = headerNames ?? [];
        int column = Array.FindIndex(names, n => n == name.Trim());
        if (column < 0) column = Array.FindIndex(names, n => string.Equals(n, name.Trim(), StringComparison.OrdinalIgnoreCase));
        if (column < 0 || column >= fieldCount)
        {
            throw DataFormatException.InSource(text.Source,
                $"no column named '{name}' (CsvOptions.WeightColumnName) among the header's {names.Length} field{(names.Length == 1 ? "" : "s")}: {string.Join(", ", names.Take(20))}.");
        }
        return CheckedWeightColumn(column, $"weight column '{name}' (CsvOptions.WeightColumnName)", fieldCount, targetCount);
    }

    private int CheckedWeightColumn(int column, string what, int fieldCount, int targetCount)
    {
        if (column >= targetStart && column < targetStart + targetCount)
        {
            throw text.Error(column, $"{what} is the label or a target column (CsvOptions.LabelColumn); the weights need a column of their own.");
        }
        if (fieldCount - targetCount - 1 < 1)
        {
            throw text.Error(null, $"{what}: a row of {fieldCount} fields has no input column left besides the targets and the weights.");
        }
        return column;
    }

    private float ParseWeight(int c, string? hint)
    {
        float weight = text.ParseFloat(c, hint);
        if (weight < 0)
        {
            throw text.Error(c, $"weight {CsvTokenizer.Show(text.Cell(c))} is negative; expected a finite number, 0 or more (CsvOptions.WeightColumn).");
        }
        return weight;
    }

    // The weights read, or null without a weight column; all 0 is an error.
    private float[]? CheckedWeights(List<float> weights)
    {
        if (weightColumn < 0) return null;
        foreach (float w in weights)
        {
            if (w > 0) return [.. weights];
        }
        throw DataFormatException.InSource(text.Source, $"every weight in column {weightColumn + 1} is 0 (CsvOptions.WeightColumn); at least one must be greater than 0.");
    }
}
