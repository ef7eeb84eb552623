namespace FastBackprop.Training;

/// <summary>Reduce the rate when the monitored figure stops improving, as PyTorch's <c>ReduceLROnPlateau</c> with
/// <c>threshold_mode='rel'</c>: after every epoch, a figure better than <c>best · (1 - threshold)</c> (loss, mode "min")
/// or <c>best · (1 + threshold)</c> (accuracy, mode "max") becomes the best and clears the count of bad epochs, any
/// other adds one; during a cooldown the count is held at 0; when it exceeds <c>patience</c>, the rate becomes
/// <c>max(rate · factor, minRate)</c> (unless that changes it by 1e-8 or less, PyTorch's <c>eps</c>), the count is
/// cleared and a cooldown of <c>cooldown</c> epochs starts.</summary>
/// <remarks>Stateful: <see cref="Trainer.Fit"/> keeps a <see cref="PlateauState"/> for the run (in its checkpoints, so a
/// resumed run goes on with the same rate, best and counters), feeds it the figure of <see cref="TrainingOptions.Monitor"/>
/// (validation figure, else training figure) at each epoch's end, and trains the next epoch at its rate, whatever
/// <see cref="TrainingOptions.ScheduleUnit"/> says. <see cref="Rate(int)"/> is the rate of a run that has not reduced it,
/// <see cref="InitialRate"/>. A NaN figure is never better (a bad epoch), as in PyTorch.</remarks>
public sealed class ReduceOnPlateauSchedule : LearningRateSchedule
{
    /// <summary>PyTorch's <c>eps</c>: a reduction smaller than this is not made.</summary>
    public const double Epsilon = 1e-8;

    /// <summary>Creates the schedule; the defaults are PyTorch's.</summary>
    /// <param name="initialRate">The rate before any reduction; finite, &gt;= 0.</param>
    /// <param name="factor">The factor of a reduction, in (0, 1); default 0.1.</param>
    /// <param name="patience">Bad epochs tolerated before a reduction; 0 or more; default 10.</param>
    /// <param name="threshold">The relative improvement that counts, finite, &gt;= 0; default 1e-4.</param>
    /// <param name="cooldown">Epochs after a reduction during which bad epochs are not counted; 0 or more; default 0.</param>
    /// <param name="minRate">The rate is never reduced below this, in [0, <paramref name="initialRate"/>]; default 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is NaN or outside its range.</exception>
    public ReduceOnPlateauSchedule(float initialRate, float factor = 0.1f, int patience = 10, double threshold = 1e-4, int cooldown = 0, float minRate = 0f)
    {
        InitialRate = HyperParameter.NonNegative(initialRate, nameof(initialRate));
        Factor = HyperParameter.OpenUnitInterval(factor, nameof(factor));
        Patience = HyperParameter.AtLeast(patience, 0, nameof(patience));
        if (!(double.IsFinite(threshold) && threshold >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, $"{nameof(threshold)} is {threshold}; expected a finite number >= 0.");
        }
        Threshold = threshold;
        Cooldown = HyperParameter.AtLeast(cooldown, 0, nameof(cooldown));
        MinRate = HyperParameter.InRange(minRate, 0f, initialRate, nameof(minRate));
    }

    /// <summary>The rate before any reduction.</summary>
    public float InitialRate { get; }

    /// <summary>The factor of a reduction.</summary>
    public float Factor { get; }

    /// <summary>Bad epochs tolerated before a reduction.</summary>
    public int Patience { get; }

    /// <summary>The relative improvement that counts.</summary>
    public double Threshold { get; }

    /// <summary>Epochs after a reduction during which bad epochs are not counted.</summary>
    public int Cooldown { get; }

    /// <summary>The lowest rate.</summary>
    public float MinRate { get; }

    /// <summary>The rate before any reduction (<see cref="InitialRate"/>): the rate of a run follows its
    /// <see cref="PlateauState"/>.</summary>
    /// <param name="epoch">At least 0.</param>
    /// <returns><see cref="InitialRate"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epoch"/> is negative.</exception>
    public override float Rate(int epoch)
    {
        CheckEpoch(epoch);
        return InitialRate;
    }

    /// <summary>A fresh state for a run that monitors a figure for which higher is better (accuracy) or lower (loss).</summary>
    /// <param name="higherIsBetter">Mode "max" (true) or "min" (false).</param>
    /// <returns>The state: rate <see cref="InitialRate"/>, no best yet.</returns>
    public PlateauState Start(bool higherIsBetter = false)
    {
        var state = new PlateauState();
        state.Start(InitialRate, higherIsBetter);
        return state;
    }

    /// <summary>PyTorch's <c>step(metrics)</c>: records the figure of a finished epoch in <paramref name="state"/> and
    /// reduces its rate when the plateau has lasted more than <see cref="Patience"/> epochs.</summary>
    /// <param name="state">The run's state (from <see cref="Start"/>).</param>
    /// <param name="figure">The monitored figure of the epoch.</param>
    /// <returns>Whether the rate was reduced.</returns>
    public bool Observe(PlateauState state, double figure)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (IsBetter(figure, state.Best, state.HigherIsBetter))
        {
            state.Best = figure;
            state.BadEpochs = 0;
        }
        else
        {
            state.BadEpochs++;
        }
        if (state.CooldownLeft > 0)
        {
            state.CooldownLeft--;
            state.BadEpochs = 0;
        }
        if (state.BadEpochs <= Patience) return false;
        state.BadEpochs = 0;
        state.CooldownLeft = Cooldown;
        double reduced = Math.Max(state.Rate * Factor, MinRate);
        if (!(state.Rate - reduced > Epsilon)) return false;
        state.Rate = reduced;
        return true;
    }

    // PyTorch's _is_better in threshold mode "rel"; false for NaN.
    private bool IsBetter(double figure, double best, bool higherIsBetter) =>
        higherIsBetter ? figure > best * (1 + Threshold) : figure < best * (1 - Threshold);
}
