namespace FastBackprop.Training;

/// <summary>The check of weighted training rows: a Dataset's weights are never all 0, but the training part of a
/// validation split may be.</summary>
internal static class SampleWeightChecks
{
    /// <exception cref="ArgumentException">The rows are weighted and their weights sum to 0.</exception>
    public static void SomeWeight(DatasetRows rows, string name)
    {
        if (!rows.Data.HasWeights || rows.WeightSum() > 0) return;
        throw new ArgumentException($"{name}: the sample weights of the {rows.Count} training patterns (after the validation split) are all 0; nothing would be trained.", name);
    }
}
