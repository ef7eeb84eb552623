namespace FastBackprop.Training;

/// <summary>The running sums of an evaluation, batch by batch: summed loss, and right classifications with the
/// confusion counts (labelled data) or the summed squared error (otherwise).</summary>
internal struct ScoreSums(Network network, int classCount)
{
    private readonly ClassCounts? counts = classCount > 0 ? new ClassCounts(classCount) : null;
    private double loss;
    private double squared;
    private long correct;

    /// <summary>Adds the <paramref name="count"/> patterns that begin at pattern <paramref name="start"/> of the data
    /// called <paramref name="name"/> (for the message of inputs that drive an output to infinity).</summary>
    public void Add(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> labels, int start, int count, BatchWorkspace ws, string name)
    {
        try
        {
            loss += NetworkBatchCalls.LossSum(network, inputs, targets, count, ws);
        }
        catch (ArgumentException e) when (e.ParamName == "inputs")
        {
            throw new ArgumentException($"{name}, patterns {start} to {start + count - 1}: {e.Message}", name, e);
        }
        ReadOnlySpan<float> y = ws.GetOutputs(network.Definition.LayerCount - 1, count);
        if (counts is not null) correct += Scoring.CountCorrect(y, labels, network.Definition.OutputWidth, counts);
        else squared += Scoring.SquaredError(y, targets);
    }

    /// <summary>The evaluation of the <paramref name="n"/> patterns added.</summary>
    public readonly Evaluation ToEvaluation(int n)
    {
        int outputs = network.Definition.OutputWidth;
        return new Evaluation(n, loss / n, counts is null ? null : (double)correct / n,
            counts is null ? squared / ((double)n * outputs) : null, counts);
    }
}
