namespace FastBackprop.Data;

/// <summary>Per-column mean, population standard deviation (divisor n) and largest magnitude of a row-major block,
/// in double: what the input and target standardisations are fitted from.</summary>
internal static class ColumnStatistics
{
    /// <summary>The statistics of the <paramref name="width"/> columns of <paramref name="rows"/> (whole rows, at least one).</summary>
    public static (double[] Mean, double[] Deviation, double[] Largest) Compute(ReadOnlySpan<float> rows, int width)
    {
        int count = rows.Length / width;
        var mean = new double[width];
        var largest = new double[width];
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<float> x = rows.Slice(i * width, width);
            for (int j = 0; j < width; j++)
            {
                mean[j] += x[j];
                largest[j] = Math.Max(largest[j], Math.Abs(x[j]));
            }
        }
        for (int j = 0; j < width; j++) mean[j] /= count;

        // Two passes (mean, then squared deviations): no cancellation, unlike E[x^2] - E[x]^2.
        var deviation = new double[width];
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<float> x = rows.Slice(i * width, width);
            for (int j = 0; j < width; j++)
            {
                double e = x[j] - mean[j];
                deviation[j] += e * e;
            }
        }
        for (int j = 0; j < width; j++) deviation[j] = Math.Sqrt(deviation[j] / count);
        return (mean, deviation, largest);
    }
}
