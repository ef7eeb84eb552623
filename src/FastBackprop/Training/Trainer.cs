using System.Diagnostics;
using System.Numerics.Tensors;
using FastBackprop.Data;
using FastBackprop.Kernels;

namespace FastBackprop.Training;

// ---------------------------------------------------------------------------------------------
// Trainer: epochs, shuffling, mini-batches, validation, early stopping, divergence handling,
// checkpoints. It knows nothing about vector widths: every step is one Network batch call and,
// with an optimizer, one flat optimizer kernel over the parameter buffer.
//
// Determinism: the permutation of epoch e is drawn from a SeededRandom whose state at the start
// of the epoch is part of the checkpoint, batches are gathered in that order, and every kernel
// sums in a fixed order; so the same seed, data and options give the same bits, and a resumed run
// ends where an uninterrupted one does.
//
// Divergence: the parameters (and the optimizer state) are copied before each step. A non-finite
// loss, gradient or weight after the step restores them, so the network never holds NaN.
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
        CheckWidths(definition, data, nameof(data));

        Dataset training = data;
        Dataset? validation = options.Validation;
        if (options.ValidationFraction > 0)
        {
            (validation, training) = data.Split(options.ValidationFraction, options.Seed ^ 0x5EED5EED5EED5EEDUL);
            if (validation.Count == 0) validation = null;
        }
        options.Validate(training.Count);
        if (validation is not null) CheckWidths(definition, validation, "options.Validation");
        Optimizer? optimizer = options.Optimizer;
        if (optimizer is not null) ThrowHelper.CheckLength(optimizer.ParameterCount, definition.ParameterCount, "options.Optimizer.ParameterCount");

        var run = new Run(network, training, validation, options, optimizer);
        if (resumeFrom is not null) resumeFrom.RestoreInto(network, optimizer, run.State, training.Count, options);
        else new SeededRandom(options.Seed).SaveState(run.State.EpochStartRandom);
        return run.Execute(cancellationToken);
    }

    /// <summary>The network's loss, accuracy, confusion matrix (classification) or mean squared error
    /// (regression) on <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException">The data's widths differ from the network's.</exception>
    public static Evaluation Evaluate(Network network, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        CheckWidths(network.Definition, data, nameof(data));
        int batch = Math.Min(EvaluationBatch, Math.Max(1, data.Count));
        using BatchWorkspace ws = network.CreateBatchWorkspace(batch, Environment.ProcessorCount);
        return Evaluate(network, data, ws);
    }

    internal static Evaluation Evaluate(Network network, Dataset data, BatchWorkspace ws)
    {
        int outputs = network.Definition.OutputWidth, last = network.Definition.LayerCount - 1;
        int[,]? confusion = data.HasLabels ? new int[data.ClassCount, data.ClassCount] : null;
        double loss = 0, squared = 0;
        long correct = 0;
        for (int start = 0; start < data.Count; start += ws.Capacity)
        {
            int count = Math.Min(ws.Capacity, data.Count - start);
            loss += (double)network.ComputeLossBatch(data.GetInputs(start, count), data.GetTargets(start, count), ws) * count;   // the batch's mean, back to a sum
            ReadOnlySpan<float> y = ws.GetOutputs(last, count);
            if (confusion is not null)
            {
                ReadOnlySpan<int> labels = data.GetLabels(start, count);
                for (int p = 0; p < count; p++)
                {
                    int predicted = TensorPrimitives.IndexOfMax(y.Slice(p * outputs, outputs));
                    confusion[labels[p], predicted]++;
                    if (predicted == labels[p]) correct++;
                }
            }
            else
            {
                squared += SquaredError(y, data.GetTargets(start, count));
            }
        }
        int n = Math.Max(1, data.Count);
        return new Evaluation(data.Count, loss / n, confusion is null ? null : (double)correct / n,
            confusion is null ? squared / ((double)n * outputs) : null, confusion);
    }

    private static double SquaredError(ReadOnlySpan<float> y, ReadOnlySpan<float> d)
    {
        double sum = 0;
        for (int i = 0; i < y.Length; i++) sum += (double)(y[i] - d[i]) * (y[i] - d[i]);
        return sum;
    }

    private static void CheckWidths(NetworkDefinition definition, Dataset data, string name)
    {
        if (data.InputWidth != definition.InputWidth || data.TargetWidth != definition.OutputWidth)
        {
            throw new ArgumentException(
                $"{name} has {data.InputWidth} inputs and {data.TargetWidth} targets per pattern; the network expects {definition.InputWidth} and {definition.OutputWidth}.", name);
        }
        if (data.HasLabels && data.ClassCount != definition.OutputWidth)
        {
            throw new ArgumentException($"{name} has {data.ClassCount} classes; the network has {definition.OutputWidth} outputs.", name);
        }
    }

    /// <summary>One call of Fit: its buffers, allocated once, and its loop.</summary>
    private sealed class Run(Network network, Dataset training, Dataset? validation, TrainingOptions options, Optimizer? optimizer)
    {
        public readonly TrainingState State = new();
        private readonly int batchSize = Math.Min(options.BatchSize, training.Count);
        private readonly int inputWidth = network.Definition.InputWidth;
        private readonly int outputWidth = network.Definition.OutputWidth;
        private readonly int[] order = new int[training.Count];
        private Workspace? online;

        public TrainingHistory Execute(CancellationToken cancellationToken)
        {
            Span<float> parameters = network.Parameters;
            using BatchWorkspace ws = network.CreateBatchWorkspace(batchSize, options.DegreeOfParallelism);
            using BatchWorkspace? evaluation = validation is null ? null
                : network.CreateBatchWorkspace(Math.Min(EvaluationBatch, Math.Max(1, validation.Count)), options.DegreeOfParallelism);
            var inputs = new float[batchSize * inputWidth];
            var targets = new float[batchSize * outputWidth];
            var labels = new int[training.HasLabels ? batchSize : 0];
            var gradient = new float[optimizer is null && options.GradientClipNorm == 0 ? 0 : parameters.Length];
            // Online plain SGD (batches of one, as in the derivation) takes the per-pattern path:
            // a one-row matrix product would spend most of its time packing.
            online = batchSize == 1 && gradient.Length == 0 ? network.CreateWorkspace() : null;
            var backup = new float[parameters.Length];
            var optimizerBackup = new float[optimizer?.StateLength ?? 0];
            bool halving = options.OnDivergence == DivergencePolicy.HalveLearningRate;
            var restartParameters = new float[halving ? parameters.Length : 0];
            var restartOptimizer = new float[halving ? optimizerBackup.Length : 0];
            int batchCount = (training.Count + batchSize - 1) / batchSize;
            var stopwatch = new Stopwatch();

            while (State.Epoch < options.Epochs)
            {
                if (State.Batch == 0) State.StartEpoch();
                SeededRandom random = SeededRandom.FromState(State.EpochStartRandom);
                for (int i = 0; i < order.Length; i++) order[i] = i;
                if (options.Shuffle)
                {
                    for (int i = order.Length - 1; i > 0; i--)   // Fisher-Yates
                    {
                        int j = random.NextInt32(i + 1);
                        (order[i], order[j]) = (order[j], order[i]);
                    }
                }
                float rate = BaseRate(State.Epoch) * MathF.Pow(0.5f, State.Halvings);
                stopwatch.Restart();
                int epoch = State.Epoch + 1;

                // Where a halving restarts: this epoch's start (or the resume point within it).
                // Weights that diverge only in a later forward pass are already ruined, so a
                // smaller rate must replay the epoch, not just the failing batch.
                int restartBatch = State.Batch;
                (double, long, double, int) restartSums = (State.LossSum, State.Correct, State.SquaredErrorSum, State.PatternsDone);
                long restartSteps = optimizer?.StepCount ?? 0;
                if (halving)
                {
                    parameters.CopyTo(restartParameters);
                    optimizer?.SaveState(restartOptimizer);
                }

                for (; State.Batch < batchCount; State.Batch++)
                {
                    if (cancellationToken.IsCancellationRequested)
                    {
                        SaveCheckpoint();
                        return History(StopReason.Cancelled);
                    }
                    int start = State.Batch * batchSize, count = Math.Min(batchSize, training.Count - start);
                    for (int p = 0; p < count; p++)
                    {
                        int row = order[start + p];
                        training.GetInput(row).CopyTo(inputs.AsSpan(p * inputWidth, inputWidth));
                        training.GetTarget(row).CopyTo(targets.AsSpan(p * outputWidth, outputWidth));
                        if (labels.Length != 0) labels[p] = training.GetLabel(row);
                    }
                    ReadOnlySpan<float> x = inputs.AsSpan(0, count * inputWidth), t = targets.AsSpan(0, count * outputWidth);

                    parameters.CopyTo(backup);
                    optimizer?.SaveState(optimizerBackup);
                    long steps = optimizer?.StepCount ?? 0;
                    (float loss, int badLayer, string what) = Step(x, t, count, rate, gradient, ws);
                    if (badLayer >= 0)
                    {
                        if (halving && State.Halvings < options.MaxLearningRateHalvings)
                        {
                            State.Halvings++;
                            rate *= 0.5f;
                            restartParameters.CopyTo(parameters);
                            optimizer?.LoadState(restartOptimizer, restartSteps);
                            (State.LossSum, State.Correct, State.SquaredErrorSum, State.PatternsDone) = restartSums;
                            State.Batch = restartBatch - 1;   // the loop's increment brings it back to the restart
                            continue;
                        }
                        backup.CopyTo(parameters);   // never hand back NaN weights: the last finite ones
                        optimizer?.LoadState(optimizerBackup, steps);
                        throw new TrainingDivergedException(epoch, State.Batch, badLayer, what, rate);
                    }

                    State.LossSum += loss;
                    State.PatternsDone += count;
                    int last = network.Definition.LayerCount - 1;
                    ReadOnlySpan<float> y = online is null ? ws.GetOutputs(last, count) : online.GetOutputs(last);
                    if (labels.Length != 0)
                    {
                        for (int p = 0; p < count; p++)
                        {
                            if (TensorPrimitives.IndexOfMax(y.Slice(p * outputWidth, outputWidth)) == labels[p]) State.Correct++;
                        }
                    }
                    else
                    {
                        State.SquaredErrorSum += SquaredError(y, t);
                    }
                    options.BatchCompleted?.Invoke(new BatchReport(epoch, State.Batch, batchCount, loss / count, State.PatternsDone));
                }

                Evaluation? validated = evaluation is null ? null : Evaluate(network, validation!, evaluation);
                stopwatch.Stop();
                int n = State.PatternsDone;
                var report = new EpochReport(epoch, State.LossSum / n,
                    labels.Length != 0 ? (double)State.Correct / n : null,
                    labels.Length != 0 ? null : State.SquaredErrorSum / ((double)n * outputWidth),
                    validated, rate, stopwatch.Elapsed, n / Math.Max(stopwatch.Elapsed.TotalSeconds, 1e-9));
                State.History.Add(report);
                random.SaveState(State.EpochStartRandom);   // the next epoch draws on from here
                options.Progress?.Report(report);

                State.Epoch++;
                State.Batch = 0;
                double monitored = validated?.Loss ?? report.TrainingLoss;
                if (monitored < State.BestLoss)
                {
                    State.BestLoss = monitored;
                    State.BestEpoch = epoch;
                    State.SinceBest = 0;
                    if (options.EarlyStoppingPatience > 0)
                    {
                        State.BestParameters ??= new float[parameters.Length];
                        parameters.CopyTo(State.BestParameters);
                    }
                }
                else if (options.EarlyStoppingPatience > 0 && ++State.SinceBest >= options.EarlyStoppingPatience)
                {
                    State.BestParameters!.CopyTo(parameters);
                    SaveCheckpoint();
                    return History(StopReason.EarlyStopped);
                }
                SaveCheckpoint();
            }
            return History(StopReason.Completed);
        }

        private float BaseRate(int epoch) => options.Schedule?.Rate(epoch) ?? options.LearningRate;

        // One step; returns the summed loss and, on divergence, the first bad layer and what was bad.
        private (float Loss, int BadLayer, string What) Step(ReadOnlySpan<float> x, ReadOnlySpan<float> t, int count, float rate, Span<float> gradient, BatchWorkspace ws)
        {
            Span<float> parameters = network.Parameters;
            float loss;
            if (online is not null)
            {
                loss = network.TrainStep(x, t, rate, online);
            }
            else if (gradient.IsEmpty)
            {
                loss = network.TrainBatch(x, t, rate, ws) * count;   // plain SGD, update fused into the gradient product; the mean loss back to a sum
            }
            else
            {
                loss = network.BackpropagateBatch(x, t, gradient, ws) * count;   // the mean gradient; the mean loss back to a sum
                if (!float.IsFinite(loss)) return (loss, FirstBadOutput(ws, count), "loss");
                int bad = FirstBadLayer(gradient);
                if (bad >= 0) return (loss, bad, "gradient");
                if (options.GradientClipNorm > 0) GradientClipping.ClipByNorm(gradient, options.GradientClipNorm);
                optimizer?.Step(parameters, gradient, rate);
                if (optimizer is null) TensorPrimitives.MultiplyAdd(gradient, -rate, parameters, parameters);
            }
            if (!float.IsFinite(loss)) return (loss, FirstBadOutput(ws, count), "loss");
            if (!TensorPrimitives.IsFiniteAll<float>(parameters)) return (loss, FirstBadLayer(parameters), "weight");
            return (loss, -1, "");
        }

        private int FirstBadLayer(ReadOnlySpan<float> buffer)
        {
            for (int l = 0; l < network.Definition.LayerCount; l++)
            {
                LayerLayout layout = network.Definition.GetLayout(l);
                if (!TensorPrimitives.IsFiniteAll(buffer.Slice(layout.WeightOffset, layout.ParameterCount))) return l;
            }
            return -1;
        }

        private int FirstBadOutput(BatchWorkspace ws, int count)
        {
            for (int l = 0; l < network.Definition.LayerCount; l++)
            {
                if (!TensorPrimitives.IsFiniteAll(online is null ? ws.GetOutputs(l, count) : online.GetOutputs(l))) return l;
            }
            return network.Definition.LayerCount - 1;   // finite outputs, infinite loss: the loss of the output layer
        }

        private void SaveCheckpoint()
        {
            if (options.CheckpointPath is null) return;
            TrainingCheckpoint.Capture(network, optimizer, State, training.Count, options).Save(options.CheckpointPath);
        }

        private TrainingHistory History(StopReason reason) =>
            new([.. State.History], reason, State.BestEpoch, State.Halvings);
    }
}
