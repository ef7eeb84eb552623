using FastBackprop.Data;
using FastBackprop.Training;

namespace FastBackprop.Ensembles;

/// <summary>How <see cref="CrossValidation.Run"/> splits the data and prepares each fold.</summary>
public sealed record CrossValidationOptions
{
    /// <summary>The number of folds k, from 2 to the data's row count; 5 by default (scikit-learn's cv=5).</summary>
    public int Folds { get; init; } = 5;

    /// <summary>Seed of the shuffle that assigns rows to folds (not of the trainings: they use
    /// <see cref="TrainingOptions.Seed"/>, the same for every fold).</summary>
    public ulong Seed { get; init; }

    /// <summary>Stratified folds (each class spread evenly over the folds, as scikit-learn's StratifiedKFold); null, the
    /// default, stratifies labelled data and not regression data, as scikit-learn's cross_validate does for classifiers.</summary>
    public bool? Stratify { get; init; }

    /// <summary>An input scaling to fit on each fold's training rows only and apply to all of that fold's rows (training
    /// and test), so the test fold never shapes the scaling; null (the default) uses the inputs as they are.</summary>
    public InputScalingKind? InputScaling { get; init; }

    /// <summary>Standardise regression targets per fold (<see cref="TargetScaling.Fit"/> on the fold's training rows);
    /// the fold's <see cref="Evaluation.MeanSquaredError"/> is then in the targets' own units and its loss is on the
    /// standardised targets, as <see cref="IO.Model.Evaluate"/> reports them.</summary>
    public bool StandardizeTargets { get; init; }

    /// <summary>Makes each fold's optimizer (called once per fold, in fold order; each call must return a new optimizer): an
    /// optimizer keeps state from step to step, so the folds cannot share the one in <see cref="TrainingOptions.Optimizer"/>,
    /// which this replaces. Null (the default) needs <see cref="TrainingOptions.Optimizer"/> null (plain SGD).</summary>
    /// <example><c>new CrossValidationOptions { CreateOptimizer = () =&gt; new Adam(network.Definition.ParameterCount) }</c></example>
    public Func<Optimizer?>? CreateOptimizer { get; init; }

    /// <summary>Makes each fold's learning-rate schedule from the number of rows that fold trains on (its training folds less
    /// the <see cref="TrainingOptions.ValidationFraction"/> split), called once per fold, in fold order; it replaces
    /// <see cref="TrainingOptions.Schedule"/>. The folds differ in size by up to one row, so a schedule whose length is a
    /// count of steps (a cosine or one-cycle schedule with <see cref="ScheduleUnit.Step"/>) fits one fold's run and not
    /// another's; this sizes it for each. Null (the default) gives every fold <see cref="TrainingOptions.Schedule"/>.</summary>
    /// <example><c>CreateSchedule = rows =&gt; new OneCycleSchedule(0.01f, epochs * ((rows + 31) / 32))</c> (batches of 32)</example>
    public Func<int, LearningRateSchedule?>? CreateSchedule { get; init; }

    /// <summary>Receives every fold's epoch reports with the fold's index, in place of <see cref="TrainingOptions.Progress"/>
    /// (which cannot tell the folds apart); called on the thread that trains the fold, so from several threads at once when
    /// folds train in parallel. Null (the default) keeps <see cref="TrainingOptions.Progress"/>. Reports do not change the results.</summary>
    public IProgress<(int Fold, EpochReport Report)>? Progress { get; init; }

    /// <summary>Threads for all folds together, passed to <see cref="Trainer.FitMany"/>; 0 (the default) for every core.
    /// The results do not depend on it.</summary>
    public int DegreeOfParallelism { get; init; }
}
