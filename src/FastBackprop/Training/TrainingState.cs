namespace FastBackprop.Training;

/// <summary>Everything besides the weights and the optimizer that a resumed run needs to continue
/// exactly: where it is, the shuffling generator, the early-stopping memory, the running sums of the
/// epoch in progress and the reports of the epochs before.</summary>
/// <remarks>Adding a piece of state is one field and one line in <see cref="Exchange"/>, which both writes and
/// reads it (checkpoints, and <see cref="CopyTo"/>).</remarks>
internal sealed class TrainingState(ulong seed)
{
    /// <summary>0-based epoch in progress (or next).</summary>
    public int Epoch;

    /// <summary>Next batch of <see cref="Epoch"/>.</summary>
    public int Batch;

    /// <summary>The shuffling generator as it stood at the start of <see cref="Epoch"/>: the epoch's permutation
    /// is drawn from a copy of it, so a run resumed mid-epoch draws the same one.</summary>
    public readonly SeededRandom EpochStartRandom = new(seed);

    /// <summary>The generator training passes draw dropout masks from (the step's workspace holds this very object), as it
    /// stands now: a resumed run continues its sequence exactly. Seeded from the run's seed, apart from the shuffling.</summary>
    public readonly SeededRandom LayerRandom = new(seed ^ 0xD809_0D80_D809_0D80UL);

    /// <summary>Learning-rate halvings so far (<see cref="DivergencePolicy.HalveLearningRate"/>).</summary>
    public int Halvings;

    /// <summary>Where a halving replays the epoch from.</summary>
    public readonly EpochRestart Restart = new();

    /// <summary>The best epoch so far, and its weights when early stopping may restore them.</summary>
    public readonly EarlyStopping EarlyStopping = new();

    /// <summary>Running sums of the epoch in progress.</summary>
    public EpochMetrics Metrics;

    /// <summary>Early stopping ended the run (its best weights are restored): a resume of it ends at once, as the run did.</summary>
    public bool EarlyStopped;

    /// <summary>The <see cref="ReduceOnPlateauSchedule"/>'s rate, best figure and counters (not started without one).</summary>
    public readonly PlateauState Plateau = new();

    /// <summary>Reports of the finished epochs.</summary>
    public readonly List<EpochReport> History = [];

    /// <summary>The one list of the state: writes every piece, or reads every piece back, in this order.</summary>
    public void Exchange(ref StateSerializer s)
    {
        s.Int32(ref Epoch, "epoch", minimum: 0);
        s.Int32(ref Batch, "batch", minimum: 0);
        s.Generator(EpochStartRandom);
        s.Generator(LayerRandom);
        s.Int32(ref Halvings, "halvings", minimum: 0);
        Restart.Exchange(ref s);
        EarlyStopping.Exchange(ref s);
        Metrics.Exchange(ref s);
        s.List(History, EpochReportFields.MinimumSize, EpochReportFields.Exchange);
        s.Boolean(ref EarlyStopped);
        if (s.Version >= 4) Plateau.Exchange(ref s);   // format 3 had no plateau schedule: its state stays not started
    }

    /// <summary>Makes <paramref name="destination"/> an independent copy of this state (through <see cref="Exchange"/>,
    /// so that no piece can be forgotten).</summary>
    public void CopyTo(TrainingState destination)
    {
        var writer = new IO.FieldWriter();
        StateSerializer write = StateSerializer.Writing(writer);
        Exchange(ref write);
        StateSerializer read = StateSerializer.Reading(new IO.FieldReader(writer.Stream.GetBuffer().AsSpan(0, writer.Length), "training state"));
        destination.Exchange(ref read);
    }
}
