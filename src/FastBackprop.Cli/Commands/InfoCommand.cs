using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using FastBackprop.Data;
using FastBackprop.IO;
using Spectre.Console;

namespace FastBackprop.Cli.Commands;

/// <summary>`fastbackprop info`: a model's layers, parameter count, input scaling and training history.</summary>
internal static class InfoCommand
{
    public static string[] Examples { get; } = ["fastbackprop info --model model.fbp", "fastbackprop info --model model.fbp --json"];

    public static Command Build(CliContext context)
    {
        var model = new Option<string>("--model", "-m") { Description = "The model file.", Required = true, HelpName = "path" };
        var command = new Command("info", "Show a model's layers, parameter count, input scaling and training history summary.") { model };
        command.SetAction(parse => Execute(context, parse.GetValue(model)!));
        return command;
    }

    // A Dense layer's transfer function; another kind of layer describes itself.
    private static string Transfer(Layer layer) => layer is Dense dense ? dense.Transfer.Name : layer.ToString() ?? layer.GetType().Name;

    private static int Execute(CliContext context, string path)
    {
        Model model = ModelFiles.Load(path);
        NetworkDefinition definition = model.Network.Definition;
        if (context.Json)
        {
            var layers = new JsonArray();
            for (int l = 0; l < definition.LayerCount; l++)
            {
                LayerLayout layout = definition.GetLayout(l);
                layers.Add((JsonNode)new JsonObject { ["inputs"] = layout.Inputs, ["units"] = layout.Units, ["transfer"] = Transfer(definition.Layers[l]), ["parameters"] = layout.ParameterCount });
            }
            var metadata = new JsonObject();
            foreach ((string key, string value) in model.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal)) metadata[key] = value;
            Json.Write(context, new JsonObject
            {
                ["command"] = "info",
                ["model"] = Path.GetFullPath(path),
                ["shape"] = ModelFiles.Shape(definition),
                ["loss"] = definition.Loss.ToString(),
                ["lossName"] = definition.Loss.Name,
                ["lossReduction"] = Reduction(definition.Loss),
                ["parameters"] = definition.ParameterCount,
                ["scaling"] = model.Scaling?.Kind.ToString(),
                ["targetScaling"] = TargetScalingJson(model.TargetScaling),
                ["layers"] = layers,
                ["metadata"] = metadata,
            });
            return 0;
        }
        if (!context.Human) return 0;

        IAnsiConsole console = context.Console;
        console.MarkupLine($"[bold]{Markup.Escape(Path.GetFileName(path))}[/]: {ModelFiles.Shape(definition)}, loss {Markup.Escape(definition.Loss.ToString())} ({Markup.Escape(definition.Loss.Name)}, {Reduction(definition.Loss)}), {Fmt.I(definition.ParameterCount)} parameters, {new FileInfo(path).Length.ToString("N0", CultureInfo.InvariantCulture)} bytes");
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumns("layer", "inputs", "units", "transfer", "weights", "biases");
        for (int l = 0; l < definition.LayerCount; l++)
        {
            LayerLayout layout = definition.GetLayout(l);
            table.AddRow(Fmt.I(l + 1), Fmt.I(layout.Inputs), Fmt.I(layout.Units), Markup.Escape(Transfer(definition.Layers[l])), Fmt.I(layout.WeightCount), Fmt.I(layout.BiasCount));
        }
        console.Write(table);
        if (model.Scaling is { } scaling)
        {
            float[] offset = scaling.Offset.ToArray(), scale = scaling.Scale.ToArray();
            console.MarkupLine(Fmt.Inv($"input scaling: {scaling.Kind} over {scaling.Width} features (offset {offset.Min():G4}..{offset.Max():G4}, scale {scale.Min():G4}..{scale.Max():G4})"));
        }
        else
        {
            console.MarkupLine("input scaling: none");
        }

        if (model.TargetScaling is { } targets)
        {
            console.MarkupLine($"target scaling: standardisation of {Fmt.Count(targets.Width, "output")} (mean {string.Join(", ", targets.Mean.ToArray().Select(v => Fmt.G(v)))}; " +
                $"standard deviation {string.Join(", ", targets.StandardDeviation.ToArray().Select(v => Fmt.G(v)))}), inverted on the outputs");
        }

        var meta = new Table().Border(TableBorder.Rounded).Title("training");
        meta.AddColumns("key", "value");
        foreach ((string key, string value) in model.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (key == "history") continue;
            meta.AddRow(Markup.Escape(key), Markup.Escape(value));
        }
        if (meta.Rows.Count > 0) console.Write(meta);

        if (model.Metadata.TryGetValue("history", out string? history))
        {
            string[] lines = history.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (lines.Length > 1)
            {
                var epochs = new Table().Border(TableBorder.Simple).Title("history");
                foreach (string column in lines[0].Split(',')) epochs.AddColumn(new TableColumn(column.Replace('_', ' ')).RightAligned());
                IEnumerable<string> rows = lines.Length <= 12 ? lines.Skip(1) : lines.Skip(1).Take(5).Append("...").Concat(lines.TakeLast(5));
                foreach (string row in rows)
                {
                    string[] cells = row == "..." ? [.. Enumerable.Repeat("...", epochs.Columns.Count)] : row.Split(',');
                    epochs.AddRow([.. cells.Select(c => double.TryParse(c, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && c.Contains('.', StringComparison.Ordinal) ? Fmt.F(v) : c)]);
                }
                console.Write(epochs);
            }
        }
        return 0;
    }

    private static JsonObject? TargetScalingJson(TargetScaling? targets) => targets is null ? null : new JsonObject
    {
        ["kind"] = "Standardization",
        ["mean"] = new JsonArray([.. targets.Mean.ToArray().Select(v => Json.Number(v))]),
        ["standardDeviation"] = new JsonArray([.. targets.StandardDeviation.ToArray().Select(v => Json.Number(v))]),
    };

    // How the loss reduces a pattern's outputs (then the mean over patterns).
    private static string Reduction(Loss loss) => loss.MeanOverOutputs ? "mean over outputs" : "sum over outputs";
}
