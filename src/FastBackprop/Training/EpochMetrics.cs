namespace FastBackprop.Training;

/// <summary>The running sums of an epoch in progress, measured on each batch before its update: summed loss,
/// right classifications (labelled data) or summed squared error (otherwise), patterns seen.</summary>
internal struct EpochMetrics
{
    private double lossSum;
    private long correct;
    private double squaredErrorSum;
    private int patterns;

    /// <summary>Patterns trained so far in the epoch.</summary>
    public readonly int Patterns => patterns;

    /// <summary>Adds a batch: its summed loss Σ_p E_p and its outputs (rows of <paramref name="width"/>) against its
    /// labels, or against its targets when there are no labels.</summary>
    public void Add(float lossSum, ReadOnlySpan<float> outputs, in Batch batch, int width)
    {
        this.lossSum += lossSum;
        patterns += batch.Count;
        if (!batch.Labels.IsEmpty) correct += Scoring.CountCorrect(outputs, batch.Labels, width, null);
        else squaredErrorSum += Scoring.SquaredError(outputs, batch.Targets);
    }

    /// <summary>The report of the finished epoch <paramref name="epoch"/> (1-based).</summary>
    public readonly EpochReport ToReport(int epoch, bool classification, int width, Evaluation? validation, float rate, TimeSpan elapsed) =>
        new(epoch, lossSum / patterns,
            classification ? (double)correct / patterns : null,
            classification ? null : squaredErrorSum / ((double)patterns * width),
            validation, rate, elapsed, patterns / Math.Max(elapsed.TotalSeconds, 1e-9));

    public void Exchange(ref StateSerializer s)
    {
        s.Double(ref lossSum);
        s.Int64(ref correct);
        s.Double(ref squaredErrorSum);
        s.Int32(ref patterns, "the epoch's pattern count", minimum: 0);
    }
}
