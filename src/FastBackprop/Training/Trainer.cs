using FastBackprop.Data;

namespace FastBackprop.Training;

// ---------------------------------------------------------------------------------------------
// Trainer: the public face of training. Fit checks its arguments, splits off the validation
// data and hands the run to TrainingRun (the epoch loop and its parts); Evaluate scores a network
// on a data set. It knows nothing about vector widths: every step is one Network call and, with
// an optimizer, one flat optimizer kernel over the parameter buffer.
// ---------------------------------------------------------------------------------------------

/// <summary>Trains a <see cref="Network"/> on a <see cref="Dataset"/>.</summary>
public static class Trainer
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
    /// <exception cref="ArgumentException">Widths of data and network differ, an option is out of range, the
    /// optimizer is sized for another network, or the checkpoint belongs to another run.</exception>
    /// <exception cref="TrainingDivergedException">A loss, gradient or weight became non-finite (and retries,
    /// if enabled, were used up); the network keeps the last finite weights.</exception>
    public static TrainingHistory Fit(Network network, Dataset data, TrainingOptions options, TrainingCheckpoint? resumeFrom = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        NetworkDefinition definition = network.Definition;
        DatasetChecks.Widths(definition, data, nameof(data));
        (Dataset training, Dataset? validation) = SplitValidation(data, options);
        options.Validate(training.Count);
        if (validation is not null) DatasetChecks.Widths(definition, validation, "options.Validation");
        if (options.Optimizer is not null) ThrowHelper.CheckLength(options.Optimizer.ParameterCount, definition.ParameterCount, "options.Optimizer.ParameterCount");

        using var run = new TrainingRun(network, training, validation, options);
        resumeFrom?.RestoreInto(network, options.Optimizer, run.State, training.Count, options);
        return run.Execute(cancellationToken);
    }

    /// <summary>The network's loss, accuracy, confusion matrix (classification) or mean squared error
    /// (regression) on <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException">The data's widths differ from the network's.</exception>
    public static Evaluation Evaluate(Network network, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        DatasetChecks.Widths(network.Definition, data, nameof(data));
        using BatchWorkspace ws = network.CreateBatchWorkspace(EvaluationBatchFor(data), Environment.ProcessorCount);
        return Evaluate(network, data, ws);
    }

    /// <summary>The batch size Evaluate uses for <paramref name="data"/>.</summary>
    internal static int EvaluationBatchFor(Dataset data) => Math.Min(EvaluationBatch, Math.Max(1, data.Count));

    internal static Evaluation Evaluate(Network network, Dataset data, BatchWorkspace ws)
    {
        int outputs = network.Definition.OutputWidth, last = network.Definition.LayerCount - 1;
        int[,]? confusion = data.HasLabels ? new int[data.ClassCount, data.ClassCount] : null;
        double loss = 0, squared = 0;
        long correct = 0;
        for (int start = 0; start < data.Count; start += ws.Capacity)
        {
            int count = Math.Min(ws.Capacity, data.Count - start);
            loss += NetworkBatchCalls.LossSum(network, data.GetInputs(start, count), data.GetTargets(start, count), count, ws);
            ReadOnlySpan<float> y = ws.GetOutputs(last, count);
            if (confusion is not null) correct += Scoring.CountCorrect(y, data.GetLabels(start, count), outputs, confusion);
            else squared += Scoring.SquaredError(y, data.GetTargets(start, count));
        }
        int n = Math.Max(1, data.Count);
        return new Evaluation(data.Count, loss / n, confusion is null ? null : (double)correct / n,
            confusion is null ? squared / ((double)n * outputs) : null, confusion);
    }

    // The training data and the validation data: options.Validation, or a seeded split of the data.
    private static (Dataset Training, Dataset? Validation) SplitValidation(Dataset data, TrainingOptions options)
    {
        if (options.ValidationFraction <= 0) return (data, options.Validation);
        (Dataset validation, Dataset training) = data.Split(options.ValidationFraction, options.Seed ^ 0x5EED5EED5EED5EEDUL);
        return (training, validation.Count == 0 ? null : validation);
    }
}
