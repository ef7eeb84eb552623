using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using FastBackprop.Sweeps;

namespace FastBackprop.Cli.Commands.Sweep;

/// <summary>`fastbackprop sweep merge a.json b.json ...`: the shards' results files of one sweep combined into the
/// table, JSON and PNG the unsharded run gives. Refuses files of different sweeps (fingerprints), a shard given twice,
/// a missing shard, and damaged files, each with one line naming the files.</summary>
internal static class SweepMerge
{
    public static Command Build(CliContext context)
    {
        var files = new Argument<string[]>("files") { Description = "The shards' --results files (one per shard, any order).", Arity = ArgumentArity.OneOrMore };
        var results = new Option<string?>("--results") { Description = "Write the merged results to this JSON file.", HelpName = "path" };
        var plot = new Option<string>("--plot") { Description = "PNG of validation accuracy (loss) against learning rate, one line per width.", DefaultValueFactory = _ => SweepCommandOptions.DefaultPlot, HelpName = "path" };
        var noPlot = new Option<bool>("--no-plot") { Description = "Do not write the PNG." };
        var command = new Command("merge", "Combine the --results files of a sweep's shards (--shard i/N, every i from 0 to N-1) into the whole sweep's table, JSON and PNG.")
        {
            files, results, plot, noPlot,
        };
        command.SetAction(parse =>
        {
            string? resultsPath = parse.GetValue(results), plotPath = parse.GetValue(noPlot) ? null : parse.GetValue(plot);
            foreach ((string? path, string option) in (ReadOnlySpan<(string?, string)>)[(resultsPath, results.Name), (plotPath, plot.Name)])
            {
                if (path is not null) OutputFiles.CheckWritable(path, option);
            }
            OutputFiles.CheckDistinct((resultsPath, results.Name), (plotPath, plot.Name));
            return Execute(context, parse.GetValue(files)!, resultsPath, plotPath);
        });
        return command;
    }

    private static int Execute(CliContext context, string[] files, string? resultsPath, string? plotPath)
    {
        var shards = files.Select(f => (Path: f, Document: SweepDocument.Read(f))).ToList();
        (string firstPath, (JsonObject definition, string fingerprint, SweepShard part, _)) = shards[0];
        var byIndex = new Dictionary<int, string>();
        foreach ((string path, (JsonObject d, string f, SweepShard p, _)) in shards)
        {
            if (f != fingerprint)
            {
                throw new UserException($"{path} is from a different sweep than {firstPath} (fingerprint {f}, not {fingerprint}; their definitions differ in {Difference(definition, d)}).");
            }
            if (p.Count != part.Count) throw new UserException($"{path} is shard {p} but {firstPath} is shard {part}; merge the shards of one --shard i/N split.");
            if (byIndex.TryGetValue(p.Index, out string? other)) throw new UserException($"{other} and {path} are both shard {p}; give each shard once.");
            byIndex[p.Index] = path;
        }
        int[] missing = [.. Enumerable.Range(0, part.Count).Where(i => !byIndex.ContainsKey(i))];
        if (missing.Length > 0)
        {
            throw new UserException($"{Fmt.Count(missing.Length, "shard")} of {part.Count} missing: {string.Join(", ", missing.Select(i => new SweepShard(i, part.Count).ToString()))} (got {string.Join(", ", shards.Select(s => s.Path))}).");
        }

        (Sweeps.Sweep sweep, bool classify) = Recreate(definition, firstPath);
        var parts = new List<IReadOnlyList<SweepResult>>();
        foreach ((string path, (_, _, SweepShard p, JsonArray entries)) in shards)
        {
            List<SweepResult> list = SweepDocument.Results(entries, sweep.Configurations, classify, path);
            if (list.FirstOrDefault(r => !p.Contains(r.Configuration.Index)) is { } stray)
            {
                throw new UserException($"{path}: holds configuration {stray.Configuration.Index}, which is not shard {p}'s (c mod {p.Count} = {p.Index}).");
            }
            parts.Add(list);
        }
        IReadOnlyList<SweepResult> merged = UserData.About("sweep merge", () => sweep.Merge(parts));
        string source = (string?)JsonNode.Parse(File.ReadAllText(firstPath))?["source"] ?? "?";
        JsonObject document = SweepCommand.Report(context, definition, SweepShard.All, merged, source, resultsPath, plotPath);
        if (context.Json) Json.Write(context, document);
        return ExitCodes.Success;
    }

    // The sweep's configurations, recomputed from its definition (grid, or the same random draw); optimizers by name only.
    private static (Sweeps.Sweep Sweep, bool Classify) Recreate(JsonObject d, string path)
    {
        try
        {
            var space = new SweepSpace
            {
                LearningRates = [.. d["learningRates"]!.AsArray().Select(v => v!.GetValue<float>())],
                Widths = [.. d["widths"]!.AsArray().Select(v => v!.GetValue<int>())],
                Depths = [.. d["depths"]!.AsArray().Select(v => v!.GetValue<int>())],
                Optimizers = [.. d["optimizers"]!.AsArray().Select(v => new SweepOptimizer(v!.GetValue<string>(), (_, _) => throw new InvalidOperationException("merge trains nothing")))],
                WeightDecays = [.. d["weightDecays"]!.AsArray().Select(v => v!.GetValue<float>())],
                Seeds = [.. d["seeds"]!.AsArray().Select(v => v!.GetValue<ulong>())],
            };
            JsonObject options = d["options"]!.AsObject();
            IReadOnlyList<SweepConfiguration> configurations = (string?)d["search"] == "random"
                ? space.Random(int.Parse((string)options["--random"]!, CultureInfo.InvariantCulture), ulong.Parse((string)options["--seed"]!, CultureInfo.InvariantCulture))
                : space.Grid();
            if (configurations.Count != d["configurations"]!.GetValue<int>()) throw new FormatException("its configuration count does not match its lists");
            return (new Sweeps.Sweep(space, configurations, _ => throw new InvalidOperationException("merge trains nothing")), (string?)d["task"] == "classification");
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or NullReferenceException or ArgumentException or OverflowException)
        {
            throw new UserException($"{path}: a damaged sweep definition: {e.Message}", e);
        }
    }

    // The first field (or option) in which two definitions differ, for the message.
    private static string Difference(JsonObject a, JsonObject b)
    {
        foreach ((string key, JsonNode? value) in a)
        {
            if (key == "options" && value is JsonObject options && b[key] is JsonObject other)
            {
                foreach ((string name, JsonNode? v) in options)
                {
                    if (!JsonNode.DeepEquals(v, other[name])) return name;
                }
            }
            else if (!JsonNode.DeepEquals(value, b[key]))
            {
                return key;
            }
        }
        return "their keys";
    }
}
