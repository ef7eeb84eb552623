namespace FastBackprop.Training;

/// <summary>The mean and standard deviation of one figure over several trainings: the folds of a cross-validation, or
/// the seeds of a sweep's configuration.</summary>
/// <param name="Mean">The arithmetic mean, summed in double in the trainings' order; NaN if any value is NaN (a failed
/// training counts as NaN, as scikit-learn's default <c>error_score=nan</c> makes it).</param>
/// <param name="StandardDeviation">The population standard deviation sqrt(Σ (x - mean)² / n) (divisor n, ddof 0), as
/// scikit-learn's <c>cv_results_['std_test_score']</c> and numpy's <c>np.std(scores)</c> give it; 0 for one value. The
/// sample deviation (ddof 1) is this times sqrt(n / (n - 1)).</param>
public readonly record struct MetricSummary(double Mean, double StandardDeviation)
{
    /// <summary>The summary of <paramref name="values"/> (at least one).</summary>
    /// <exception cref="ArgumentException"><paramref name="values"/> is empty.</exception>
    public static MetricSummary Of(ReadOnlySpan<double> values)
    {
        if (values.IsEmpty) throw new ArgumentException("values is empty; a summary needs at least one value.", nameof(values));
        double sum = 0;
        foreach (double v in values) sum += v;
        double mean = sum / values.Length, squares = 0;
        foreach (double v in values) squares += (v - mean) * (v - mean);
        return new MetricSummary(mean, Math.Sqrt(squares / values.Length));
    }
}
