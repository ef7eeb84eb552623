namespace FastBackprop.Training;

/// <summary>Linear warm-up before another schedule, as PyTorch's <c>SequentialLR([LinearLR(start_factor=s,
/// total_iters=n), inner], milestones=[n])</c>: for t &lt; n the rate ramps linearly from s · inner(0) towards inner(0),
/// <c>rate(t) = inner(0) · (s + (1 - s) · t / n)</c>; from t = n on it is the wrapped schedule restarted at 0,
/// <c>rate(t) = inner(t - n)</c>. t counts epochs or steps, as <see cref="TrainingOptions.ScheduleUnit"/> says.</summary>
/// <remarks>PyTorch's LinearLR requires s &gt; 0; s = 0 is allowed here (its first epoch or step runs at rate 0, which
/// changes no weight). The default s = 1/3 is LinearLR's default.</remarks>
public sealed class WarmupSchedule : LearningRateSchedule
{
    /// <summary>LinearLR's default start factor, 1/3.</summary>
    public const float DefaultStartFactor = 1f / 3f;

    /// <summary>Creates the schedule.</summary>
    /// <param name="inner">The schedule that follows the warm-up; not a <see cref="ReduceOnPlateauSchedule"/>, whose
    /// rate is not a function of the counter.</param>
    /// <param name="length">Epochs or steps of warm-up (n); at least 1.</param>
    /// <param name="startFactor">The first rate as a fraction of inner(0) (s), in [0, 1].</param>
    /// <exception cref="ArgumentNullException"><paramref name="inner"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="inner"/> is a <see cref="ReduceOnPlateauSchedule"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is NaN or outside its range.</exception>
    public WarmupSchedule(LearningRateSchedule inner, int length, float startFactor = DefaultStartFactor)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (inner is ReduceOnPlateauSchedule)
        {
            throw new ArgumentException("inner is a ReduceOnPlateauSchedule, whose rate follows the monitored figure, not a counter; a warm-up can only wrap a schedule of the epoch or step.", nameof(inner));
        }
        Inner = inner;
        Length = HyperParameter.AtLeast(length, 1, nameof(length));
        StartFactor = HyperParameter.InRange(startFactor, 0f, 1f, nameof(startFactor));
    }

    /// <summary>The schedule after the warm-up.</summary>
    public LearningRateSchedule Inner { get; }

    /// <summary>Epochs or steps of warm-up.</summary>
    public int Length { get; }

    /// <summary>The first rate as a fraction of the wrapped schedule's first rate.</summary>
    public float StartFactor { get; }

    /// <inheritdoc/>
    public override float Rate(int epoch)
    {
        CheckEpoch(epoch);
        if (epoch >= Length) return Inner.Rate(epoch - Length);
        return (float)(Inner.Rate(0) * (StartFactor + (1 - (double)StartFactor) * epoch / Length));
    }
}
