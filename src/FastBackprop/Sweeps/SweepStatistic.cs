namespace FastBackprop.Sweeps;

/// <summary>The mean and standard deviation of a figure over a configuration's seeds.</summary>
/// <param name="Mean">The arithmetic mean, summed in seed order in double precision; NaN if any run failed.</param>
/// <param name="StandardDeviation">The population standard deviation (divisor n, as NumPy's std and scikit-learn's
/// <c>std_test_score</c>); 0 for one seed.</param>
public readonly record struct SweepStatistic(double Mean, double StandardDeviation)
{
    /// <summary>The statistic of <paramref name="values"/> (at least one).</summary>
    public static SweepStatistic Of(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new ArgumentException("values is empty.", nameof(values));
        double sum = 0;
        for (int i = 0; i < values.Count; i++) sum += values[i];
        double mean = sum / values.Count;
        double squares = 0;
        for (int i = 0; i < values.Count; i++) squares += (values[i] - mean) * (values[i] - mean);
        return new SweepStatistic(mean, Math.Sqrt(squares / values.Count));
    }
}
