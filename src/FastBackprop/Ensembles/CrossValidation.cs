using FastBackprop.Data;
using FastBackprop.IO;
using FastBackprop.Training;

namespace FastBackprop.Ensembles;

/// <summary>k-fold cross-validation: the rows split into k folds by a seeded shuffle (stratified by class for labelled
/// data), each fold held out in turn while a copy of the network trains on the other folds, all k trainings through
/// <see cref="Trainer.FitMany"/>; the result holds each fold's metrics on its held-out rows and their mean ± sd.</summary>
/// <remarks>Each fold's network gets exactly the bits <c>Trainer.Fit(copy, data.Subset(trainingRows), options)</c>
/// gives it (its training rows ascending), whatever the thread count; every fold starts from the same initial weights
/// (a copy of the network passed in, which is left as it is) and the same <see cref="TrainingOptions.Seed"/>, as
/// scikit-learn's cross_validate clones one estimator per fold.</remarks>
public static class CrossValidation
{
    /// <summary>The rows of each of <paramref name="folds"/> folds, each ascending; every row is in exactly one fold.</summary>
    /// <param name="data">The data set.</param>
    /// <param name="folds">k, from 2 to <paramref name="data"/>.Count.</param>
    /// <param name="seed">Seed of the shuffle.</param>
    /// <param name="stratify">Stratified folds (labelled data only): every fold gets floor(n_c / k) or one more of each
    /// class c; otherwise a plain shuffle cut into k runs (scikit-learn's KFold(shuffle=True)). Either way the fold sizes
    /// differ by at most one, the larger folds first for plain folds.</param>
    /// <remarks>Deterministic on every platform (<see cref="SeededRandom"/>). Plain: a Fisher-Yates shuffle of the rows, cut
    /// into consecutive runs, the first count mod k of them one row longer. Stratified: each class's rows shuffled in label
    /// order by one generator, laid end to end and dealt round-robin (position i to fold i mod k).</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="folds"/> is less than 2 or more than the row count.</exception>
    /// <exception cref="ArgumentException"><paramref name="stratify"/> without labels, or no class has
    /// <paramref name="folds"/> rows (scikit-learn's StratifiedKFold refuses that too).</exception>
    public static int[][] Folds(Dataset data, int folds, ulong seed, bool stratify)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckFolds(data, folds, stratify);
        return stratify ? FoldAssignment.Stratified(data.Labels, data.ClassCount, folds, seed) : FoldAssignment.Plain(data.Count, folds, seed);
    }

    /// <summary>Cross-validates <paramref name="network"/> (its current, initialised weights) on <paramref name="data"/>.</summary>
    /// <param name="network">The initial network; each fold trains a copy, and this one is not changed.</param>
    /// <param name="data">The data set, as the network takes it (already scaled, or see <see cref="CrossValidationOptions.InputScaling"/>).</param>
    /// <param name="options">The options of every fold's training (the same for all; <see cref="TrainingOptions.Progress"/> and
    /// <see cref="TrainingOptions.BatchCompleted"/> may then be called from several threads, for several folds).</param>
    /// <param name="settings">The folds and the per-fold scalings; null for the defaults (5 stratified or plain folds, seed 0).</param>
    /// <param name="cancellationToken">Stops every fold's training after its current batch; the folds are then evaluated as
    /// they stand, and their histories say <see cref="StopReason.Cancelled"/>.</param>
    /// <remarks>Scaling and leakage: a scaling already applied to <paramref name="data"/> (<see cref="Dataset.Scaling"/>) is
    /// used as it is for every fold. A loader's fixed scaling (the digits' counts / 16) involves no rows; a scaling fitted on
    /// the whole data set would have seen every test fold, so pass the raw data and set
    /// <see cref="CrossValidationOptions.InputScaling"/> instead: each fold then fits it on its training rows alone.
    /// A fold whose training fails (it diverged) has no evaluation and counts as NaN in the summaries; the others go on.</remarks>
    /// <exception cref="ArgumentException">As for <see cref="Folds"/> and <see cref="Trainer.Fit"/> (naming the fold); options
    /// with a <see cref="TrainingOptions.CheckpointPath"/> (every fold would write it), or with an optimizer but no
    /// <see cref="CrossValidationOptions.CreateOptimizer"/>; target standardisation of labelled data.</exception>
    public static CrossValidationResult Run(Network network, Dataset data, TrainingOptions options, CrossValidationOptions? settings = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        settings ??= new CrossValidationOptions();
        if (settings.StandardizeTargets && data.HasLabels)
        {
            throw new ArgumentException("settings.StandardizeTargets is set, but the data has class labels; target scaling is for regression targets only.", nameof(settings));
        }
        bool stratify = settings.Stratify ?? data.HasLabels;
        int[][] folds = Folds(data, settings.Folds, settings.Seed, stratify);
        var prepared = new PreparedFold[folds.Length];
        for (int f = 0; f < folds.Length; f++) prepared[f] = Prepare(network, data, options, settings, folds, f);

        var jobs = new TrainingJob[folds.Length];
        for (int f = 0; f < folds.Length; f++) jobs[f] = prepared[f].Job;
        IReadOnlyList<TrainingOutcome> outcomes = Trainer.FitMany(jobs, settings.DegreeOfParallelism, cancellationToken);

        var results = new FoldResult[folds.Length];
        for (int f = 0; f < folds.Length; f++)
        {
            PreparedFold p = prepared[f];
            Evaluation? evaluation = outcomes[f].Succeeded ? p.Model.Evaluate(p.Test) : null;
            results[f] = new FoldResult(f, folds[f], [.. p.Job.Rows!], p.Model, outcomes[f], evaluation);
        }
        string? warning = stratify ? SmallClassWarning(data, folds.Length) : null;
        return new CrossValidationResult(results, stratify, data.HasLabels, warning is null ? [] : [warning]);
    }

    // One fold's job (a copy of the network on the other folds' rows, with the scalings fitted on them), the model that
    // evaluates it (its network and those scalings), and its held-out rows with the inputs scaled and the targets raw.
    private sealed record PreparedFold(TrainingJob Job, Model Model, Dataset Test);

    private static PreparedFold Prepare(Network network, Dataset data, TrainingOptions options, CrossValidationOptions settings, int[][] folds, int f)
    {
        int[] trainingRows = FoldAssignment.TrainingRows(folds, f, data.Count);
        try
        {
            Dataset inputs = settings.InputScaling is { } kind ? InputScaling.Fit(data.Subset(trainingRows), kind).Apply(data) : data;
            TargetScaling? targets = settings.StandardizeTargets ? TargetScaling.Fit(inputs.Subset(trainingRows)) : null;
            var copy = new Network(network.Definition);
            network.Parameters.CopyTo(copy.Parameters);
            TrainingOptions own = OptimizerPerTraining.For(options, settings.CreateOptimizer, "settings.CreateOptimizer", "fold");
            if (settings.CreateSchedule is { } schedule) own = own with { Schedule = schedule(TrainedRows(trainingRows.Length, options)) };
            if (settings.Progress is { } progress) own = own with { Progress = new FoldProgress(f, progress) };
            var job = new TrainingJob(copy, targets is null ? inputs : targets.Apply(inputs), own, trainingRows);
            return new PreparedFold(job, new Model(copy, inputs.Scaling) { TargetScaling = targets }, inputs.Subset(folds[f]));
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"fold {f}: {e.Message}", e.ParamName, e);
        }
    }

    // The rows a fold's Fit trains on: its training rows less what the validation split holds out of them.
    private static int TrainedRows(int rows, TrainingOptions options) =>
        options.ValidationFraction is > 0 and < 1 ? rows - Dataset.SplitCount(options.ValidationFraction, rows) : rows;

    // One fold's epoch reports, passed on with the fold's index.
    private sealed class FoldProgress(int fold, IProgress<(int Fold, EpochReport Report)> target) : IProgress<EpochReport>
    {
        public void Report(EpochReport value) => target.Report((fold, value));
    }

    private static void CheckFolds(Dataset data, int folds, bool stratify)
    {
        if (folds < 2 || folds > data.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(folds), folds, $"folds is {folds}; expected 2 to the data's {data.Count} rows.");
        }
        if (!stratify) return;
        if (!data.HasLabels) throw new ArgumentException("stratified folds need class labels; this data set has targets only.", nameof(stratify));
        int largest = 0;
        foreach (int n in ClassSizes(data)) largest = Math.Max(largest, n);
        if (largest < folds)
        {
            throw new ArgumentException($"folds is {folds}, but no class has that many rows (the largest has {largest}); stratified folds need at least one class with a row in every fold. Use fewer folds.", nameof(folds));
        }
    }

    // scikit-learn's StratifiedKFold warns when the least populated class has fewer rows than folds: some folds then
    // hold none of it. Classes with no rows at all are not counted (scikit-learn only sees the labels present).
    internal static string? SmallClassWarning(Dataset data, int folds)
    {
        int[] sizes = ClassSizes(data);
        int smallest = -1;
        for (int c = 0; c < sizes.Length; c++)
        {
            if (sizes[c] > 0 && sizes[c] < folds && (smallest < 0 || sizes[c] < sizes[smallest])) smallest = c;
        }
        return smallest < 0 ? null
            : $"class {smallest} has only {sizes[smallest]} rows, fewer than the {folds} folds: some folds hold none of it (the least populated class; scikit-learn warns the same).";
    }

    private static int[] ClassSizes(Dataset data)
    {
        var sizes = new int[data.ClassCount];
        foreach (int label in data.Labels) sizes[label]++;
        return sizes;
    }
}
