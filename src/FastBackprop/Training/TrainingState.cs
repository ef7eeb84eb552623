namespace FastBackprop.Training;

/// <summary>Everything besides the weights and the optimizer that a resumed run needs to continue
/// exactly: where it is, the generator, the early-stopping memory and the running epoch sums.</summary>
internal sealed class TrainingState
{
    public int Epoch;                  // 0-based epoch in progress or next
    public int Batch;                  // next batch of Epoch
    public readonly ulong[] EpochStartRandom = new ulong[SeededRandom.StateLength];
    public int Halvings;
    public double BestLoss = double.PositiveInfinity;
    public int BestEpoch;
    public int SinceBest;
    public float[]? BestParameters;
    public double LossSum;             // running sums of the epoch in progress
    public long Correct;
    public double SquaredErrorSum;
    public int PatternsDone;
    public readonly List<EpochReport> History = [];

    public void StartEpoch()
    {
        LossSum = 0;
        Correct = 0;
        SquaredErrorSum = 0;
        PatternsDone = 0;
    }
}
