using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using FastBackprop.Data;
using FastBackprop.IO;
using FastBackprop.Kernels;
using FastBackprop.Training;
using Spectre.Console;

namespace FastBackprop.Cli.Commands;

/// <summary>`fastbackprop train`: builds a network, trains it with a live progress bar and a
/// per-epoch table, saves the model and a learning-curve PNG beside it. Ctrl+C stops after the
/// current batch and saves the best model so far.</summary>
internal sealed class TrainCommand
{
    private readonly DataOptions data = new();

    private readonly Option<string?> layers = new("--layers", "-l")
    {
        Description = "Network shape, inputs first: e.g. 64,128,10. Default: <data inputs>,128,<data outputs>.",
        HelpName = "widths",
    };

    private readonly Option<string> activation = new("--activation", "-a")
    {
        Description = "Hidden-layer transfer function: relu, leaky-relu(0.01), tanh, logistic, identity; or one per hidden layer, comma-separated.",
        DefaultValueFactory = _ => "relu",
        HelpName = "name",
    };

    private readonly Option<string?> outputActivation = new("--output-activation")
    {
        Description = "Output transfer function. Default: softmax for classes, identity for regression.",
        HelpName = "name",
    };

    private readonly Option<string?> loss = new("--loss")
    {
        Description = "cross-entropy or half-squared-error. Default: cross-entropy for classes, half-squared-error for regression.",
        HelpName = "name",
    };

    private readonly Option<string> optimizer = new("--optimizer", "-o")
    {
        Description = "sgd, momentum, nesterov, adam, adamw, rmsprop or rprop.",
        DefaultValueFactory = _ => "adam",
        HelpName = "name",
    };

    private readonly Option<float?> learningRate = new("--learning-rate", "--lr")
    {
        Description = "Learning rate eta. Default: 0.1 for sgd/momentum/nesterov, 0.001 for adam/adamw/rmsprop (rprop ignores it).",
        HelpName = "eta",
    };

    private readonly Option<float> momentum = new("--momentum") { Description = "Momentum of momentum/nesterov.", DefaultValueFactory = _ => 0.9f };

    private readonly Option<float?> weightDecay = new("--weight-decay") { Description = "L2 weight decay (decoupled for adamw; default 0.01 there, else 0)." };

    private readonly Option<string> schedule = new("--schedule")
    {
        Description = "Learning-rate schedule: constant, cosine (to 0 over the epochs) or step (halve every --step-epochs).",
        DefaultValueFactory = _ => "constant",
    };

    private readonly Option<int> stepEpochs = new("--step-epochs") { Description = "Epochs between halvings of --schedule step.", DefaultValueFactory = _ => 10 };

    private readonly Option<float> clipNorm = new("--clip-norm") { Description = "Clip the mean gradient to this L2 norm (0 = off)." };

    private readonly Option<int> epochs = new("--epochs", "-e") { Description = "Passes over the training data.", DefaultValueFactory = _ => 20 };

    private readonly Option<int> batchSize = new("--batch-size", "-b") { Description = "Patterns per step (1 = online, as in the derivation).", DefaultValueFactory = _ => 32 };

    private readonly Option<ulong> seed = new("--seed", "-s") { Description = "Seed of the initial weights, the shuffling and the validation split.", DefaultValueFactory = _ => 1UL };

    private readonly Option<int?> threads = new("--threads", "-t")
    {
        Description = "Threads a training step may use (TrainingOptions.DegreeOfParallelism): large layers' matrix products are split over them. The weights do not depend on it. Default: every core.",
        HelpName = "n",
    };

    private readonly Option<double> validation = new("--validation", "-v")
    {
        Description = "Fraction of the data held out (seeded split) to validate after every epoch; 0 = none.",
        DefaultValueFactory = _ => 0.1,
        HelpName = "fraction",
    };

    private readonly Option<int> patience = new("--patience")
    {
        Description = "Early stopping: stop after this many epochs without a lower validation loss and keep the best weights (0 = off).",
    };

    private readonly Option<string> scaling = new("--scaling")
    {
        Description = "Input scaling fitted on the training part and stored in the model: none, minmax, standard, or auto (standard for CSV, none otherwise).",
        DefaultValueFactory = _ => "auto",
    };

    private readonly Option<string> divergence = new("--on-divergence")
    {
        Description = "On a NaN/infinite loss: stop (error), or halve the learning rate and retry.",
        DefaultValueFactory = _ => "stop",
    };

    private readonly Option<string> output = new("--out")
    {
        Description = "Where to save the model; the learning curve goes beside it as <name>.learning-curve.png.",
        DefaultValueFactory = _ => "model.fbp",
        HelpName = "path",
    };

    private readonly Option<bool> noPlot = new("--no-plot") { Description = "Do not write the learning-curve PNG." };

    public static string[] Examples { get; } =
    [
        "fastbackprop train                                   # embedded 8x8 digits, 64-128-10, Adam, 20 epochs",
        "fastbackprop train --layers 64,256,128,10 --epochs 40 --out digits.fbp",
        "fastbackprop train --data /usr/share/datasets/fashion-mnist --layers 784,256,128,10 --batch-size 128 --epochs 15 --out fashion.fbp",
        "fastbackprop train --data iris.csv --header --label-column 4 --optimizer sgd --lr 0.05",
        "fastbackprop train --data houses.csv --regression --targets 1 --label-column -1 --loss half-squared-error",
    ];

    public Command Build(CliContext context)
    {
        var command = new Command("train", "Train a network (on the embedded digits unless --data is given), save it and its learning curve.");
        data.AddTo(command);
        foreach (Option o in new Option[] { layers, activation, outputActivation, loss, optimizer, learningRate, momentum, weightDecay, schedule, stepEpochs, clipNorm, epochs, batchSize, seed, threads, validation, patience, scaling, divergence, output, noPlot })
        {
            command.Add(o);
        }
        Positive(epochs, "--epochs");
        Positive(batchSize, "--batch-size");
        Positive(stepEpochs, "--step-epochs");
        threads.Check(n => n is < 1 or > 4096 ? $"--threads is {n}; expected 1 to 4096." : null);
        validation.Check(v => v is >= 0 and < 1 ? null : $"--validation is {v.ToString(CultureInfo.InvariantCulture)}; expected a fraction in [0, 1).");
        patience.Check(v => v < 0 ? "--patience must be 0 or more." : null);
        learningRate.Check(v => v is float r && !(float.IsFinite(r) && r > 0) ? "--learning-rate must be a finite number greater than 0." : null);
        clipNorm.Check(v => float.IsFinite(v) && v >= 0 ? null : "--clip-norm must be 0 or a positive number.");
        momentum.Check(v => v is >= 0 and < 1 ? null : "--momentum must be in [0, 1).");
        optimizer.AcceptOnlyFromAmong("sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "rprop");
        schedule.AcceptOnlyFromAmong("constant", "cosine", "step");
        scaling.AcceptOnlyFromAmong("auto", "none", "minmax", "standard");
        divergence.AcceptOnlyFromAmong("stop", "halve");
        loss.AcceptOnlyFromAmong("cross-entropy", "half-squared-error");
        command.SetAction(parse => Execute(parse, context));
        return command;
    }

    private static void Positive(Option<int> option, string name) => option.Check(v => v < 1 ? $"{name} is {v}; expected 1 or more." : null);

    private int Execute(ParseResult parse, CliContext context)
    {
        LoadedData loaded = data.Load(parse, context, preferTest: false);
        Dataset all = loaded.Data;
        bool classify = all.HasLabels;
        Network network = BuildNetwork(parse, all, classify);
        ulong seedValue = parse.GetValue(seed);
        network.InitializeWeights(seedValue);

        // Validation split first, then the scaling fitted on the training part only.
        Dataset training = all;
        Dataset? validationData = null;
        double fraction = parse.GetValue(validation);
        if (fraction > 0)
        {
            (Dataset held, Dataset rest) = all.Split(fraction, seedValue ^ 0x5EED5EED5EED5EEDUL);
            if (held.Count > 0 && rest.Count > 0) (validationData, training) = (held, rest);
        }
        InputScaling? inputScaling = FitScaling(parse.GetValue(scaling)!, loaded, training);
        if (inputScaling is not null)
        {
            training = inputScaling.Apply(training);
            if (validationData is not null) validationData = inputScaling.Apply(validationData);
        }

        string optimizerName = parse.GetValue(optimizer)!;
        float rate = parse.GetValue(learningRate) ?? (optimizerName is "sgd" or "momentum" or "nesterov" ? 0.1f : 0.001f);
        int epochCount = parse.GetValue(epochs);
        string outPath = parse.GetValue(output)!;
        CheckWritable(outPath);

        var bestTracker = new BestTracker(network);
        var display = new TrainingDisplay(context, epochCount, validationData is not null, classify);
        var options = new TrainingOptions
        {
            Epochs = epochCount,
            BatchSize = parse.GetValue(batchSize),
            Seed = seedValue,
            LearningRate = rate,
            Schedule = MakeSchedule(parse.GetValue(schedule)!, rate, epochCount, parse.GetValue(stepEpochs)),
            Optimizer = MakeOptimizer(optimizerName, network.Definition.ParameterCount, parse.GetValue(momentum), parse.GetValue(weightDecay)),
            GradientClipNorm = parse.GetValue(clipNorm),
            Validation = validationData,
            EarlyStoppingPatience = parse.GetValue(patience),
            OnDivergence = parse.GetValue(divergence) == "halve" ? DivergencePolicy.HalveLearningRate : DivergencePolicy.Throw,
            Progress = new SyncProgress<EpochReport>(r =>
            {
                bestTracker.Observe(r);
                display.Epoch(r);
            }),
            BatchCompleted = display.Batch,
        };
        if (parse.GetValue(threads) is int threadCount) options = options with { DegreeOfParallelism = threadCount };

        display.Header(loaded.Source, training.Count, validationData?.Count ?? 0, network.Definition, optimizerName, rate, options.BatchSize, options.DegreeOfParallelism);
        TrainingHistory? history = null;
        var clock = Stopwatch.StartNew();
        try
        {
            display.Run(() => history = Trainer.Fit(network, training, options, cancellationToken: context.Cancellation));
        }
        catch (TrainingDivergedException e)
        {
            throw new UserException($"{e.Message} Try a smaller --learning-rate, --clip-norm, or --on-divergence halve.", e);
        }
        clock.Stop();

        // Which weights to save: the run's end, except after Ctrl+C, where the best epoch so far wins.
        string savedWeights = "final weights";
        if (history!.StopReason == StopReason.Cancelled && bestTracker.Restore())
        {
            savedWeights = $"weights of epoch {bestTracker.Epoch}, the best so far";
        }
        else if (history.StopReason == StopReason.EarlyStopped)
        {
            savedWeights = $"weights of epoch {history.BestEpoch}, the best";
        }

        var metadata = Metadata(parse, loaded, classify, history, optimizerName, rate, options, savedWeights);
        ModelFile.Save(outPath, new Model(network, training, metadata));   // training.Scaling: the loader's, composed with the fitted one
        string? curvePath = null;
        if (!parse.GetValue(noPlot) && history.Epochs.Count > 0)
        {
            curvePath = ModelFiles.Beside(outPath, "learning-curve");
            if (!Plots.TryWrite(context, curvePath, () => Plots.LearningCurve(history.Epochs, $"{ModelFiles.Shape(network.Definition)} on {ShortSource(loaded)}", curvePath))) curvePath = null;
        }

        display.Summary(history, outPath, curvePath, savedWeights, clock.Elapsed);
        if (context.Json) Json.Write(context, ToJson(loaded, network, history, outPath, curvePath, savedWeights, clock.Elapsed));
        return 0;
    }

    private static string ShortSource(LoadedData loaded) => loaded.IsEmbedded ? "digits" : loaded.Source;

    private static void CheckWritable(string outPath)
    {
        if (Directory.Exists(outPath)) throw new UserException($"{outPath}: is a folder; --out expects a model file path.");
        string? folder = Path.GetDirectoryName(Path.GetFullPath(outPath));
        if (folder is not null && !Directory.Exists(folder)) throw new UserException($"{outPath}: the folder {folder} does not exist (--out).");
    }

    private Network BuildNetwork(ParseResult parse, Dataset all, bool classify)
    {
        int[] widths;
        string? shape = parse.GetValue(layers);
        if (shape is null)
        {
            widths = [all.InputWidth, 128, all.TargetWidth];
        }
        else
        {
            string[] parts = shape.Split(',', StringSplitOptions.TrimEntries);
            widths = new int[parts.Length];
            for (int i = 0; i < parts.Length; i++)
            {
                if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out widths[i]) || widths[i] < 1)
                {
                    throw new UserException($"--layers '{shape}': '{parts[i]}' is not a positive whole number.");
                }
            }
            if (widths.Length < 2) throw new UserException($"--layers '{shape}': expected at least an input and an output width, e.g. 64,128,10.");
            if (widths[0] != all.InputWidth)
            {
                throw new UserException($"--layers starts with {widths[0]} inputs, but the data has {all.InputWidth} inputs per sample.");
            }
            if (widths[^1] != all.TargetWidth)
            {
                throw new UserException($"--layers ends with {widths[^1]} outputs, but the data has {all.TargetWidth} {(classify ? "classes" : "targets")} per sample.");
            }
        }

        int hidden = widths.Length - 2;
        string[] names = parse.GetValue(activation)!.Split(',', StringSplitOptions.TrimEntries);
        if (names.Length != 1 && names.Length != hidden)
        {
            throw new UserException($"--activation has {names.Length} names for {hidden} hidden layers; give one, or one per hidden layer.");
        }
        var specs = new Dense[widths.Length - 1];
        for (int l = 0; l < hidden; l++) specs[l] = new Dense(widths[l + 1], Transfer(names.Length == 1 ? names[0] : names[l], "--activation"));
        string outputName = parse.GetValue(outputActivation) ?? (classify ? "softmax" : "identity");
        specs[^1] = new Dense(widths[^1], Transfer(outputName, "--output-activation"));
        string lossName = parse.GetValue(loss) ?? (classify && specs[^1].Transfer != TransferFunction.Identity ? "cross-entropy" : "half-squared-error");
        Loss lossValue = lossName == "cross-entropy" ? Loss.CrossEntropy : Loss.HalfSquaredError;
        try
        {
            return new Network(widths[0], lossValue, specs);
        }
        catch (ArgumentException e)
        {
            throw new UserException($"the network {string.Join('-', widths)} with --loss {lossName}: {CommandLine.WithoutParameter(e)}", e);
        }
    }

    private static TransferFunction Transfer(string name, string option)
    {
        try
        {
            return TransferFunction.FromName(name);
        }
        catch (ArgumentException)
        {
            throw new UserException($"{option} '{name}': expected logistic, tanh, relu, leaky-relu(slope), identity or softmax.");
        }
    }

    private static InputScaling? FitScaling(string kind, LoadedData loaded, Dataset training) => kind switch
    {
        "none" => null,
        "minmax" => InputScaling.Fit(training, InputScalingKind.MinMax),
        "standard" => InputScaling.Fit(training, InputScalingKind.Standardization),
        _ => loaded.IsCsv ? InputScaling.Fit(training, InputScalingKind.Standardization) : null,
    };

    private static LearningRateSchedule? MakeSchedule(string kind, float rate, int epochCount, int step) => kind switch
    {
        "cosine" => LearningRateSchedule.Cosine(rate, epochCount),
        "step" => LearningRateSchedule.StepDecay(rate, step, 0.5f),
        _ => null,
    };

    private static Optimizer? MakeOptimizer(string name, int parameters, float momentumValue, float? decay)
    {
        try
        {
            return name switch
            {
                "sgd" => decay is float d && d > 0 ? new Sgd(parameters, weightDecay: d) : null,   // null: SGD fused into the gradient product
                "momentum" => new Sgd(parameters, momentumValue, weightDecay: decay ?? 0f),
                "nesterov" => new Sgd(parameters, momentumValue, nesterov: true, weightDecay: decay ?? 0f),
                "adam" => new Adam(parameters, weightDecay: decay ?? 0f),
                "adamw" => new AdamW(parameters, weightDecay: decay ?? 0.01f),
                "rmsprop" => new RmsProp(parameters, weightDecay: decay ?? 0f),
                "rprop" => new Rprop(parameters, weightDecay: decay ?? 0f),
                _ => throw new UserException($"--optimizer '{name}' is unknown."),
            };
        }
        catch (ArgumentException e)
        {
            throw new UserException($"--optimizer {name}: {CommandLine.WithoutParameter(e)}", e);
        }
    }

    private static Dictionary<string, string> Metadata(ParseResult parse, LoadedData loaded, bool classify, TrainingHistory history,
        string optimizerName, float rate, TrainingOptions options, string savedWeights)
    {
        var history_ = new StringBuilder("epoch,train_loss,train_accuracy,validation_loss,validation_accuracy,seconds\n");
        foreach (EpochReport e in history.Epochs)
        {
            history_.Append(CultureInfo.InvariantCulture, $"{e.Epoch},{e.TrainingLoss:G6},{e.TrainingAccuracy:G6},{e.Validation?.Loss:G6},{e.Validation?.Accuracy:G6},{e.Elapsed.TotalSeconds:F3}\n");
        }
        EpochReport? last = history.Epochs.Count > 0 ? history.Epochs[^1] : null;
        var metadata = new Dictionary<string, string>
        {
            [ModelFiles.TaskKey] = classify ? ModelFiles.Classification : ModelFiles.Regression,
            ["data"] = loaded.Source,
            ["trained-at"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture),
            ["tool"] = $"fastbackprop {CommandLine.Version}",
            ["command"] = "fastbackprop " + string.Join(' ', parse.Tokens.Select(t => t.Value)),
            ["optimizer"] = optimizerName,
            ["learning-rate"] = rate.ToString(CultureInfo.InvariantCulture),
            ["batch-size"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
            ["vector-tier"] = VectorTiers.Active.ToString(),
            ["epochs-run"] = history.Epochs.Count.ToString(CultureInfo.InvariantCulture),
            ["epochs-planned"] = options.Epochs.ToString(CultureInfo.InvariantCulture),
            ["stop-reason"] = history.StopReason.ToString(),
            ["best-epoch"] = history.BestEpoch.ToString(CultureInfo.InvariantCulture),
            ["saved-weights"] = savedWeights,
            ["history"] = history_.ToString(),
        };
        if (last is not null)
        {
            metadata["final-train-loss"] = Fmt.G(last.TrainingLoss);
            if (last.TrainingAccuracy is double ta) metadata["final-train-accuracy"] = Fmt.G(ta);
            if (last.Validation is not null)
            {
                metadata["final-validation-loss"] = Fmt.G(last.Validation.Loss);
                if (last.Validation.Accuracy is double va) metadata["final-validation-accuracy"] = Fmt.G(va);
            }
        }
        return metadata;
    }

    private static JsonObject ToJson(LoadedData loaded, Network network, TrainingHistory history, string outPath, string? curvePath, string savedWeights, TimeSpan elapsed)
    {
        var epochsJson = new JsonArray();
        foreach (EpochReport e in history.Epochs)
        {
            epochsJson.Add(new JsonObject
            {
                ["epoch"] = e.Epoch,
                ["trainLoss"] = Json.Number(e.TrainingLoss),
                ["trainAccuracy"] = Json.Number(e.TrainingAccuracy),
                ["validationLoss"] = Json.Number(e.Validation?.Loss),
                ["validationAccuracy"] = Json.Number(e.Validation?.Accuracy),
                ["learningRate"] = Json.Number(e.LearningRate),
                ["seconds"] = Json.Number(e.Elapsed.TotalSeconds),
                ["samplesPerSecond"] = Json.Number(e.PatternsPerSecond),
            });
        }
        return new JsonObject
        {
            ["command"] = "train",
            ["data"] = loaded.Source,
            ["shape"] = ModelFiles.Shape(network.Definition),
            ["parameters"] = network.Definition.ParameterCount,
            ["vectorTier"] = VectorTiers.Active.ToString(),
            ["stopReason"] = history.StopReason.ToString(),
            ["bestEpoch"] = history.BestEpoch,
            ["savedWeights"] = savedWeights,
            ["model"] = Path.GetFullPath(outPath),
            ["learningCurve"] = curvePath,
            ["seconds"] = Json.Number(elapsed.TotalSeconds),
            ["epochs"] = epochsJson,
        };
    }

    /// <summary>An IProgress that reports on the caller's thread, at once (Progress&lt;T&gt; would post
    /// to the thread pool and could run after Fit returned).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    /// <summary>Keeps a copy of the weights of the epoch with the lowest monitored loss.</summary>
    private sealed class BestTracker(Network network)
    {
        private float[]? best;
        private double bestLoss = double.PositiveInfinity;

        public int Epoch { get; private set; }

        public void Observe(EpochReport report)
        {
            double monitored = report.Validation?.Loss ?? report.TrainingLoss;
            if (!(monitored < bestLoss)) return;
            bestLoss = monitored;
            Epoch = report.Epoch;
            best ??= new float[network.Parameters.Length];
            network.Parameters.CopyTo(best);
        }

        public bool Restore()
        {
            if (best is null) return false;
            best.CopyTo(network.Parameters);
            return true;
        }
    }

    /// <summary>The live display: a progress bar per epoch (samples/s, loss) on a terminal, and one
    /// table row per finished epoch.</summary>
    private sealed class TrainingDisplay(CliContext context, int epochCount, bool validated, bool classify)
    {
        private readonly Stopwatch epochClock = new();
        private ProgressTask? task;
        private long lastUpdate;

        public void Header(string source, int trainCount, int validationCount, NetworkDefinition definition, string optimizerName, float rate, int batch, int threadCount)
        {
            if (!context.Human) return;
            IAnsiConsole console = context.Console;
            console.MarkupLine(Fmt.Inv($"[bold]Training[/] {Markup.Escape(ModelFiles.Shape(definition))} ({((Dense)definition.Layers[0]).Transfer} hidden, {definition.OutputLayer.Transfer} output, {definition.Loss}), {Fmt.I(definition.ParameterCount)} parameters"));
            console.MarkupLine(Fmt.Inv($"  data {Markup.Escape(source)}: {Fmt.I(trainCount)} training, {Fmt.I(validationCount)} validation samples"));
            console.MarkupLine(Fmt.Inv($"  {optimizerName}, learning rate {rate}, batch {batch}, {epochCount} epoch{(epochCount == 1 ? "" : "s")}, vector tier {VectorTiers.Active}, up to {threadCount} thread{(threadCount == 1 ? "" : "s")}"));
            console.WriteLine();
            console.MarkupLine(Row("[bold]epoch[/]", "[bold]train loss[/]", "[bold]train acc[/]", "[bold]val loss[/]", "[bold]val acc[/]", "[bold]time[/]", "[bold]samples/s[/]"));
        }

        private string Row(string epoch, string trainLoss, string trainAcc, string valLoss, string valAcc, string time, string rate)
        {
            static string Pad(string markup, int width)
            {
                int visible = Markup.Remove(markup).Length;
                return new string(' ', Math.Max(0, width - visible)) + markup;
            }
            var row = new StringBuilder();
            row.Append(Pad(epoch, 7)).Append(Pad(trainLoss, 12));
            if (classify) row.Append(Pad(trainAcc, 11));
            if (validated) row.Append(Pad(valLoss, 11));
            if (validated && classify) row.Append(Pad(valAcc, 10));
            row.Append(Pad(time, 9)).Append(Pad(rate, 12));
            return row.ToString();
        }

        public void Run(Action train)
        {
            if (!context.Human || !context.Interactive)
            {
                train();
                return;
            }
            context.Console.Progress()
                .AutoClear(true)
                .HideCompleted(true)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
                .Start(progress =>
                {
                    task = progress.AddTask("starting", autoStart: true, maxValue: 1);
                    train();
                    task.StopTask();
                });
        }

        public void Batch(BatchReport report)
        {
            if (report.Batch == 0) epochClock.Restart();
            if (task is null) return;
            long now = Environment.TickCount64;
            if (now - lastUpdate < 50 && report.Batch + 1 < report.BatchCount) return;
            lastUpdate = now;
            double seconds = Math.Max(epochClock.Elapsed.TotalSeconds, 1e-9);
            task.MaxValue = report.BatchCount;
            task.Value = report.Batch + 1;
            task.Description = Fmt.Inv($"epoch {report.Epoch}/{epochCount}  {report.PatternsDone / seconds,9:N0} samples/s  loss {report.Loss,8:F4}");
        }

        public void Epoch(EpochReport e)
        {
            if (!context.Human) return;
            context.Console.MarkupLine(Row(
                Fmt.Inv($"{e.Epoch}"),
                Fmt.F(e.TrainingLoss),
                Fmt.Pct(e.TrainingAccuracy),
                e.Validation is null ? "-" : Fmt.F(e.Validation.Loss),
                Fmt.Pct(e.Validation?.Accuracy),
                Fmt.Inv($"{e.Elapsed.TotalSeconds:F2}s"),
                Fmt.I((long)e.PatternsPerSecond)));
        }

        public void Summary(TrainingHistory history, string outPath, string? curvePath, string savedWeights, TimeSpan elapsed)
        {
            if (!context.Human) return;
            IAnsiConsole console = context.Console;
            console.WriteLine();
            string why = history.StopReason switch
            {
                StopReason.Cancelled => "[yellow]stopped by Ctrl+C[/] after the current batch",
                StopReason.EarlyStopped => Fmt.Inv($"early stopping: no better validation loss since epoch {history.BestEpoch}"),
                _ => "all epochs ran",
            };
            console.MarkupLine(Fmt.Inv($"{why}; {history.Epochs.Count} epoch{(history.Epochs.Count == 1 ? "" : "s")} in {elapsed.TotalSeconds:F1}s"));
            if (history.Epochs.Count > 0)
            {
                EpochReport last = history.Epochs[^1];
                string accuracy = last.Validation?.Accuracy is double va ? $"validation accuracy {Fmt.Pct(va)}"
                    : last.TrainingAccuracy is double ta ? $"training accuracy {Fmt.Pct(ta)}" : Fmt.Inv($"training MSE {last.TrainingMeanSquaredError:G4}");
                console.MarkupLine(Fmt.Inv($"last epoch: {accuracy}"));
            }
            console.MarkupLine($"saved model ({Markup.Escape(savedWeights)}): [green]{Markup.Escape(outPath)}[/]");
            if (curvePath is not null) console.MarkupLine($"learning curve: [green]{Markup.Escape(curvePath)}[/]");
        }
    }
}
