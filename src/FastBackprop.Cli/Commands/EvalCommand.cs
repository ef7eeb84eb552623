using System.CommandLine;
using System.Text.Json.Nodes;
using FastBackprop.Cli.Commands.Train;
using FastBackprop.Data;
using FastBackprop.IO;
using FastBackprop.Training;
using Spectre.Console;

namespace FastBackprop.Cli.Commands;

/// <summary>`fastbackprop eval`: loss, accuracy, per-class precision and recall, and the confusion
/// matrix as a table and as a PNG heat map.</summary>
internal static class EvalCommand
{
    public static string[] Examples { get; } =
    [
        "fastbackprop eval --model model.fbp                  # on the embedded digits",
        "fastbackprop eval --model fashion.fbp --data /usr/share/datasets/fashion-mnist   # uses the t10k-* test pair",
        "fastbackprop eval --model iris.fbp --data iris-test.csv --header --label-column 4 --json",
    ];

    public static Command Build(CliContext context)
    {
        var data = new DataOptions();
        var model = new Option<string>("--model", "-m") { Description = "The model file to evaluate.", Required = true, HelpName = "path" };
        var plot = new Option<string?>("--plot") { Description = "Where to write the confusion-matrix heat map. Default: <model>.confusion.png beside the model.", HelpName = "path" };
        var noPlot = new Option<bool>("--no-plot") { Description = "Do not write the heat map." };
        var command = new Command("eval", "Evaluate a model on a data set (the embedded digits unless --data is given; an IDX folder's t10k-* test pair).");
        command.Add(model);
        data.AddTo(command);
        command.Add(plot);
        command.Add(noPlot);
        command.SetAction(parse =>
        {
            string modelPath = parse.GetValue(model)!;
            Model loaded = ModelFiles.Load(modelPath);
            string? plotPath = parse.GetValue(noPlot) ? null : parse.GetValue(plot) ?? ModelFiles.Beside(modelPath, "confusion");
            if (plotPath is not null) OutputFiles.CheckWritable(plotPath, plot.Name);
            return Execute(context, modelPath, loaded, data.Load(parse, context, preferTest: true, raw: true), plotPath);
        });
        return command;
    }

    private static int Execute(CliContext context, string modelPath, Model model, LoadedData loaded, string? plotPath)
    {
        Network network = model.Network;
        CheckShapes(modelPath, network.Definition, loaded);
        Dataset dataset = loaded.ScaledFor(model, modelPath, context);
        // With a target scaling, Model.Evaluate reports the MSE in the targets' units (the loss stays the objective's).
        Evaluation evaluation = UserData.About(loaded.Source, () => model.TargetScaling is null ? Trainer.Evaluate(network, dataset) : model.Evaluate(dataset));

        if (plotPath is not null && evaluation.ClassCount > MaxListedClasses)
        {
            context.Warn($"no confusion heat map: {Fmt.I(evaluation.ClassCount)} classes are more than the {MaxListedClasses} it can show.");
            plotPath = null;
        }
        if (evaluation.ConfusionMatrix is int[,] confusion && plotPath is not null)
        {
            string title = $"{Path.GetFileName(modelPath)} on {(loaded.IsEmbedded ? "digits" : loaded.Source)}: accuracy {Fmt.Pct(evaluation.Accuracy)}";
            if (!Plots.TryWrite(context, plotPath, () => Plots.ConfusionMatrix(confusion, title))) plotPath = null;
        }
        else
        {
            plotPath = null;
        }

        if (context.Json) Json.Write(context, ToJson(modelPath, loaded, evaluation, plotPath));
        if (!context.Human) return 0;

        IAnsiConsole console = context.Console;
        console.MarkupLine($"[bold]{Markup.Escape(Path.GetFileName(modelPath))}[/] ({ModelFiles.Shape(network.Definition)}) on {Markup.Escape(loaded.Source)}: {Fmt.I(evaluation.Count)} samples" +
            (evaluation.WeightSum is double w ? $", weighted by --weight-column (total weight {Fmt.G(w)}): loss, accuracy and error are weighted means" : ""));
        console.MarkupLine($"  loss {Fmt.F(evaluation.Loss)}" + (evaluation.Accuracy is double a ? $", accuracy [bold]{Fmt.Pct(a)}[/]" : "") + (evaluation.MeanSquaredError is double mse ? $", mean squared error [bold]{Fmt.G(mse)}[/]" : ""));
        console.MarkupLine(Markup.Escape(LossLegend(network.Definition, model.TargetScaling, evaluation.MeanSquaredError is not null)));
        if (evaluation.ClassCount > 0) console.Write(PerClassTable(evaluation));
        if (evaluation.ConfusionMatrix is int[,] m && m.GetLength(0) <= MaxPrintedMatrix) console.Write(MatrixTable(m));
        if (plotPath is not null) console.MarkupLine($"confusion matrix heat map: [green]{Markup.Escape(plotPath)}[/]");
        return 0;
    }

    // Names the figures of the line above: the loss is the objective per pattern; the MSE is in the targets' units.
    private static string LossLegend(NetworkDefinition definition, TargetScaling? targets, bool regression)
    {
        string on = !regression ? "" : targets is null ? " on the targets as given" : " on the standardised targets";
        string loss = $"  loss: {TrainingMetrics.Loss(definition.Loss.ToString())} per pattern{on}, mean over the patterns (the objective)";
        return regression ? loss + "\n  mean squared error: mean of (y - d)² over patterns and outputs, in the targets' units" : loss;
    }

    private static double? Nan(double value) => double.IsNaN(value) ? null : value;

    // Wider matrices are unreadable as text: they are in the heat map and in --json.
    private const int MaxPrintedMatrix = 20;

    // Every class while there are few; with many, those that occur in the data or among the predictions.
    private const int MaxListedClasses = 100;

    private static Table PerClassTable(Evaluation evaluation)
    {
        int n = evaluation.ClassCount;
        bool all = n <= MaxListedClasses;
        var perClass = new Table().Border(TableBorder.Rounded).Title(all ? "per class" : "per class (the classes that occur or are predicted)");
        perClass.AddColumns("class", "samples", "precision", "recall");
        for (int c = 0; c < n; c++)
        {
            double precision = evaluation.Precision(c);
            if (!all && evaluation.Support(c) == 0 && double.IsNaN(precision)) continue;
            perClass.AddRow(Fmt.I(c), Fmt.I(evaluation.Support(c)), Fmt.Pct(Nan(precision)), Fmt.Pct(Nan(evaluation.Recall(c))));
        }
        foreach (TableColumn column in perClass.Columns) column.RightAligned();
        return perClass;
    }

    private static Table MatrixTable(int[,] m)
    {
        int n = m.GetLength(0);
        var matrix = new Table().Border(TableBorder.Rounded).Title("confusion matrix: rows actual, columns predicted");
        matrix.AddColumn(new TableColumn("").RightAligned());
        for (int p = 0; p < n; p++) matrix.AddColumn(new TableColumn(Fmt.I(p)).RightAligned());
        for (int actual = 0; actual < n; actual++)
        {
            var cells = new List<string> { $"[bold]{actual}[/]" };
            for (int p = 0; p < n; p++)
            {
                string count = Fmt.I(m[actual, p]);
                cells.Add(m[actual, p] == 0 ? "[grey].[/]" : p == actual ? $"[green]{count}[/]" : $"[red]{count}[/]");
            }
            matrix.AddRow([.. cells]);
        }
        return matrix;
    }

    /// <summary>A one-line error when the data does not fit the model.</summary>
    public static void CheckShapes(string modelPath, NetworkDefinition definition, LoadedData loaded)
    {
        Dataset d = loaded.Data;
        string model = Path.GetFileName(modelPath);
        if (d.InputWidth != definition.InputWidth)
        {
            throw new UserException($"{loaded.Source} has {Fmt.Count(d.InputWidth, "input")} per sample, but the model {model} expects {definition.InputWidth}.");
        }
        if (d.TargetWidth != definition.OutputWidth || (d.HasLabels && d.ClassCount != definition.OutputWidth))
        {
            string hint = loaded.IsCsv && d.HasLabels && d.ClassCount < definition.OutputWidth ? $" If some classes are missing from the data, give --classes {definition.OutputWidth}." : "";
            throw new UserException($"{loaded.Source} has {Fmt.Count(d.HasLabels ? d.ClassCount : d.TargetWidth, d.HasLabels ? "class" : "target")}, but the model {model} has {Fmt.Count(definition.OutputWidth, "output")}.{hint}");
        }
    }

    private static JsonObject ToJson(string modelPath, LoadedData loaded, Evaluation evaluation, string? plotPath)
    {
        var document = new JsonObject
        {
            ["command"] = "eval",
            ["model"] = Path.GetFullPath(modelPath),
            ["data"] = loaded.Source,
            ["samples"] = evaluation.Count,
            ["loss"] = Json.Number(evaluation.Loss),
            ["accuracy"] = Json.Number(evaluation.Accuracy),
            ["meanSquaredError"] = Json.Number(evaluation.MeanSquaredError),
            ["confusionPlot"] = plotPath,
        };
        if (evaluation.WeightSum is double weightSum) document["weightSum"] = weightSum;   // loss, accuracy and error are weighted means
        if (evaluation.ClassCount > 0)
        {
            var classes = new JsonArray();
            for (int c = 0; c < evaluation.ClassCount; c++)
            {
                classes.Add((JsonNode)new JsonObject { ["class"] = c, ["samples"] = evaluation.Support(c), ["precision"] = Json.Number(evaluation.Precision(c)), ["recall"] = Json.Number(evaluation.Recall(c)) });
            }
            document["classes"] = classes;
        }
        if (evaluation.ConfusionMatrix is int[,] m)
        {
            var matrix = new JsonArray();
            for (int c = 0; c < m.GetLength(0); c++)
            {
                var row = new JsonArray();
                for (int p = 0; p < m.GetLength(1); p++) row.Add((JsonNode)m[c, p]);
                matrix.Add((JsonNode)row);
            }
            document["confusionMatrix"] = matrix;
        }
        return document;
    }
}
