namespace FastBackprop.Training;

/// <summary>A learning rate as a function of the epoch (or of the step: any zero-based counter the caller
/// chooses), passed to <see cref="Optimizer.Step(Span{float}, ReadOnlySpan{float}, float)"/>.</summary>
public abstract class LearningRateSchedule
{
    /// <summary>The learning rate for zero-based epoch <paramref name="epoch"/>.</summary>
    /// <param name="epoch">At least 0.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epoch"/> is negative.</exception>
    public abstract float Rate(int epoch);

    /// <summary>A <see cref="ConstantSchedule"/>.</summary>
    /// <param name="rate">The rate; finite, &gt;= 0.</param>
    /// <returns>The schedule.</returns>
    public static LearningRateSchedule Constant(float rate) => new ConstantSchedule(rate);

    /// <summary>A <see cref="StepDecaySchedule"/>.</summary>
    /// <param name="initialRate">The rate of epochs 0 .. stepSize-1.</param>
    /// <param name="stepSize">Epochs per decay.</param>
    /// <param name="gamma">Factor per decay.</param>
    /// <returns>The schedule.</returns>
    public static LearningRateSchedule StepDecay(float initialRate, int stepSize, float gamma) => new StepDecaySchedule(initialRate, stepSize, gamma);

    /// <summary>A <see cref="CosineSchedule"/>.</summary>
    /// <param name="initialRate">The rate of epoch 0.</param>
    /// <param name="totalEpochs">The epoch at which the rate reaches <paramref name="minRate"/>.</param>
    /// <param name="minRate">The final rate.</param>
    /// <returns>The schedule.</returns>
    public static LearningRateSchedule Cosine(float initialRate, int totalEpochs, float minRate = 0f) => new CosineSchedule(initialRate, totalEpochs, minRate);

    /// <summary>A <see cref="WarmupSchedule"/>: a linear warm-up of <paramref name="length"/> epochs or steps, then <paramref name="inner"/>.</summary>
    /// <param name="inner">The schedule after the warm-up.</param>
    /// <param name="length">Epochs or steps of warm-up.</param>
    /// <param name="startFactor">The first rate as a fraction of inner(0); PyTorch LinearLR's default 1/3.</param>
    /// <returns>The schedule.</returns>
    public static LearningRateSchedule Warmup(LearningRateSchedule inner, int length, float startFactor = WarmupSchedule.DefaultStartFactor) => new WarmupSchedule(inner, length, startFactor);

    /// <summary>A <see cref="OneCycleSchedule"/> with PyTorch OneCycleLR's defaults.</summary>
    /// <param name="maxRate">The peak rate.</param>
    /// <param name="totalSteps">Steps (or epochs) in the cycle.</param>
    /// <returns>The schedule.</returns>
    public static LearningRateSchedule OneCycle(float maxRate, int totalSteps) => new OneCycleSchedule(maxRate, totalSteps);

    /// <summary>A <see cref="ReduceOnPlateauSchedule"/> with PyTorch ReduceLROnPlateau's defaults but the factor and patience.</summary>
    /// <param name="initialRate">The rate before any reduction.</param>
    /// <param name="factor">The factor of a reduction, in (0, 1).</param>
    /// <param name="patience">Bad epochs tolerated before a reduction.</param>
    /// <returns>The schedule.</returns>
    public static LearningRateSchedule ReduceOnPlateau(float initialRate, float factor = 0.1f, int patience = 10) => new ReduceOnPlateauSchedule(initialRate, factor, patience);

    /// <summary>Throws unless <paramref name="epoch"/> &gt;= 0.</summary>
    /// <param name="epoch">The epoch to check.</param>
    private protected static void CheckEpoch(int epoch) => HyperParameter.AtLeast(epoch, 0, nameof(epoch));
}

/// <summary>The same rate every epoch.</summary>
public sealed class ConstantSchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="rate">The rate; finite, &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rate"/> is NaN, infinite or negative.</exception>
    public ConstantSchedule(float rate) => InitialRate = HyperParameter.NonNegative(rate, nameof(rate));

    /// <summary>The rate.</summary>
    public float InitialRate { get; }

    /// <inheritdoc/>
    public override float Rate(int epoch)
    {
        CheckEpoch(epoch);
        return InitialRate;
    }
}

/// <summary>Step decay (torch.optim.lr_scheduler.StepLR): <c>rate(e) = initialRate · gamma^floor(e / stepSize)</c>.</summary>
public sealed class StepDecaySchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="initialRate">The rate of epochs 0 .. stepSize-1; finite, &gt;= 0.</param>
    /// <param name="stepSize">Epochs per decay; at least 1.</param>
    /// <param name="gamma">Factor per decay, in (0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is NaN or outside its range.</exception>
    public StepDecaySchedule(float initialRate, int stepSize, float gamma)
    {
        InitialRate = HyperParameter.NonNegative(initialRate, nameof(initialRate));
        StepSize = HyperParameter.AtLeast(stepSize, 1, nameof(stepSize));
        if (!(gamma > 0f && gamma <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, $"{nameof(gamma)} is {gamma}; expected a number in (0, 1].");
        }
        Gamma = gamma;
    }

    /// <summary>The rate of the first <see cref="StepSize"/> epochs.</summary>
    public float InitialRate { get; }

    /// <summary>Epochs per decay.</summary>
    public int StepSize { get; }

    /// <summary>Factor per decay.</summary>
    public float Gamma { get; }

    /// <inheritdoc/>
    public override float Rate(int epoch)
    {
        CheckEpoch(epoch);
        return (float)(InitialRate * PortableMath.Pow(Gamma, epoch / StepSize));
    }
}

/// <summary>Cosine annealing (Loshchilov and Hutter 2017, without restarts; torch.optim.lr_scheduler.CosineAnnealingLR's
/// closed form): <c>rate(e) = minRate + (initialRate - minRate) (1 + cos(π e / totalEpochs)) / 2</c> for
/// e &lt;= totalEpochs, and <c>minRate</c> after (where PyTorch's would climb again).</summary>
public sealed class CosineSchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="initialRate">The rate of epoch 0; finite, &gt;= 0.</param>
    /// <param name="totalEpochs">The epoch at which the rate reaches <paramref name="minRate"/>; at least 1.</param>
    /// <param name="minRate">The final rate, in [0, <paramref name="initialRate"/>].</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is NaN or outside its range.</exception>
    public CosineSchedule(float initialRate, int totalEpochs, float minRate = 0f)
    {
        InitialRate = HyperParameter.NonNegative(initialRate, nameof(initialRate));
        TotalEpochs = HyperParameter.AtLeast(totalEpochs, 1, nameof(totalEpochs));
        MinRate = HyperParameter.InRange(minRate, 0f, initialRate, nameof(minRate));
    }

    /// <summary>The rate of epoch 0.</summary>
    public float InitialRate { get; }

    /// <summary>The epoch at which the rate reaches <see cref="MinRate"/>.</summary>
    public int TotalEpochs { get; }

    /// <summary>The final rate.</summary>
    public float MinRate { get; }

    /// <inheritdoc/>
    public override float Rate(int epoch)
    {
        CheckEpoch(epoch);
        if (epoch >= TotalEpochs) return MinRate;
        return (float)(MinRate + (InitialRate - (double)MinRate) * (1 + PortableMath.CosPi((double)epoch / TotalEpochs)) / 2);
    }
}
