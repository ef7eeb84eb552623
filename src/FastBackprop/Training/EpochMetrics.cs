namespace FastBackprop.Training;

/// <summary>The running sums of an epoch in progress, measured on each batch before its update: summed loss,
/// right classifications (labelled data) or summed squared error (otherwise), patterns seen.</summary>
/// <remarks>With sample weights (Dataset.Weights) the sums are weighted: the loss sum is Σ_p w_p E_p, and the double
/// score holds Σ_p w_p [right] (labelled data) or Σ_p w_p Σ_k (y - d)²; the report divides them by the training data's
/// Σ_p w_p. (Weighted sums in the fields the checkpoint already holds: its format does not change.)</remarks>
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
        if (!batch.Weights.IsEmpty)
        {
            AddWeighted(lossSum, outputs, batch, width);
            return;
        }
        this.lossSum += lossSum;
        patterns += batch.Count;
        if (!batch.Labels.IsEmpty) correct += Scoring.CountCorrect(outputs, batch.Labels, width, null);
        else squaredErrorSum += Scoring.SquaredError(outputs, batch.Targets);
    }

    // A weighted batch: its step's loss sum is B times its weighted mean (Kernels/SampleWeighting.cs), so W_b / B times
    // it is Σ_p w_p E_p. A batch that weighs nothing was skipped (its outputs are not its own) and adds nothing.
    private void AddWeighted(float lossSum, ReadOnlySpan<float> outputs, in Batch batch, int width)
    {
        patterns += batch.Count;
        double weight = WeightedScoring.Sum(batch.Weights);
        if (weight == 0) return;
        this.lossSum += (double)lossSum * weight / batch.Count;
        squaredErrorSum += batch.Labels.IsEmpty
            ? WeightedScoring.SquaredError(outputs, batch.Targets, width, batch.Weights)
            : WeightedScoring.Correct(outputs, batch.Labels, width, batch.Weights);
    }

    /// <summary>The report of the finished epoch <paramref name="epoch"/> (1-based); <paramref name="weightSum"/> is the
    /// training data's Σ_p w_p when it has sample weights (the reports are then weighted means), null otherwise.</summary>
    public readonly EpochReport ToReport(int epoch, bool classification, int width, Evaluation? validation, float rate, TimeSpan elapsed, double? weightSum = null) =>
        weightSum is double w
            ? new(epoch, lossSum / w, classification ? squaredErrorSum / w : null, classification ? null : squaredErrorSum / (w * width),
                validation, rate, elapsed, patterns / Math.Max(elapsed.TotalSeconds, 1e-9))
            : new(epoch, lossSum / patterns,
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
