namespace FastBackprop.Ensembles;

/// <summary>The mean and the sample standard deviation of one metric over the folds of a cross-validation.</summary>
/// <param name="Mean">The arithmetic mean, summed in double in fold order.</param>
/// <param name="StandardDeviation">The sample standard deviation sqrt(Σ (x - mean)² / (k - 1)) (ddof = 1, as R's sd and
/// pandas' std): the k fold scores are a sample of the scores the model would get on new data, and ddof = 1 is the usual
/// estimate of their spread. numpy's <c>np.std(scores)</c>, which scikit-learn's examples print, uses ddof = 0: it equals
/// this value times sqrt((k - 1) / k).</param>
/// <remarks>A fold whose training failed counts as NaN, as scikit-learn's cross_validate does with its default
/// error_score=nan, so the mean and the deviation are then NaN too.</remarks>
public readonly record struct MetricSummary(double Mean, double StandardDeviation)
{
    /// <summary>The summary of <paramref name="values"/> (at least two).</summary>
    /// <exception cref="ArgumentException">Fewer than two values.</exception>
    public static MetricSummary Of(ReadOnlySpan<double> values)
    {
        if (values.Length < 2) throw new ArgumentException($"values has {values.Length} elements; a sample standard deviation needs at least 2.", nameof(values));
        double sum = 0;
        foreach (double v in values) sum += v;
        double mean = sum / values.Length, squares = 0;
        foreach (double v in values) squares += (v - mean) * (v - mean);
        return new MetricSummary(mean, Math.Sqrt(squares / (values.Length - 1)));
    }
}
