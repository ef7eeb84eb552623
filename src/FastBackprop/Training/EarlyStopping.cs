namespace FastBackprop.Training;

/// <summary>The early-stopping memory: the best monitored score so far, its epoch, the epochs since, and (when the
/// best weights are to be restored) a copy of that epoch's weights.</summary>
/// <remarks>Scores are kept lower-is-better: the loss, or minus the accuracy (<see cref="Score"/>), so that one
/// comparison, <c>score &lt; best - minDelta</c>, serves both (Keras's rule: an improvement beats the best by more than
/// <c>min_delta</c>; best, best epoch and weights move only on an improvement).
/// A NaN or infinite monitored loss is never "better": it does not become the best epoch and counts
/// as an epoch without improvement. It is not treated as divergence, because the weights are finite (every step
/// checks them): an infinite cross-entropy only says that the network gives some validation pattern a probability
/// that rounds to 0, which is a bad score, not a broken run.</remarks>
internal sealed class EarlyStopping
{
    private double bestScore = double.PositiveInfinity;
    private int bestEpoch;
    private int sinceBest;
    private float[]? bestParameters;
    private int monitor;   // the MonitoredMetric the scores are of (format 4; format 3 knew only the loss)

    /// <summary>1-based epoch with the best finite monitored score; 0 if none yet.</summary>
    public int BestEpoch => bestEpoch;

    /// <summary>Whether the best epoch's weights are kept.</summary>
    public bool HasBestWeights => bestParameters is not null;

    /// <summary>The figure the scores are of.</summary>
    public MonitoredMetric Monitor => (MonitoredMetric)monitor;

    /// <summary>The lower-is-better score of <paramref name="value"/>, a figure of kind <paramref name="metric"/>.</summary>
    public static double Score(MonitoredMetric metric, double value) => metric == MonitoredMetric.Accuracy ? -value : value;

    /// <summary>Starts a run that monitors <paramref name="metric"/> (a resumed run gets the checkpoint's instead).</summary>
    public void Begin(MonitoredMetric metric) => monitor = (int)metric;

    /// <summary>Records the lower-is-better <paramref name="score"/> of finished epoch <paramref name="epoch"/>, keeping a
    /// copy of the weights when it improves on the best by more than <paramref name="minDelta"/> and
    /// <paramref name="keepWeights"/>. Returns whether the patience (0: none) has run out.</summary>
    public bool Observe(int epoch, double score, ReadOnlySpan<float> parameters, int patience, double minDelta, bool keepWeights)
    {
        if (score < bestScore - minDelta)   // false for NaN, and for +∞ while no finite score was seen
        {
            bestScore = score;
            bestEpoch = epoch;
            sinceBest = 0;
            if (keepWeights)
            {
                bestParameters ??= new float[parameters.Length];
                parameters.CopyTo(bestParameters);
            }
            return false;
        }
        return patience > 0 && ++sinceBest >= patience;
    }

    /// <summary>Copies the best epoch's weights into <paramref name="parameters"/>; false (and nothing changed)
    /// when none were kept.</summary>
    public bool RestoreBest(Span<float> parameters)
    {
        if (bestParameters is null) return false;
        bestParameters.CopyTo(parameters);
        return true;
    }

    public void Exchange(ref StateSerializer s)
    {
        s.Double(ref bestScore);
        s.Int32(ref bestEpoch, "the best epoch", minimum: 0);
        s.Int32(ref sinceBest, "the epochs since the best", minimum: 0);
        s.OptionalFloats(ref bestParameters);
        if (s.Version < 4) return;   // format 3 monitored the loss, which a new EarlyStopping's monitor (0) is
        s.Int32(ref monitor, "the monitored metric", minimum: 0);
        if (monitor > (int)MonitoredMetric.Accuracy) throw s.Error($"the monitored metric is {monitor}; expected 0 (loss) or 1 (accuracy).");
    }
}
