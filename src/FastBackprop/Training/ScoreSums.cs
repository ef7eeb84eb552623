using FastBackprop.Kernels;

namespace FastBackprop.Training;

/// <summary>The running sums of an evaluation, batch by batch: summed loss, and right classifications with the
/// confusion counts (labelled data) or the summed squared error (otherwise).</summary>
/// <remarks>With sample weights every sum is weighted (Σ_p w_p E_p, Σ_p w_p [right], Σ_p w_p (y - d)²) and the means
/// divide by Σ_p w_p; the confusion counts stay counts of patterns.</remarks>
internal struct ScoreSums(Network network, int classCount)
{
    private readonly ClassCounts? counts = classCount > 0 ? new ClassCounts(classCount) : null;
    private double loss;
    private double squared;
    private long correct;
    private double weightedCorrect;
    private double weightSum;
    private bool weighted;

    /// <summary>Adds the <paramref name="count"/> patterns that begin at pattern <paramref name="start"/> of the data
    /// called <paramref name="name"/> (for the message of inputs that drive an output to infinity).</summary>
    public void Add(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> labels, int start, int count, BatchWorkspace ws, string name,
        ReadOnlySpan<float> weights = default)
    {
        ws.UseWeights(weights);
        try
        {
            double lossSum = NetworkBatchCalls.LossSum(network, inputs, targets, count, ws);
            // Equal weights leave the batch's mean as it is (RowWeighting): w times its sum, so weights of all 1 give the
            // bits of no weights.
            loss += weights.IsEmpty ? lossSum : SampleWeighting.AllEqual(weights) ? weights[0] * lossSum : ws.WeightedErrorSum;
        }
        catch (ArgumentException e) when (e.ParamName == "inputs")
        {
            throw new ArgumentException($"{name}, patterns {start} to {start + count - 1}: {e.Message}", name, e);
        }
        finally
        {
            ws.UseWeights(default);   // the workspace may be the caller's: leave it unweighted
        }
        ReadOnlySpan<float> y = ws.GetOutputs(network.Definition.LayerCount - 1, count);
        int width = network.Definition.OutputWidth;
        if (counts is not null) correct += Scoring.CountCorrect(y, labels, width, counts);
        if (weights.IsEmpty)
        {
            if (counts is null) squared += Scoring.SquaredError(y, targets);
            return;
        }
        weighted = true;
        weightSum += WeightedScoring.Sum(weights);
        if (counts is not null) weightedCorrect += WeightedScoring.Correct(y, labels, width, weights);
        else squared += WeightedScoring.SquaredError(y, targets, width, weights);
    }

    /// <summary>The evaluation of the <paramref name="n"/> patterns added.</summary>
    public readonly Evaluation ToEvaluation(int n)
    {
        int outputs = network.Definition.OutputWidth;
        if (weighted)
        {
            return new Evaluation(n, loss / weightSum, counts is null ? null : weightedCorrect / weightSum,
                counts is null ? squared / (weightSum * outputs) : null, counts)
            { WeightSum = weightSum };
        }
        return new Evaluation(n, loss / n, counts is null ? null : (double)correct / n,
            counts is null ? squared / ((double)n * outputs) : null, counts);
    }
}
