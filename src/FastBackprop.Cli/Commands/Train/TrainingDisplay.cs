using System.Diagnostics;
using System.Text;
using FastBackprop.Data;
using FastBackprop.Kernels;
using FastBackprop.Training;
using Spectre.Console;

namespace FastBackprop.Cli.Commands.Train;

/// <summary>The live display of `train`: a header, a progress bar per epoch (samples/s, loss) on a
/// terminal, one table row per finished epoch, and a summary of what was saved where. A legend above
/// the table names what each figure is: the loss (the objective, e.g. half the summed squared error
/// per pattern), accuracy, or for regression the mean squared error in the targets' own units.</summary>
internal sealed class TrainingDisplay(CliContext context, int epochCount, bool validated, bool classify)
{
    /// <summary>The standardisation of the regression targets trained on, or null: MSE figures are scaled back by it.</summary>
    public TargetScaling? Targets { get; init; }

    /// <summary>The loss's name, for the legend.</summary>
    public string LossName { get; init; } = "loss";

    private readonly Stopwatch epochClock = new();
    private ProgressTask? task;
    private long lastUpdate;

    public void Header(string source, int trainCount, int validationCount, bool weighted, NetworkDefinition definition, string optimizer, int batch, int threadCount)
    {
        if (!context.Human) return;
        IAnsiConsole console = context.Console;
        console.MarkupLine(Fmt.Inv($"[bold]Training[/] {Markup.Escape(ModelFiles.Shape(definition))} ({Markup.Escape(NetworkFactory.Describe(definition))}), {Fmt.I(definition.ParameterCount)} parameters"));
        console.MarkupLine(Fmt.Inv($"  data {Markup.Escape(source)}: {Fmt.I(trainCount)} training, {Fmt.I(validationCount)} validation samples") +
            (weighted ? ", weighted (loss, accuracy and MSE are weighted means)" : ""));
        console.MarkupLine(Fmt.Inv($"  {Markup.Escape(optimizer)}, batch {batch}, {Fmt.Count(epochCount, "epoch")}, vector tier {VectorTiers.Active}, up to {Fmt.Count(threadCount, "thread")}"));
    }

    /// <summary>One line about the checkpoint: where it goes, and where a resumed run continues.</summary>
    public void Checkpoint(string path, TrainingCheckpoint? resumed)
    {
        if (!context.Human) return;
        context.Console.MarkupLine(resumed is null
            ? $"  checkpoint every epoch: {Markup.Escape(path)}"
            : Fmt.Inv($"  resuming {Markup.Escape(path)} in epoch {resumed.Epoch + 1}, batch {resumed.Batch} ({Fmt.Count(resumed.History.Count, "epoch")} done)"));
    }

    public void TableHeader()
    {
        if (!context.Human) return;
        context.Console.WriteLine();
        foreach (string line in TrainingMetrics.Legend(LossName, classify, Targets)) context.Console.MarkupLine(Markup.Escape(line));
        context.Console.MarkupLine(classify
            ? Row("[bold]epoch[/]", "[bold]train loss[/]", "[bold]train acc[/]", "[bold]val loss[/]", "[bold]val acc[/]", "[bold]time[/]", "[bold]samples/s[/]")
            : Row("[bold]epoch[/]", "[bold]train loss[/]", "[bold]train MSE[/]", "[bold]val loss[/]", "[bold]val MSE[/]", "[bold]time[/]", "[bold]samples/s[/]"));
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
        row.Append(Pad(trainAcc, 11));   // regression: the training MSE
        if (validated) row.Append(Pad(valLoss, 11));
        if (validated) row.Append(Pad(valAcc, 10));   // regression: the validation MSE
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
            classify ? Fmt.Pct(e.TrainingAccuracy) : Mse(e.TrainingMeanSquaredError),
            e.Validation is null ? "-" : Fmt.F(e.Validation.Loss),
            classify ? Fmt.Pct(e.Validation?.Accuracy) : Mse(e.Validation?.MeanSquaredError),
            Fmt.Inv($"{e.Elapsed.TotalSeconds:F2}s"),
            Fmt.I((long)e.PatternsPerSecond)));
    }

    public void Summary(TrainingRecord record, string outPath, bool outExisted, string? curvePath, string? checkpointPath)
    {
        if (!context.Human) return;
        IAnsiConsole console = context.Console;
        TrainingHistory history = record.History;
        bool stopped = history.StopReason == StopReason.Cancelled;
        console.WriteLine();
        string why = history.StopReason switch
        {
            StopReason.Cancelled => $"[yellow]stopped by {context.Interruption.By}[/] after the current batch",
            StopReason.EarlyStopped => Fmt.Inv($"early stopping: no better {(validated ? "validation" : "training")} {record.Options.Monitor.ToString().ToLowerInvariant()} since epoch {history.BestEpoch}"),
            _ => "all epochs ran",
        };
        console.MarkupLine(Fmt.Inv($"{why}; {Fmt.Count(history.Epochs.Count, "epoch")} in {record.Elapsed.TotalSeconds:F1}s"));
        if (history.Epochs.Count > 0)
        {
            EpochReport last = history.Epochs[^1];
            console.MarkupLine(Fmt.Inv($"last epoch: {Figures(last)}"));
            if (history.Weights == FinalWeights.BestEpoch && history.Epochs.FirstOrDefault(e => e.Epoch == history.BestEpoch) is { } best && best != last)
            {
                console.MarkupLine(Fmt.Inv($"epoch {best.Epoch}, whose weights are kept: {Figures(best)}"));
            }
        }
        string output = Markup.Escape(outPath);
        console.MarkupLine(record.Saved is null
            ? $"[yellow]no model saved[/]: no epoch of this run finished, so {output} was {(outExisted ? "left as it was" : "not written")}"
            : $"saved model ({Markup.Escape(record.Saved.Label)}): [green]{output}[/]");
        if (curvePath is not null) console.MarkupLine($"learning curve: [green]{Markup.Escape(curvePath)}[/]");
        if (checkpointPath is not null)
        {
            console.MarkupLine(stopped
                ? $"checkpoint: [green]{Markup.Escape(checkpointPath)}[/]; run the same command with --resume to continue"
                : $"checkpoint: {Markup.Escape(checkpointPath)}");
        }
    }

    // An epoch's headline figures: the validation accuracy, else the training accuracy, else the MSEs.
    private string Figures(EpochReport e) =>
        e.Validation?.Accuracy is double va ? $"validation accuracy {Fmt.Pct(va)}"
        : e.TrainingAccuracy is double ta ? $"training accuracy {Fmt.Pct(ta)}"
        : $"training MSE {Mse(e.TrainingMeanSquaredError)}" + (e.Validation is null ? "" : $", validation MSE {Mse(e.Validation.MeanSquaredError)}") + TrainingMetrics.MseUnits(Targets);

    // A mean squared error in the targets' units (see TrainingMetrics.InTargetUnits).
    private string Mse(double? meanSquaredError) => TrainingMetrics.InTargetUnits(meanSquaredError, Targets) is double v ? TrainingMetrics.Format(v) : "-";
}
