namespace FastBackprop.Training;

/// <summary>The check of weighted rows: Dataset.WithWeights refuses weights that are all 0, but a part of a split or
/// a subset may have only zero weights, and its weighted means would be 0 / 0.</summary>
internal static class SampleWeightChecks
{
    /// <exception cref="ArgumentException">The rows are weighted and their weights sum to 0; the message says which
    /// <paramref name="rows"/> they are (<paramref name="what"/>).</exception>
    public static void SomeWeight(DatasetRows rows, string name, string what)
    {
        if (!rows.Data.HasWeights || rows.WeightSum() > 0) return;
        throw new ArgumentException($"{name}: the sample weights of the {rows.Count} {what} are all 0; their weighted mean is undefined.", name);
    }
}
