namespace FastBackprop.Training;

/// <summary>What to do when a loss, gradient or weight becomes NaN or infinite.</summary>
public enum DivergencePolicy
{
    /// <summary>Stop with a <see cref="TrainingDivergedException"/>; the network keeps the last finite weights.</summary>
    Throw,

    /// <summary>Restore the weights (and optimizer state) of the start of the epoch, halve the learning rate and
    /// replay the epoch from its first batch (for a resumed run: from the batch it resumed at), at most
    /// <see cref="TrainingOptions.MaxLearningRateHalvings"/> times over the run; then throw. The epoch, not only
    /// the failing batch, is replayed because weights that overflow only in a later forward pass were already
    /// ruined by the batches before it.</summary>
    HalveLearningRate,
}

/// <summary>Settings of <see cref="Trainer.Fit"/>. Defaults: 10 epochs, batches of 32, shuffled,
/// plain SGD with learning rate 0.01, no regularization, no validation, no early stopping; with validation data,
/// the best epoch's weights are restored at the end (<see cref="RestoreBestWeights"/>).</summary>
public sealed record TrainingOptions
{
    /// <summary>Number of passes over the training data; at least 1.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Patterns per step: 1 is online training as in the derivation; the data set's size
    /// (or more) is full-batch training. At least 1.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Shuffle the training patterns at the start of every epoch (from <see cref="Seed"/>).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Seed of the shuffling and of the validation split: the same seed, data, options and
    /// thread count give bit-identical weights on every run.</summary>
    public ulong Seed { get; init; }

    /// <summary>The learning rate eta, used when <see cref="Schedule"/> is null; finite, greater than 0.</summary>
    public float LearningRate { get; init; } = 0.01f;

    /// <summary>Learning rate per zero-based epoch, or per zero-based step over the run (<see cref="ScheduleUnit"/>);
    /// overrides <see cref="LearningRate"/> when set. A rate of 0 is
    /// a valid epoch that changes no weight (the loss is still measured); a NaN, infinite or negative rate stops
    /// <see cref="Trainer.Fit"/> with an <see cref="ArgumentOutOfRangeException"/>.</summary>
    public LearningRateSchedule? Schedule { get; init; }

    /// <summary>Whether <see cref="Schedule"/> is stepped per epoch (the default) or per step over the whole run
    /// (see <see cref="Training.ScheduleUnit"/>). A <see cref="ReduceOnPlateauSchedule"/> changes its rate only at the
    /// end of an epoch either way.</summary>
    public ScheduleUnit ScheduleUnit { get; init; } = ScheduleUnit.Epoch;

    /// <summary>The optimizer, sized for the network's parameter count; null means plain SGD
    /// (w -= eta · mean gradient), whose update is fused into the gradient product. The trainer
    /// continues from the optimizer's current state and leaves it updated.</summary>
    public Optimizer? Optimizer { get; init; }

    /// <summary>When greater than 0, the batch's mean gradient is scaled down to this L2 norm if it is
    /// longer (gradient norm clipping). 0 turns clipping off.</summary>
    public float GradientClipNorm { get; init; }

    /// <summary>L1 and L2 penalties (on the weights only, unless <see cref="Regularization.PenalizeBiases"/>) and a
    /// max-norm constraint per unit; null (the default) or all values 0 is none. See <see cref="Training.Regularization"/>
    /// for the definitions, the defaults and how they relate to the optimizers' weightDecay. With L1 or L2 set, plain SGD
    /// takes the unfused path (mean gradient, penalty, update), as it does with clipping.</summary>
    public Regularization? Regularization { get; init; }

    /// <summary>A validation set, evaluated after every epoch. Exclusive with <see cref="ValidationFraction"/>.</summary>
    public Data.Dataset? Validation { get; init; }

    /// <summary>Fraction of the training data (in [0, 1)) held out, by a seeded split, for validation.</summary>
    public double ValidationFraction { get; init; }

    /// <summary>When greater than 0: stop after this many epochs without an improvement of the <see cref="Monitor"/>ed
    /// figure (the validation figure, or the training figure without validation data; see
    /// <see cref="EarlyStoppingMinDelta"/>). 0 runs every epoch. Which weights the network keeps is
    /// <see cref="RestoreBestWeights"/>'s choice. A NaN or infinite monitored loss is never an improvement.</summary>
    public int EarlyStoppingPatience { get; init; }

    /// <summary>Put the weights of the best epoch (by <see cref="Monitor"/>) back at the end of the run, whether
    /// early stopping ended it or all epochs ran (see <see cref="TrainingHistory.Weights"/>). It applies when there is
    /// validation data (<see cref="Validation"/> or <see cref="ValidationFraction"/>) or a patience
    /// (<see cref="EarlyStoppingPatience"/> &gt; 0); a run with neither keeps its last weights, since the best training
    /// loss of an epoch is measured while the weights change. Default true, as scikit-learn's MLP with
    /// <c>early_stopping</c> keeps its best coefficients and Keras's <c>restore_best_weights</c> does. (Before this
    /// option, a run with validation data and no patience kept its last weights: set it to false for that.) Keeping the
    /// best weights costs one copy of the parameters, made once per improving epoch.</summary>
    public bool RestoreBestWeights { get; init; } = true;

    /// <summary>The minimum improvement: an epoch improves on the best only if its monitored figure beats the best by
    /// more than this (Keras's <c>min_delta</c>): loss &lt; best - delta, or accuracy &gt; best + delta. An epoch that
    /// does not is counted against the patience and neither becomes the best epoch nor has its weights kept.
    /// scikit-learn's <c>tol</c> differs: its best coefficients follow any strict improvement, and tol only decides
    /// whether the patience count restarts. Finite, 0 or more; default 0 (any strict improvement, where both agree).</summary>
    public double EarlyStoppingMinDelta { get; init; }

    /// <summary>The figure early stopping, <see cref="RestoreBestWeights"/> and <see cref="ReduceOnPlateauSchedule"/>
    /// watch: the loss (lower is better; the default) or the accuracy (higher is better; labelled data only).</summary>
    public MonitoredMetric Monitor { get; init; } = MonitoredMetric.Loss;

    /// <summary>Make the <see cref="ValidationFraction"/> split stratified: each class gets its share of the held-out
    /// patterns (see <see cref="Data.Dataset.StratifiedSplit"/>), as scikit-learn's MLPClassifier does for
    /// <c>early_stopping</c>. Labelled data only. Default false: the plain random split of <see cref="Data.Dataset.Split"/>,
    /// which earlier versions used, so that existing runs keep their bits.</summary>
    public bool StratifiedValidation { get; init; }

    /// <summary>Receives a report after every epoch.</summary>
    public IProgress<EpochReport>? Progress { get; init; }

    /// <summary>Called after every batch, on the training thread. Keep it short.</summary>
    public Action<BatchReport>? BatchCompleted { get; init; }

    /// <summary>What to do on a non-finite loss, gradient or weight.</summary>
    public DivergencePolicy OnDivergence { get; init; } = DivergencePolicy.Throw;

    /// <summary>Bound on the learning-rate halvings of <see cref="DivergencePolicy.HalveLearningRate"/>.</summary>
    public int MaxLearningRateHalvings { get; init; } = 5;

    /// <summary>Threads a training step may use (default: every core). The matrix products of large layers
    /// are split over them; small ones stay on one thread. The weights do not depend on this number:
    /// each thread computes whole blocks of each product, summed in the single-threaded order.</summary>
    public int DegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>When set, the whole training state is saved there (atomically) after every epoch and
    /// when training is cancelled, so that <see cref="Trainer.Fit"/> with <c>resumeFrom</c> continues
    /// it to exactly the weights an uninterrupted run would reach. Its folder must exist (checked before training).</summary>
    public string? CheckpointPath { get; init; }

    internal void Validate(int trainingCount)
    {
        static void Check(bool ok, string name, object value, string expected)
        {
            if (!ok) throw new ArgumentOutOfRangeException(name, value, $"{name} is {value}; expected {expected}.");
        }
        Check(Epochs >= 1, nameof(Epochs), Epochs, "at least 1");
        Check(BatchSize >= 1, nameof(BatchSize), BatchSize, "at least 1");
        Check(float.IsFinite(LearningRate) && LearningRate > 0, nameof(LearningRate), LearningRate, "a finite number greater than 0");
        Check(float.IsFinite(GradientClipNorm) && GradientClipNorm >= 0, nameof(GradientClipNorm), GradientClipNorm, "a finite number, 0 or more");
        Check(ValidationFraction >= 0 && ValidationFraction < 1, nameof(ValidationFraction), ValidationFraction, "a number in [0, 1)");
        Check(EarlyStoppingPatience >= 0, nameof(EarlyStoppingPatience), EarlyStoppingPatience, "0 or more");
        Check(double.IsFinite(EarlyStoppingMinDelta) && EarlyStoppingMinDelta >= 0, nameof(EarlyStoppingMinDelta), EarlyStoppingMinDelta, "a finite number, 0 or more");
        Check(Enum.IsDefined(Monitor), nameof(Monitor), Monitor, "a defined MonitoredMetric");
        Check(Enum.IsDefined(ScheduleUnit), nameof(ScheduleUnit), ScheduleUnit, "a defined ScheduleUnit");
        Check(DegreeOfParallelism >= 1, nameof(DegreeOfParallelism), DegreeOfParallelism, "at least 1");
        Check(MaxLearningRateHalvings >= 0, nameof(MaxLearningRateHalvings), MaxLearningRateHalvings, "0 or more");
        Regularization?.Validate();
        Check(Enum.IsDefined(OnDivergence), nameof(OnDivergence), OnDivergence, "a defined DivergencePolicy");
        if (Validation is not null && ValidationFraction > 0)
        {
            throw new ArgumentException("Validation and ValidationFraction are both set; expected at most one of them.", nameof(ValidationFraction));
        }
        if (CheckpointPath is not null) CheckCheckpointPath(CheckpointPath);
        if (trainingCount < 1)
        {
            throw new ArgumentException($"the training data has {trainingCount} patterns after the validation split; expected at least 1.", "data");
        }
        long steps = (long)Epochs * ((trainingCount + Math.Min(BatchSize, trainingCount) - 1) / Math.Min(BatchSize, trainingCount));
        if (ScheduleUnit == ScheduleUnit.Step && steps > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(ScheduleUnit), ScheduleUnit, $"ScheduleUnit is Step, but the run has {steps} steps ({Epochs} epochs); a schedule counts at most {int.MaxValue}.");
        }
    }

    // Up front, so that a run does not train an epoch only to find it cannot save it.
    private static void CheckCheckpointPath(string path)
    {
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new ArgumentException($"CheckpointPath '{path}' is not a valid path: {e.Message}", nameof(CheckpointPath), e);
        }
        string? folder = Path.GetDirectoryName(full);
        if (Directory.Exists(full) || folder is null)
        {
            throw new ArgumentException($"CheckpointPath '{path}' is a folder; expected a file path.", nameof(CheckpointPath));
        }
        if (!Directory.Exists(folder))
        {
            throw new ArgumentException($"CheckpointPath '{path}' is in the folder '{folder}', which does not exist.", nameof(CheckpointPath));
        }
    }
}
