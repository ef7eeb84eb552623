namespace FastBackprop.Training;

/// <summary>The state of a <see cref="ReduceOnPlateauSchedule"/> during a run (PyTorch's scheduler attributes): the
/// current rate, the best figure, the bad epochs counted and the cooldown left.</summary>
public sealed class PlateauState
{
    internal PlateauState()
    {
    }

    /// <summary>The rate of the next epoch (double, as PyTorch keeps it; the trainer rounds it to float).</summary>
    public double Rate { get; internal set; } = double.NaN;

    /// <summary>The best figure so far (±∞ before the first epoch).</summary>
    public double Best { get; internal set; }

    /// <summary>Epochs since the best, as PyTorch counts them (<c>num_bad_epochs</c>).</summary>
    public int BadEpochs { get; internal set; }

    /// <summary>Epochs of cooldown left (<c>cooldown_counter</c>).</summary>
    public int CooldownLeft { get; internal set; }

    /// <summary>Whether the monitored figure is better when higher (accuracy).</summary>
    public bool HigherIsBetter { get; private set; }

    /// <summary>Whether a run has started it (a state read from a checkpoint of a run without the schedule has not).</summary>
    internal bool Started => !double.IsNaN(Rate);

    internal void Start(float initialRate, bool higherIsBetter)
    {
        Rate = initialRate;
        HigherIsBetter = higherIsBetter;
        Best = higherIsBetter ? double.NegativeInfinity : double.PositiveInfinity;
        BadEpochs = 0;
        CooldownLeft = 0;
    }

    internal void Exchange(ref StateSerializer s)
    {
        double rate = Rate, best = Best;
        int bad = BadEpochs, cooldown = CooldownLeft;
        bool higher = HigherIsBetter;
        s.Double(ref rate);
        s.Double(ref best);
        s.Int32(ref bad, "the plateau's bad epochs", minimum: 0);
        s.Int32(ref cooldown, "the plateau's cooldown", minimum: 0);
        s.Boolean(ref higher);
        if (!s.IsReading) return;
        if (!(double.IsNaN(rate) || (double.IsFinite(rate) && rate >= 0))) throw s.Error($"the plateau's rate is {rate}; expected a finite number >= 0.");
        (Rate, Best, BadEpochs, CooldownLeft, HigherIsBetter) = (rate, best, bad, cooldown, higher);
    }
}
