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
        "fastbackprop train --data houses.csv --regression --targets 1 --label-column -1 --loss half-squared-error",
        "fastbackprop train --epochs 40 --checkpoint digits.ckpt --resume   # continue after a crash, kill or Ctrl+C; start if none",
    ];

    private const string Description = """
        Train a network (on the embedded digits unless --data is given), save it and its learning curve.
        Ctrl+C or SIGTERM stops after the current batch and exits 130 or 143. What --out then holds: the weights of
        the best epoch so far; if no epoch has finished, nothing is written and an existing --out stays as it was.
        A run that ends normally saves its final weights (the best epoch's with --patience), and warns when it
        replaces a model that recorded a lower loss on the same data. --checkpoint saves the whole training state
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
        Outputs outputs = CheckOutputs(parse, o);
        LoadedData loaded = o.Data.Load(parse, preferTest: false);
        bool classify = loaded.Data.HasLabels;
        Network network = NetworkFactory.Build(parse, o, loaded.Data, classify);
        ulong seed = parse.GetValue(o.Seed);
        network.InitializeWeights(seed);

        // Validation split first, then the scaling fitted on the training part only.
        (Dataset training, Dataset? validation) = Split(loaded.Data, parse.GetValue(o.Validation), seed);
        InputScaling? scaling = ScalingFactory.Fit(parse.GetValue(o.Scaling)!, loaded, training);
        if (scaling is not null)
        {
            training = UserData.About(loaded.Source, () => scaling.Apply(training));
            if (validation is not null) validation = UserData.About(loaded.Source, () => scaling.Apply(validation));
        }

        string optimizerName = parse.GetValue(o.Optimizer)!;
        float rate = OptimizerFactory.Rate(optimizerName, parse.GetValue(o.LearningRate));
        int epochCount = parse.GetValue(o.Epochs);
        var best = new BestWeights(network);
        var display = new TrainingDisplay(context, epochCount, validation is not null, classify);
        var options = new TrainingOptions
        {
            Epochs = epochCount,
            BatchSize = parse.GetValue(o.BatchSize),
            Seed = seed,
            LearningRate = rate,
            Schedule = ScheduleFactory.Create(parse, o, rate),
            Optimizer = OptimizerFactory.Create(parse, o, network.Definition.ParameterCount),
            GradientClipNorm = parse.GetValue(o.ClipNorm),
            Validation = validation,
            EarlyStoppingPatience = parse.GetValue(o.Patience),
            OnDivergence = o.DivergencePolicy(parse),
            Progress = new SyncProgress<EpochReport>(r =>
            {
                best.Observe(r);
                display.Epoch(r);
            }),
            BatchCompleted = display.Batch,
            CheckpointPath = outputs.Checkpoint,
        };
        if (parse.GetValue(o.Threads) is int threadCount) options = options with { DegreeOfParallelism = threadCount };

        TrainingCheckpoint? resumeFrom = outputs.Checkpoint is null ? null
            : CheckpointRun.Begin(outputs.Checkpoint, parse.GetValue(o.Resume), CheckpointRun.Describe(parse, o.RunOptions, training, validation), o.Checkpoint.Name);
        display.Header(loaded.Source, training.Count, validation?.Count ?? 0, network.Definition, optimizerName, rate, options.BatchSize, options.DegreeOfParallelism);
        if (outputs.Checkpoint is not null) display.Checkpoint(outputs.Checkpoint, resumeFrom);
        display.TableHeader();

        var clock = Stopwatch.StartNew();
        TrainingHistory history = Fit(network, training, options, resumeFrom, loaded, display, context);
        clock.Stop();

        int? resumedAt = resumeFrom?.Epoch;
        SavedWeights? saved = SavedWeights.Choose(history, best, resumedAt);
        var record = new TrainingRecord(loaded, classify, optimizerName, rate, options, history, saved, resumedAt, clock.Elapsed);
        bool outExisted = File.Exists(outputs.Model);
        if (saved is not null)
        {
            if (ModelReplacement.Warning(outputs.Model, loaded.Source, saved) is string warning) context.Warn(warning);
            OutputFiles.WriteModel(outputs.Model, o.Out.Name, new Model(network, scaling, record.Metadata(parse)));
        }
        string? curvePath = outputs.Curve;
        if (curvePath is not null && (history.Epochs.Count == 0
            || !Plots.TryWrite(context, curvePath, () => Plots.LearningCurve(history.Epochs, $"{ModelFiles.Shape(network.Definition)} on {ShortSource(loaded)}"))))
        {
            curvePath = null;
        }

        display.Summary(record, outputs.Model, outExisted, curvePath, outputs.Checkpoint);
        if (context.Json) Json.Write(context, record.ToJson(network.Definition, saved is null ? null : outputs.Model, curvePath, outputs.Checkpoint));
        return history.StopReason == StopReason.Cancelled ? context.Interruption.ExitCode : ExitCodes.Success;
    }

    /// <summary>The files a run writes, each checked before any work: a long run must not fail at its end.</summary>
    private sealed record Outputs(string Model, string? Curve, string? Checkpoint);

    private static Outputs CheckOutputs(ParseResult parse, TrainCommandOptions o)
    {
        string model = parse.GetValue(o.Out)!;
        string? curve = parse.GetValue(o.NoPlot) ? null : ModelFiles.Beside(model, "learning-curve");
        string? checkpoint = parse.GetValue(o.Checkpoint);
        if (parse.GetValue(o.Resume) && checkpoint is null) throw new UserException($"{o.Resume.Name} continues the run saved at {o.Checkpoint.Name} path; give that path.");
        string? description = checkpoint is null ? null : CheckpointRun.DescriptionPath(checkpoint);
        OutputFiles.CheckDistinct((model, o.Out.Name), (curve, "the learning curve (beside --out)"), (checkpoint, o.Checkpoint.Name), (description, $"the run description (beside {o.Checkpoint.Name})"));
        OutputFiles.CheckWritable(model, o.Out.Name);
        if (curve is not null) OutputFiles.CheckWritable(curve, "the learning curve beside --out; --no-plot skips it");
        if (checkpoint is not null)
        {
            OutputFiles.CheckWritable(checkpoint, o.Checkpoint.Name);
            OutputFiles.CheckWritable(description!, o.Checkpoint.Name);
        }
        return new Outputs(model, curve, checkpoint);
    }

    private static (Dataset Training, Dataset? Validation) Split(Dataset all, double fraction, ulong seed)
    {
        if (fraction <= 0) return (all, null);
        (Dataset held, Dataset rest) = all.Split(fraction, seed ^ 0x5EED5EED5EED5EEDUL);
        return held.Count > 0 && rest.Count > 0 ? (rest, held) : (all, null);
    }

    private static TrainingHistory Fit(Network network, Dataset training, TrainingOptions options, TrainingCheckpoint? resumeFrom, LoadedData loaded,
        TrainingDisplay display, CliContext context)
    {
        TrainingHistory? history = null;
        try
        {
            display.Run(() => history = Trainer.Fit(network, training, options, resumeFrom, context.Cancellation));
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
            throw new UserException($"{loaded.Source}: {CommandLine.WithoutParameter(e)}", e);
        }
        return history!;
    }

    private static string ShortSource(LoadedData loaded) => loaded.IsEmbedded ? "digits" : loaded.Source;

    /// <summary>An IProgress that reports on the caller's thread, at once (Progress&lt;T&gt; would post
    /// to the thread pool and could run after Fit returned).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
