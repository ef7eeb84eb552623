namespace FastBackprop.Training;

/// <summary>The one-cycle policy (Smith and Topin 2017), as PyTorch's <c>OneCycleLR</c> with its defaults
/// (<c>anneal_strategy='cos'</c>, <c>three_phase=False</c>): the rate rises from <c>maxRate / divFactor</c> to
/// <c>maxRate</c> over the first phase, which ends at step <c>e1 = pctStart · totalSteps - 1</c>, then falls to
/// <c>maxRate / divFactor / finalDivFactor</c> at step <c>totalSteps - 1</c>; within a phase from a to b over steps
/// s0 .. s1, <c>rate(t) = b + (a - b) (1 + cos(π (t - s0) / (s1 - s0))) / 2</c>, with s0 = 0 and s1 = e1 in the first
/// phase and s0 = e1, s1 = totalSteps - 1 in the second (PyTorch's phase boundaries, kept as real numbers, so the peak
/// <c>maxRate</c> itself is reached only when e1 is a whole step).</summary>
/// <remarks>Only the learning rate cycles: the momentum (PyTorch's <c>cycle_momentum</c>) is left to the optimizer.
/// Where PyTorch raises an error past <c>totalSteps</c>, the rate stays at the final one; a phase of length 0 (e1 = 0)
/// gives its end rate, where PyTorch's division gives NaN. Meant for <see cref="ScheduleUnit.Step"/> with
/// <c>totalSteps</c> = epochs · batches per epoch, as PyTorch steps it; per epoch it is the same curve over epochs.</remarks>
public sealed class OneCycleSchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="maxRate">The peak rate; finite, &gt;= 0.</param>
    /// <param name="totalSteps">Steps (or epochs) in the cycle; at least 1.</param>
    /// <param name="pctStart">The share of the cycle spent rising, in [0, 1]; PyTorch's default 0.3.</param>
    /// <param name="divFactor">The first rate is <paramref name="maxRate"/> / this; finite, &gt; 0; default 25.</param>
    /// <param name="finalDivFactor">The last rate is the first / this; finite, &gt; 0; default 1e4.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is NaN or outside its range.</exception>
    public OneCycleSchedule(float maxRate, int totalSteps, float pctStart = 0.3f, float divFactor = 25f, float finalDivFactor = 1e4f)
    {
        MaxRate = HyperParameter.NonNegative(maxRate, nameof(maxRate));
        TotalSteps = HyperParameter.AtLeast(totalSteps, 1, nameof(totalSteps));
        PctStart = HyperParameter.InRange(pctStart, 0f, 1f, nameof(pctStart));
        DivFactor = HyperParameter.Positive(divFactor, nameof(divFactor));
        FinalDivFactor = HyperParameter.Positive(finalDivFactor, nameof(finalDivFactor));
    }

    /// <summary>The peak rate.</summary>
    public float MaxRate { get; }

    /// <summary>Steps (or epochs) in the cycle.</summary>
    public int TotalSteps { get; }

    /// <summary>The share of the cycle spent rising.</summary>
    public float PctStart { get; }

    /// <summary>The first rate is <see cref="MaxRate"/> / this.</summary>
    public float DivFactor { get; }

    /// <summary>The last rate is the first / this.</summary>
    public float FinalDivFactor { get; }

    /// <summary>The step at which the rising phase ends, <c>pctStart · totalSteps - 1</c> (as PyTorch computes it).</summary>
    public double PeakStep => (double)PctStart * TotalSteps - 1;

    /// <inheritdoc/>
    public override float Rate(int epoch)
    {
        CheckEpoch(epoch);
        double initial = (double)MaxRate / DivFactor, final = initial / FinalDivFactor;
        double peak = PeakStep, last = TotalSteps - 1, t = Math.Min(epoch, last);
        return t <= peak ? Anneal(initial, MaxRate, t, 0, peak) : Anneal(MaxRate, final, t, peak, last);
    }

    // PyTorch's _annealing_cos from a to b at pct = (t - start) / (end - start).
    private static float Anneal(double a, double b, double t, double start, double end)
    {
        double pct = end > start ? (t - start) / (end - start) : 1;
        return (float)(b + (a - b) / 2 * (PortableMath.CosPi(pct) + 1));
    }
}
