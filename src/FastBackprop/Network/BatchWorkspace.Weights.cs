namespace FastBackprop;

// The sample weights of the batch a workspace's next passes run on (Plans/RowWeighting.cs): set by the trainer
// before each weighted step or evaluation batch, and cleared again, so that a workspace without weights runs the
// unweighted passes it always ran.
public sealed partial class BatchWorkspace
{
    private float[] rowWeights = [];   // grown once to Capacity, on the first weighted batch

    /// <summary>Whether the next passes weigh their rows (<see cref="RowWeights"/>).</summary>
    internal bool Weighted { get; private set; }

    /// <summary>Whether the weighted mean is over the batch (w_p B / W) or each row's step is w_p times its own (online
    /// training, batch size 1).</summary>
    internal bool NormalizeWeights { get; private set; }

    /// <summary>The rows' weights of the weighted batch.</summary>
    internal ReadOnlySpan<float> RowWeights => rowWeights;

    /// <summary>The last weighted output error's Σ_p s_p E_p, written by piece 0 and read by every piece after the barrier.</summary>
    internal float WeightedError { get; set; }

    /// <summary>The last weighted output error's Σ_p w_p E_p, in double.</summary>
    internal double WeightedErrorSum { get; set; }

    /// <summary>Makes <paramref name="weights"/> (one per row, or empty for none) the weights of the next passes.</summary>
    internal void UseWeights(ReadOnlySpan<float> weights, bool normalize = true)
    {
        Weighted = !weights.IsEmpty;
        if (!Weighted) return;
        if (rowWeights.Length < Capacity) rowWeights = new float[Capacity];
        weights.CopyTo(rowWeights);
        rowWeights.AsSpan(weights.Length).Clear();
        NormalizeWeights = normalize;
    }
}
