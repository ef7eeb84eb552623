using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using FastBackprop.Cli.Commands.Sweep;
using FastBackprop.Cli.Commands.Train;
using FastBackprop.Data;
using FastBackprop.IO;
using FastBackprop.Sweeps;
using FastBackprop.Training;

namespace FastBackprop.Cli.Commands;

/// <summary>`fastbackprop sweep`: grid or seeded random search over learning rate, width, depth, optimizer and weight
/// decay (Sweeps.Sweep on Trainer.FitMany), each configuration trained once per seed and scored on its validation split;
/// a results table, a JSON document, a PNG, optionally the best configuration retrained on all the data; --shard i/N
/// trains one shard and `sweep merge` combines the shards' results. The pieces live in Commands/Sweep.</summary>
internal static class SweepCommand
{
    public static string[] Examples { get; } =
    [
        "fastbackprop sweep                                  # digits: 3 learning rates x 2 widths, adam, seconds",
        "fastbackprop sweep --learning-rates 0.001,0.003,0.01 --widths 32,64 --depths 1,2 --optimizers sgd,adam --weight-decays 0,1e-4 --seeds 1,2,3",
        "fastbackprop sweep --random 20 --seed 7 --learning-rates 0.0003,0.001,0.003,0.01,0.03 --widths 16,32,64,128 --depths 1,2,3",
        "fastbackprop sweep --out best.fbp                   # retrain the best configuration on all the data and save it",
        "fastbackprop sweep --shard 0/4 --results shard0.json  # shard 0 of 4 (0-based; e.g. --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT)",
        "fastbackprop sweep merge shard0.json shard1.json shard2.json shard3.json --results all.json",
    ];

    private const string Description = """
        Search hyper-parameters on the embedded digits (unless --data is given). Every configuration of the grid
        --depths x --widths x --optimizers x --weight-decays x --learning-rates (numbered 0, 1, ... in that order, the
        learning rate varying fastest), or --random n of them, is trained once per --seeds seed as train would train it,
        and scored on its validation split: the mean validation accuracy (validation loss for regression) over the seeds.
        The best has the highest accuracy (lowest loss); ties go to the lowest number. --shard i/N trains the
        configurations c with c mod N = i; `sweep merge` combines the shards' --results into the whole sweep's table.
        """;

    public static Command Build(CliContext context)
    {
        var options = new SweepCommandOptions();
        var command = new Command("sweep", Description);
        options.AddTo(command);
        command.SetAction(parse => Execute(parse, options, context));
        command.Add(SweepMerge.Build(context));
        return command;
    }

    private static int Execute(ParseResult parse, SweepCommandOptions o, CliContext context)
    {
        SweepShard shard = parse.GetValue(o.Shard) is string s ? SweepShard.Parse(s) : SweepShard.All;
        string? results = parse.GetValue(o.Results), model = parse.GetValue(o.Out);
        string? plot = PlotPath(parse, o, shard);
        if (model is not null && shard.Count > 1)
        {
            throw new UserException($"{o.Out.Name} retrains the best configuration of the whole sweep, which a shard does not know; leave it out here and retrain after `sweep merge`.");
        }
        foreach ((string? path, string option) in (ReadOnlySpan<(string?, string)>)[(results, o.Results.Name), (model, o.Out.Name), (plot, o.Plot.Name)])
        {
            if (path is not null) OutputFiles.CheckWritable(path, option);
        }
        OutputFiles.CheckDistinct((results, o.Results.Name), (model, o.Out.Name), (plot, o.Plot.Name));

        var setup = new SweepSetup(parse, o, context);
        JsonObject definition = SweepDocument.Definition(parse, o, setup);
        int total = setup.Configurations.Count(c => shard.Contains(c.Index));
        if (context.Human) context.Out.WriteLine(Heading(setup, shard, total));

        int done = 0;
        var progress = new SyncProgress(r =>
        {
            if (!context.Quiet) context.Error.WriteLine(SweepTable.Progress(r, ++done, total));
        });
        IReadOnlyList<SweepResult> found;
        try
        {
            found = setup.Sweep.Run(setup.DataForSeed, shard, 0, progress, context.Cancellation);
        }
        catch (ArgumentException e)
        {
            throw new UserException($"{setup.Loaded.Source}: {CommandLine.WithoutParameter(e)}", e);
        }
        JsonObject document = Report(context, definition, shard, found, setup.Loaded.IsEmbedded ? "digits" : setup.Loaded.Source, results, plot);
        if (model is not null && Sweeps.Sweep.Best(found) is { } best)
        {
            Refit(parse, o, context, setup, best.Configuration, model);
            document["model"] = Path.GetFullPath(model);
        }
        if (context.Json) Json.Write(context, document);
        return ExitCodes.Success;
    }

    /// <summary>The table, the --results file and the PNG of a whole sweep or a shard (sweep and sweep merge); returns the document.</summary>
    public static JsonObject Report(CliContext context, JsonObject definition, SweepShard shard, IReadOnlyList<SweepResult> results, string source, string? resultsPath, string? plotPath)
    {
        JsonObject document = SweepDocument.Write(definition, shard, results, source);
        SweepResult? best = shard.Count <= 1 ? Sweeps.Sweep.Best(results) : null;
        if (context.Human)
        {
            string heading = shard.Count <= 1 ? "" : $"shard {shard} (merge the shards' --results with `{CommandLine.Name} sweep merge` for the best configuration):";
            context.Out.Write(SweepTable.Render(results, best, heading).TrimStart('\r', '\n'));
        }
        if (resultsPath is not null)
        {
            OutputFiles.WriteText(resultsPath, "--results", document.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
            document["results-file"] = Path.GetFullPath(resultsPath);
        }
        if (plotPath is not null && results.Count > 0 && Plots.TryWrite(context, plotPath, () => Plots.Sweep(results, $"sweep on {source}")))
        {
            document["plot"] = plotPath;
            if (context.Human) context.Out.WriteLine($"plot: {plotPath}");
        }
        return document;
    }

    // --plot, unless --no-plot; a shard draws only when --plot is given (its picture is of a part of the sweep).
    private static string? PlotPath(ParseResult parse, SweepCommandOptions o, SweepShard shard)
    {
        if (parse.GetValue(o.NoPlot)) return null;
        bool given = parse.GetResult(o.Plot) is { Implicit: false };
        return shard.Count > 1 && !given ? null : parse.GetValue(o.Plot);
    }

    private static string Heading(SweepSetup setup, SweepShard shard, int total)
    {
        string search = !setup.IsRandom
            ? $"grid of {Fmt.Count(setup.Configurations.Count, "configuration")}"
            : $"{Fmt.Count(setup.Configurations.Count, "configuration")} drawn from a grid of {setup.Space.GridSize}";
        string part = shard.Count > 1 ? $", shard {shard}: {Fmt.Count(total, "configuration")}" : "";
        return $"sweep on {setup.Loaded.Source}: {search}{part}, {Fmt.Count(setup.Space.Seeds.Count, "seed")} each, validation {Fmt.Pct(setup.Fraction)}";
    }

    // The best configuration trained on all the data from the first seed (Sweep.Refit), saved as train saves a model.
    private static void Refit(ParseResult parse, SweepCommandOptions o, CliContext context, SweepSetup setup, SweepConfiguration best, string path)
    {
        (Dataset all, TargetScaling? targets) = setup.AllData();
        var clock = Stopwatch.StartNew();
        (Network network, TrainingHistory history) = UserData.About(setup.Loaded.Source, () => setup.Sweep.Refit(best, all, context.Cancellation));
        clock.Stop();
        if (history.StopReason == StopReason.Cancelled) throw new OperationCanceledException(context.Cancellation);
        TrainingOptions options = setup.Sweep.OptionsFor(best, setup.Space.Seeds[0], all, network.Definition.ParameterCount);
        var record = new TrainingRecord(setup.Loaded, setup.Classify, best.Optimizer.Name, best.LearningRate, options, history, null, null, clock.Elapsed) { Targets = targets };
        Dictionary<string, string> metadata = record.Metadata(parse);
        metadata["saved-weights"] = "final weights, trained on all the data";
        metadata["sweep-configuration"] = $"#{best.Index}: {Sweeps.Sweep.Describe(best)}";
        OutputFiles.WriteModel(path, o.Out.Name, new Model(network, all, metadata) { TargetScaling = targets });
        if (context.Human) context.Out.WriteLine($"model: {path} (#{best.Index} retrained on all {Fmt.I(all.Count)} samples, {Fmt.Count(history.Epochs.Count, "epoch")})");
    }

    private sealed class SyncProgress(Action<SweepResult> report) : IProgress<SweepResult>
    {
        public void Report(SweepResult value) => report(value);
    }
}
