namespace FastBackprop.Training;

/// <summary>The early-stopping memory: the lowest monitored loss so far, its epoch, the epochs since, and (when
/// early stopping is on) a copy of that epoch's weights.</summary>
/// <remarks>A NaN or infinite monitored loss is never "better": it does not become the best epoch and counts
/// as an epoch without improvement. It is not treated as divergence, because the weights are finite (every step
/// checks them): an infinite cross-entropy only says that the network gives some validation pattern a probability
/// that rounds to 0, which is a bad score, not a broken run.</remarks>
internal sealed class EarlyStopping
{
    private double bestLoss = double.PositiveInfinity;
    private int bestEpoch;
    private int sinceBest;
    private float[]? bestParameters;

    /// <summary>1-based epoch with the lowest finite monitored loss; 0 if none yet.</summary>
    public int BestEpoch => bestEpoch;

    /// <summary>Whether the best epoch's weights are kept (only with a patience).</summary>
    public bool HasBestWeights => bestParameters is not null;

    /// <summary>Records the monitored loss of finished epoch <paramref name="epoch"/>, keeping a copy of the weights when
    /// it is the best and <paramref name="patience"/> is set. Returns whether the patience has run out.</summary>
    public bool Observe(int epoch, double loss, ReadOnlySpan<float> parameters, int patience)
    {
        if (loss < bestLoss)   // false for NaN, and for +∞ while no finite loss was seen
        {
            bestLoss = loss;
            bestEpoch = epoch;
            sinceBest = 0;
            if (patience > 0)
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
        s.Double(ref bestLoss);
        s.Int32(ref bestEpoch, "the best epoch", minimum: 0);
        s.Int32(ref sinceBest, "the epochs since the best", minimum: 0);
        s.OptionalFloats(ref bestParameters);
    }
}
