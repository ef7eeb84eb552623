using System.CommandLine;
using System.Diagnostics;
using FastBackprop.Cli.Commands.Train;
using FastBackprop.Data;
using FastBackprop.IO;
using FastBackprop.Training;

namespace FastBackprop.Cli.Commands;

/// <summary>`fastbackprop train`: builds a network, trains it with a live progress bar and a
/// per-epoch table, saves the model and a learning-curve PNG beside it, optionally checkpointing
/// every epoch. The pieces live in Commands/Train: the options, the factories that turn them into a
/// network, an optimizer, a schedule and a scaling, the display, the checkpoint run, the rule for
/// which weights are saved, and the record (metadata and JSON) of the run.</summary>
internal static class TrainCommand
{
    public static string[] Examples { get; } =
    [
        "fastbackprop train                                   # embedded 8x8 digits, 64-128-10, Adam, 20 epochs",
        "fastbackprop train --layers 64,256,128,10 --epochs 40 --out digits.fbp",
        "fastbackprop train --data /usr/share/datasets/fashion-mnist --layers 784,256,128,10 --batch-size 128 --epochs 15 --out fashion.fbp",
        "fastbackprop train --data iris.csv --header --label-column 4 --optimizer sgd --lr 0.05",
        "fastbackprop train --data houses.csv --regression --targets 1 --label-column -1 --loss hse",
        "fastbackprop train --epochs 40 --checkpoint digits.ckpt --resume   # continue after a crash, kill or Ctrl+C; start if none",
    ];

    private const string Description = """
        Train a network (on the embedded digits unless --data is given), save it and its learning curve.
        Ctrl+C or SIGTERM stops after the current batch and exits 130 or 143. What --out then holds: the weights of
        the best epoch so far; if no epoch has finished, nothing is written and an existing --out stays as it was.
        A run that ends normally saves its final weights (the best epoch's by --monitor when there is validation data
        or a --patience, unless --restore-best off), and warns when it replaces a model that recorded a lower loss
        on the same data. --checkpoint saves the whole training state
        every epoch; --resume continues it to exactly the weights an uninterrupted run would reach.
        """;

    public static Command Build(CliContext context)
    {
        var options = new TrainCommandOptions();
        var command = new Command("train", Description);
        options.AddTo(command);
        command.SetAction(parse => Execute(parse, options, context));
        return command;
    }

    private static int Execute(ParseResult parse, TrainCommandOptions o, CliContext context)
    {
        TrainOutputs outputs = TrainOutputs.Check(parse, o);
        Prepared run = Prepare(parse, o, context);
        string optimizerName = parse.GetValue(o.Optimizer)!;
        float rate = OptimizerFactory.Rate(optimizerName, parse.GetValue(o.LearningRate));
        var best = new BestWeights(run.Network, o.MonitoredMetric(parse), parse.GetValue(o.MinDelta));
        (int batchSize, int epochs) = BatchAndEpochs(parse, o, run.Training.Count);
        var display = new TrainingDisplay(context, epochs, run.Validation is not null, run.Classify) { Targets = run.TargetScaling, LossName = run.Network.Definition.Loss.ToString() };
        TrainingOptions options = Options(parse, o, run, rate, batchSize, epochs, outputs.Checkpoint, best, display);

        TrainingCheckpoint? resumeFrom = outputs.Checkpoint is null ? null
            : CheckpointRun.Begin(outputs.Checkpoint, parse.GetValue(o.Resume), CheckpointRun.Describe(parse, o.RunOptions, run.Training, run.Validation), o.Checkpoint.Name);
        display.Header(run.Loaded.Source, run.Training.Count, run.Validation?.Count ?? 0, run.Training.HasWeights, run.Network.Definition,
            (OptimizerFactory.UsesRate(optimizerName) ? Fmt.Inv($"{optimizerName}, learning rate {rate}") : $"{optimizerName} (no learning rate)")
                + (options.Regularization is { } r ? $", regularization {r}" : ""), options.BatchSize, options.DegreeOfParallelism);
        if (outputs.Checkpoint is not null) display.Checkpoint(outputs.Checkpoint, resumeFrom);
        display.TableHeader();

        var clock = Stopwatch.StartNew();
        TrainingHistory history = Fit(run, options, resumeFrom, display, context);
        clock.Stop();

        int? resumedAt = resumeFrom?.Epoch;
        SavedWeights? saved = SavedWeights.Choose(history, best, resumedAt);
        var record = new TrainingRecord(run.Loaded, run.Classify, optimizerName, rate, options, history, saved, resumedAt, clock.Elapsed) { Targets = run.TargetScaling };
        bool outExisted = File.Exists(outputs.Model);
        string? curvePath = Save(parse, o, context, run, record, outputs);
        display.Summary(record, outputs.Model, outExisted, curvePath, outputs.Checkpoint);
        if (context.Json) Json.Write(context, record.ToJson(run.Network.Definition, saved is null ? null : outputs.Model, curvePath, outputs.Checkpoint));
        return history.StopReason == StopReason.Cancelled ? context.Interruption.ExitCode : ExitCodes.Success;
    }

    /// <summary>The data, split and scaled as the trainer will see it, and the network with its initial weights;
    /// TargetScaling is the standardisation of regression targets the training and validation parts carry, or null.</summary>
    private sealed record Prepared(LoadedData Loaded, bool Classify, Network Network, Dataset Training, Dataset? Validation)
    {
        public TargetScaling? TargetScaling { get; init; }
    }

    private static Prepared Prepare(ParseResult parse, TrainCommandOptions o, CliContext context)
    {
        LoadedData loaded = o.Data.Load(parse, context, preferTest: false);
        bool classify = loaded.Data.HasLabels;
        Network network = NetworkFactory.Build(parse, o, loaded.Data, classify);
        ulong seed = parse.GetValue(o.Seed);
        network.InitializeWeights(seed);

        // Validation split first, then the scaling fitted on the training part only.
        (Dataset training, Dataset? validation) = Split(loaded.Data, parse.GetValue(o.Validation), seed, o.Stratified(parse, classify));
        (training, validation) = ClassWeighting.Apply(parse.GetValue(o.ClassWeight), loaded.Source, training, validation);
        InputScaling? scaling = ScalingFactory.Fit(parse.GetValue(o.Scaling)!, loaded, training);
        if (scaling is not null)
        {
            training = UserData.About(loaded.Source, () => scaling.Apply(training));
            if (validation is not null) validation = UserData.About(loaded.Source, () => scaling.Apply(validation));
        }
        TargetScaling? targets = TargetScalingFactory.Fit(parse.GetValue(o.TargetScaling)!, o.TargetScaling.Name, loaded, training, network.Definition);
        if (targets is not null)
        {
            training = UserData.About(loaded.Source, () => targets.Apply(training));
            if (validation is not null) validation = UserData.About(loaded.Source, () => targets.Apply(validation));
        }
        return new Prepared(loaded, classify, network, training, validation) { TargetScaling = targets };
    }

    /// <summary>--batch-size and --epochs, or their defaults for this optimizer and training set (see DefaultEpochs).</summary>
    internal static (int BatchSize, int Epochs) BatchAndEpochs(ParseResult parse, TrainCommandOptions o, int trainingCount)
    {
        bool fullBatch = OptimizerFactory.FullBatch(parse.GetValue(o.Optimizer)!);
        int batchSize = WholeSetPerStep(parse, o) ? trainingCount : parse.GetValue(o.BatchSize);
        int epochs = parse.GetResult(o.Epochs) is { Implicit: false } ? parse.GetValue(o.Epochs) : DefaultEpochs.For(trainingCount, batchSize, fullBatch);
        return (batchSize, epochs);
    }

    /// <summary>Whether each step takes the whole training set: a full-batch method (see --optimizer) without --batch-size.</summary>
    internal static bool WholeSetPerStep(ParseResult parse, TrainCommandOptions o) =>
        OptimizerFactory.FullBatch(parse.GetValue(o.Optimizer)!) && parse.GetResult(o.BatchSize) is not { Implicit: false };

    private static TrainingOptions Options(ParseResult parse, TrainCommandOptions o, Prepared run, float rate, int batchSize, int epochs, string? checkpoint, BestWeights best, TrainingDisplay display) =>
        TrainingOptionsFactory.Create(parse, o, run.Loaded, run.Network.Definition, rate, batchSize, epochs, run.Training.Count) with
        {
            Validation = run.Validation,
            Progress = new SyncProgress<EpochReport>(r =>
            {
                best.Observe(r);
                display.Epoch(r);
            }),
            BatchCompleted = display.Batch,
            CheckpointPath = checkpoint,
        };

    /// <summary>Writes the model (when the save rule gives weights) and the learning curve; returns the curve's path, or null.</summary>
    private static string? Save(ParseResult parse, TrainCommandOptions o, CliContext context, Prepared run, TrainingRecord record, TrainOutputs outputs)
    {
        if (record.Saved is not null)
        {
            if (ModelReplacement.Warning(outputs.Model, run.Loaded.Source, record.Saved, run.TargetScaling is not null) is string warning) context.Warn(warning);
            var model = new Model(run.Network, run.Training, record.Metadata(parse)) { TargetScaling = run.TargetScaling };   // Training.Scaling: the loader's, composed with the fitted one
            OutputFiles.WriteModel(outputs.Model, o.Out.Name, model);
        }
        IReadOnlyList<EpochReport> epochs = record.History.Epochs;
        if (outputs.Curve is null || epochs.Count == 0) return null;
        string title = $"{ModelFiles.Shape(run.Network.Definition)} on {(run.Loaded.IsEmbedded ? "digits" : run.Loaded.Source)}";
        return Plots.TryWrite(context, outputs.Curve, () => Plots.LearningCurve(epochs, title)) ? outputs.Curve : null;
    }

    /// <summary>The seeded validation split of train's --validation (the rows Trainer.Fit's ValidationFraction split takes).</summary>
    internal static (Dataset Training, Dataset? Validation) Split(Dataset all, double fraction, ulong seed, bool stratified)
    {
        if (fraction <= 0) return (all, null);
        (Dataset held, Dataset rest) = stratified ? all.StratifiedSplit(fraction, seed ^ 0x5EED5EED5EED5EEDUL) : all.Split(fraction, seed ^ 0x5EED5EED5EED5EEDUL);
        return held.Count > 0 && rest.Count > 0 ? (rest, held) : (all, null);
    }

    private static TrainingHistory Fit(Prepared run, TrainingOptions options, TrainingCheckpoint? resumeFrom, TrainingDisplay display, CliContext context)
    {
        TrainingHistory? history = null;
        try
        {
            display.Run(() => history = Trainer.Fit(run.Network, run.Training, options, resumeFrom, context.Cancellation));
        }
        catch (TrainingDivergedException e)
        {
            throw new UserException($"{e.Message} Try a smaller --learning-rate, --clip-norm, or --on-divergence halve.", e);
        }
        catch (ArgumentException e) when (e.ParamName == "resumeFrom")
        {
            throw new UserException($"--resume: {options.CheckpointPath}: {CommandLine.WithoutParameter(e)}", e);
        }
        catch (ArgumentException e)
        {
            // The options were checked by the parser and the shapes by NetworkFactory: what is left is about the data.
            throw new UserException($"{run.Loaded.Source}: {CommandLine.WithoutParameter(e)}", e);
        }
        return history!;
    }

    /// <summary>An IProgress that reports on the caller's thread, at once (Progress&lt;T&gt; would post
    /// to the thread pool and could run after Fit returned).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
