using FastBackprop.Cli.Commands.Train;
using FastBackprop.Ensembles;
using FastBackprop.Kernels;
using FastBackprop.Training;
using Spectre.Console;

namespace FastBackprop.Cli.Commands.Cv;

/// <summary>What `cv` shows: a header, a progress bar per fold on a terminal (epochs done, as train's bar), then the
/// per-fold table and the mean ± sd line. Nothing with --quiet or --json.</summary>
internal sealed class CvDisplay(CliContext context, int folds, int epochs, bool classify)
{
    private readonly ProgressTask?[] tasks = new ProgressTask?[folds];

    /// <summary>Every fold's epoch reports (from the threads that train the folds): its bar advances.</summary>
    public IProgress<(int Fold, EpochReport Report)> Progress => new FoldBars(tasks);

    public void Header(string source, int count, NetworkDefinition definition, bool stratified, ulong seed, double validation, string optimizer, string batch)
    {
        if (!context.Human) return;
        IAnsiConsole console = context.Console;
        console.MarkupLine(Fmt.Inv($"[bold]Cross-validating[/] {Markup.Escape(ModelFiles.Shape(definition))} ({Markup.Escape(NetworkFactory.Describe(definition))}), {Fmt.I(definition.ParameterCount)} parameters"));
        console.MarkupLine(Fmt.Inv($"  data {Markup.Escape(source)}: {Fmt.I(count)} samples"));
        console.MarkupLine(Fmt.Inv($"  {folds} {(stratified ? "stratified " : "")}folds (seed {seed}): each fold's network trains on the other {folds - 1}") +
            (validation > 0 ? Fmt.Inv($", {100 * validation:G3}% of those rows held out for validation") : ""));
        console.MarkupLine(Fmt.Inv($"  {Markup.Escape(optimizer)}, batch {batch}, {Fmt.Count(epochs, "epoch")}, vector tier {VectorTiers.Active}"));
    }

    public void Run(Action crossValidate)
    {
        if (!context.Human || !context.Interactive)
        {
            crossValidate();
            return;
        }
        context.Console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn())
            .Start(progress =>
            {
                for (int f = 0; f < folds; f++) tasks[f] = progress.AddTask(Fmt.Inv($"fold {f + 1}/{folds}"), autoStart: true, maxValue: epochs);
                crossValidate();
            });
    }

    public void Table(CrossValidationResult result, TimeSpan elapsed)
    {
        if (!context.Human) return;
        IAnsiConsole console = context.Console;
        string metric = classify ? "accuracy" : "MSE";
        console.WriteLine();
        console.MarkupLine(Markup.Escape("  loss: mean loss per pattern of the fold's network on its held-out fold"));
        console.MarkupLine(Markup.Escape(classify ? "  accuracy: share of the held-out fold's patterns classified right" : "  MSE: mean of (y - d)² over the held-out fold's patterns and outputs, in the targets' units"));
        console.MarkupLine(Fmt.Inv($"[bold]{"fold",5}{"patterns",10}{"epochs",8}{"loss",12}{metric,12}[/]"));
        foreach (FoldResult fold in result.Folds)
        {
            string figures = fold.Evaluation is { } e
                ? Fmt.Inv($"{Fmt.F(e.Loss),12}{Figure(classify ? e.Accuracy : e.MeanSquaredError),12}")
                : $"  [red]failed[/]: {Markup.Escape(fold.Failure?.Message ?? "")}";
            console.MarkupLine(Fmt.Inv($"{fold.Fold + 1,5}{fold.TestRows.Count,10}{fold.History?.Epochs.Count ?? 0,8}") + figures);
        }
        MetricSummary score = classify ? result.Accuracy!.Value : result.MeanSquaredError!.Value;
        console.MarkupLine(Fmt.Inv($"[bold]mean ± sd[/]: loss {Fmt.F(result.Loss.Mean)} ± {Fmt.F(result.Loss.StandardDeviation)}, {metric} {Figure(score.Mean)} ± {Figure(score.StandardDeviation)}"));
        console.MarkupLine(Fmt.Inv($"{Fmt.Count(result.Folds.Count, "fold")} in {elapsed.TotalSeconds:F1}s (sd: population standard deviation over the folds, ddof 0)"));
    }

    private string Figure(double? value) => value is not double v || !double.IsFinite(v) ? "-" : classify ? Fmt.Pct(v) : TrainingMetrics.Format(v);

    private sealed class FoldBars(ProgressTask?[] tasks) : IProgress<(int Fold, EpochReport Report)>
    {
        public void Report((int Fold, EpochReport Report) value)
        {
            if (tasks[value.Fold] is { } task) task.Value = value.Report.Epoch;
        }
    }
}
