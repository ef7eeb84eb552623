using FastBackprop.Data;

namespace FastBackprop.Training;

// ---------------------------------------------------------------------------------------------
// Trainer: the public face of training. Fit checks its arguments, splits off the validation
// data and hands the run to TrainingRun (the epoch loop and its parts); Evaluate scores a network
// on a data set. It knows nothing about vector widths: every step is one Network call and, with
// an optimizer, one flat optimizer kernel over the parameter buffer.
// ---------------------------------------------------------------------------------------------

/// <summary>Trains a <see cref="Network"/> on a <see cref="Dataset"/>.</summary>
public static partial class Trainer
{
    private const int EvaluationBatch = 256;

    /// <summary>Trains <paramref name="network"/> on <paramref name="data"/> as <paramref name="options"/> say.</summary>
    /// <param name="network">The network, trained in place (initialise its weights first).</param>
    /// <param name="data">Training patterns; input and target widths must match the network.</param>
    /// <param name="options">Settings; see <see cref="TrainingOptions"/>.</param>
    /// <param name="resumeFrom">A checkpoint written by an earlier run with the same data and options: training
    /// continues from it (its weights are copied into <paramref name="network"/>).</param>
    /// <param name="cancellationToken">Stops training after the current batch; the network keeps the
    /// weights after that batch and, with <see cref="TrainingOptions.CheckpointPath"/>, a checkpoint is saved.</param>
    /// <returns>Per-epoch reports and why training stopped.</returns>
    /// <remarks>The data sets are checked once, before the first step: for a cross-entropy network every target must be
    /// in [0, 1] and, over a softmax output, each pattern's targets must sum to 1 within 1e-4 (a one-hot code or another
    /// probability distribution), since otherwise the gradient y - d is not the gradient of the reported loss. Data with
    /// sample weights (<see cref="Dataset.WithWeights"/>) is trained on the weighted mean Σ_p w_p E_p / Σ_p w_p of each
    /// batch, scikit-learn's sample_weight (a batch whose weights sum to 0 makes no update; online training scales each
    /// step by its pattern's weight), and the reports are weighted means.</remarks>
    /// <exception cref="ArgumentException">Widths of data and network differ, a data set is empty, labelled data has a
    /// single class, a cross-entropy target is not a valid probability (the message names the pattern), an option is out
    /// of range (the checkpoint folder does not exist, say), the optimizer is sized for another network, the checkpoint
    /// belongs to another run, or the training or validation part's sample weights are all 0.</exception>
    /// <exception cref="TrainingDivergedException">A loss, gradient or weight became non-finite (and retries,
    /// if enabled, were used up); the network keeps the last finite weights.</exception>
    public static TrainingHistory Fit(Network network, Dataset data, TrainingOptions options, TrainingCheckpoint? resumeFrom = null, CancellationToken cancellationToken = default)
    {
        using TrainingRun run = Start(network, data, options, resumeFrom);
        return run.Execute(cancellationToken);
    }

    /// <summary>Fit up to its first step: every argument check, the validation split, the run's buffers and threads,
    /// and the resumed state. The caller executes the run and disposes it (FitAsync on another thread).</summary>
    private static TrainingRun Start(Network network, Dataset data, TrainingOptions options, TrainingCheckpoint? resumeFrom)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        (DatasetRows training, DatasetRows? validation) = Prepare(network, data, null, options);

        var run = new TrainingRun(network, training, validation, options);
        if (resumeFrom is null) return run;
        try
        {
            resumeFrom.RestoreInto(network, options.Optimizer, run.State, training.Count, options);
            run.CheckResumed();
            return run;
        }
        catch
        {
            run.Dispose();
            throw;
        }
    }

    /// <summary>Fit's checks of its arguments and its validation split, on the rows <paramref name="rows"/> of
    /// <paramref name="data"/> (every row when null) as on <c>data.Subset(rows)</c>: the same checks judge the same
    /// patterns, and the parts are views of the rows the split of the subset would pick, in the subset's order.</summary>
    /// <exception cref="ArgumentException">As for <see cref="Fit"/>; a bad target of a view is named by its place in
    /// <paramref name="rows"/> and its row of <paramref name="data"/>.</exception>
    internal static (DatasetRows Training, DatasetRows? Validation) Prepare(Network network, Dataset data, int[]? rows, TrainingOptions options)
    {
        NetworkDefinition definition = network.Definition;
        DatasetRows all = rows is null ? new DatasetRows(data) : new DatasetRows(data, rows);
        CheckData(definition, all, nameof(data));
        DatasetChecks.Classes(data, nameof(data));   // a subset keeps its data set's ClassCount
        CheckLabelledOptions(data, options);
        (DatasetRows training, DatasetRows? validation) = SplitValidation(all, options);
        options.Validate(training.Count);
        SampleWeightChecks.SomeWeight(training, nameof(data), "training patterns (after the validation split)");
        if (validation is not null) SampleWeightChecks.SomeWeight(validation, validation.IsWhole ? "options.Validation" : nameof(data), "validation patterns");
        if (options.Validation is not null)
        {
            CheckData(definition, new DatasetRows(options.Validation), "options.Validation");
            DatasetChecks.Classes(options.Validation, "options.Validation");
        }
        if (options.Optimizer is not null)
        {
            ThrowHelper.CheckLength(options.Optimizer.ParameterCount, definition.ParameterCount, "options.Optimizer.ParameterCount");
            CheckObjectiveOptimizer(definition, options);
        }
        return (training, validation);
    }

    /// <summary>The network's loss, accuracy, confusion matrix (classification) or mean squared error
    /// (regression) on <paramref name="data"/>, computed on the calling thread alone. With sample weights
    /// (<see cref="Dataset.Weights"/>) the loss, accuracy and error are weighted means (<see cref="Evaluation.WeightSum"/>).</summary>
    /// <remarks>One thread, because a worker pool would be started and stopped on every call, which costs more
    /// than it saves for all but very large networks; to evaluate with threads (and to reuse the buffers across
    /// calls), pass a workspace to <see cref="Evaluate(Network, Dataset, BatchWorkspace)"/>.</remarks>
    /// <exception cref="ArgumentException">The data's widths differ from the network's, the data is empty, or
    /// (cross-entropy) a target is not a valid probability (see <see cref="Fit"/>).</exception>
    public static Evaluation Evaluate(Network network, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        CheckData(network.Definition, data, nameof(data));
        using BatchWorkspace ws = network.CreateBatchWorkspace(EvaluationBatchFor(data.Count));
        return Score(network, data, ws, nameof(data));
    }

    /// <summary>As <see cref="Evaluate(Network, Dataset)"/>, in batches of up to <paramref name="workspace"/>'s capacity
    /// and with its threads.</summary>
    /// <param name="network">The network.</param>
    /// <param name="data">The patterns.</param>
    /// <param name="workspace">A workspace made for the network's definition (any capacity); reusable across calls.</param>
    /// <exception cref="ArgumentException">As for <see cref="Evaluate(Network, Dataset)"/>, or the workspace was made
    /// for another definition.</exception>
    public static Evaluation Evaluate(Network network, Dataset data, BatchWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(workspace);
        CheckData(network.Definition, data, nameof(data));
        return Score(network, data, workspace, nameof(data));
    }

    /// <summary>The batch size Evaluate uses for <paramref name="count"/> patterns.</summary>
    internal static int EvaluationBatchFor(int count) => Math.Min(EvaluationBatch, Math.Max(1, count));

    /// <summary>Evaluate without the checks: <paramref name="data"/> is known to fit the network and to be non-empty.
    /// Inputs that drive the network's outputs to infinity are reported against <paramref name="name"/> and the batch.</summary>
    internal static Evaluation Score(Network network, Dataset data, BatchWorkspace ws, string name)
    {
        var sums = new ScoreSums(network, data.HasLabels ? data.ClassCount : 0);
        for (int start = 0; start < data.Count; start += ws.Capacity)
        {
            int count = Math.Min(ws.Capacity, data.Count - start);
            sums.Add(data.GetInputs(start, count), data.GetTargets(start, count), data.GetLabels(start, count), start, count, ws, name,
                data.HasWeights ? data.Weights.Slice(start, count) : default);
        }
        return sums.ToEvaluation(data.Count);
    }

    /// <summary>As <see cref="Score(Network, Dataset, BatchWorkspace, string)"/>, on rows gathered by <paramref name="rows"/>
    /// (in its data's order) in batches of <paramref name="ws"/>'s capacity: the same batches, so the same bits, as on a
    /// copy of the rows.</summary>
    internal static Evaluation Score(Network network, BatchSource rows, BatchWorkspace ws, string name)
    {
        var sums = new ScoreSums(network, rows.ClassCount);
        for (int b = 0; b < rows.BatchCount; b++)
        {
            Batch batch = rows.Gather(b);
            sums.Add(batch.Inputs, batch.Targets, batch.Labels, b * rows.BatchSize, batch.Count, ws, name, batch.Weights);
        }
        return sums.ToEvaluation(rows.Count);
    }

    // An optimizer that evaluates trial points compares values of one function: dropout would make each evaluation another,
    // and a clipped gradient would not be the gradient of the loss it measures.
    private static void CheckObjectiveOptimizer(NetworkDefinition definition, TrainingOptions options)
    {
        Optimizer optimizer = options.Optimizer!;
        if (optimizer.Requires < OptimizerInputs.Objective) return;
        string name = optimizer.GetType().Name;
        foreach (Layer layer in definition.Layers)
        {
            if (layer is Dropout)
            {
                throw new ArgumentException($"options.Optimizer: {name} evaluates the loss at trial weights and compares the values, which dropout would make those of a different function each time; remove the dropout layers or use another optimizer.", "options.Optimizer");
            }
        }
        if (options.Regularization is { MaxNorm: > 0 })
        {
            throw new ArgumentException($"options.Regularization.MaxNorm: {name} keeps a history of the steps it took (curvature pairs, search directions), which a max-norm projection after its step would falsify; set MaxNorm to 0 (L1 and L2 are part of its objective) or use another optimizer.", "options.Regularization");
        }
        if (options.GradientClipNorm > 0)
        {
            throw new ArgumentException($"options.GradientClipNorm: {name} computes its own gradients at trial weights and needs them unclipped; set GradientClipNorm to 0.", nameof(options.GradientClipNorm));
        }
    }

    // The options that need class labels: accuracy as the monitored figure, a stratified split.
    private static void CheckLabelledOptions(Dataset data, TrainingOptions options)
    {
        if (options.Monitor == MonitoredMetric.Accuracy && !(data.HasLabels && (options.Validation is null || options.Validation.HasLabels)))
        {
            string which = data.HasLabels ? "options.Validation has" : "data has";
            throw new ArgumentException($"Monitor is Accuracy, which needs class labels, but {which} targets only (regression); monitor the loss instead.", nameof(options.Monitor));
        }
        if (options.StratifiedValidation && options.ValidationFraction > 0 && !data.HasLabels)
        {
            throw new ArgumentException("StratifiedValidation keeps each class's share of the validation split, which needs class labels, but data has targets only (regression); turn it off.", nameof(options.StratifiedValidation));
        }
    }

    // The checks of a data set bound to the network, once per call.
    private static void CheckData(NetworkDefinition definition, Dataset data, string name) => CheckData(definition, new DatasetRows(data), name);

    // The checks of the rows of a data set bound to the network (all of them, or a job's rows), once per call.
    private static void CheckData(NetworkDefinition definition, DatasetRows rows, string name)
    {
        DatasetChecks.Widths(definition, rows.Data, name);
        DatasetChecks.NotEmpty(rows, name);
        DatasetChecks.Targets(definition, rows, name);
        SampleWeightChecks.SomeWeight(rows, name, "patterns");
    }

    // The training data and the validation data: options.Validation, or a seeded split of the rows, whose parts are
    // read in place (the rows of Dataset.Split's parts of the rows' subset, not copies of them).
    private static (DatasetRows Training, DatasetRows? Validation) SplitValidation(DatasetRows all, TrainingOptions options)
    {
        if (options.ValidationFraction <= 0) return (all, options.Validation is null ? null : new DatasetRows(options.Validation));
        if (!(options.ValidationFraction < 1)) options.Validate(all.Count);   // names the option before SplitRows sees it
        ulong seed = options.Seed ^ 0x5EED5EED5EED5EEDUL;
        Dataset data = all.Data;
        int[]? rows = all.Rows;
        (int[] validation, int[] training) = options.StratifiedValidation ? data.StratifiedSplitRows(options.ValidationFraction, seed, rows) : data.SplitRows(options.ValidationFraction, seed, rows);
        return (new DatasetRows(data, training), validation.Length == 0 ? null : new DatasetRows(data, validation));
    }
}
