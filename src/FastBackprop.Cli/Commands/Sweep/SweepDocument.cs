using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FastBackprop.Cli.Commands.Train;
using FastBackprop.Sweeps;
using FastBackprop.Training;

namespace FastBackprop.Cli.Commands.Sweep;

/// <summary>The results document of `sweep` (its --results file and its --json output) and of `sweep merge`: the
/// sweep's full definition and its fingerprint, the shard, one entry per configuration, and the best configuration.</summary>
/// <remarks>The definition holds everything that shapes the results: the lists (parsed), the search (grid, or random
/// with its count and seed), the number of configurations, every other result-shaping option's value, and a SHA-256
/// digest of the data as loaded. The fingerprint is the first 16 hex digits of the SHA-256 of the definition's compact
/// JSON: two shards belong to one sweep exactly when their fingerprints agree. Numbers are written shortest-round-trip,
/// so a figure read back has the bits it was written with.</remarks>
internal static class SweepDocument
{
    public const string Command = "sweep";
    public const int Format = 1;

    /// <summary>The definition of the sweep <paramref name="setup"/> describes.</summary>
    public static JsonObject Definition(ParseResult parse, SweepCommandOptions o, SweepSetup setup)
    {
        var options = new JsonObject();
        int? random = parse.GetValue(o.Random);
        // --seed draws the random search's configurations; a grid does not read it, so it is not part of a grid's definition.
        IEnumerable<Option> described = o.Shared.Concat(random is null ? [] : [o.Random, o.Seed]).Except(o.Outputs);
        foreach (Option option in described.OrderBy(x => x.Name, StringComparer.Ordinal))
        {
            object? value = parse.GetResult(option)?.GetValueOrDefault<object>();
            options[option.Name] = value is null ? null : Convert.ToString(value, CultureInfo.InvariantCulture);
        }
        SweepSpace space = setup.Space;
        return new JsonObject
        {
            ["task"] = setup.Classify ? "classification" : "regression",
            ["data"] = CheckpointRun.Digest(setup.Loaded.Data, null),
            ["search"] = random is null ? "grid" : "random",
            ["learningRates"] = Array(space.LearningRates.Select(v => JsonValue.Create(v))),
            ["widths"] = Array(space.Widths.Select(v => JsonValue.Create(v))),
            ["depths"] = Array(space.Depths.Select(v => JsonValue.Create(v))),
            ["optimizers"] = Array(space.Optimizers.Select(v => JsonValue.Create(v.Name))),
            ["weightDecays"] = Array(space.WeightDecays.Select(v => JsonValue.Create(v))),
            ["seeds"] = Array(space.Seeds.Select(v => JsonValue.Create(v))),
            ["options"] = options,
            ["configurations"] = setup.Configurations.Count,
        };
    }

    public static string Fingerprint(JsonNode definition) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(definition.ToJsonString())))[..16];

    /// <summary>The document: <paramref name="results"/> are the shard's (all of them for <see cref="SweepShard.All"/>).</summary>
    public static JsonObject Write(JsonObject definition, SweepShard shard, IReadOnlyList<SweepResult> results, string source)
    {
        var configurations = new JsonArray();
        foreach (SweepResult r in results) configurations.Add((JsonNode)Entry(r));
        SweepResult? best = shard.Count <= 1 ? Sweeps.Sweep.Best(results) : null;
        return new JsonObject
        {
            ["command"] = Command,
            ["format"] = Format,
            ["source"] = source,
            ["fingerprint"] = Fingerprint(definition),
            ["shard"] = shard.ToString(),
            ["definition"] = definition.DeepClone(),
            ["results"] = configurations,
            ["best"] = best is null ? null : Entry(best),
        };
    }

    private static JsonObject Entry(SweepResult r)
    {
        SweepConfiguration c = r.Configuration;
        var runs = new JsonArray();
        foreach (SweepRun run in r.Runs)
        {
            runs.Add((JsonNode)new JsonObject
            {
                ["seed"] = run.Seed,
                ["validationLoss"] = Json.Number(run.ValidationLoss),
                ["validationAccuracy"] = Json.Number(run.ValidationAccuracy),
                ["validationMeanSquaredError"] = Json.Number(run.ValidationMeanSquaredError),
                ["epochs"] = run.EpochsRun,
                ["scoredEpoch"] = run.ScoredEpoch,
                ["seconds"] = Json.Number(run.Seconds),
                ["failure"] = run.Failure,
            });
        }
        return new JsonObject
        {
            ["index"] = c.Index,
            ["gridIndex"] = c.GridIndex,
            ["learningRate"] = c.LearningRate,
            ["width"] = c.Width,
            ["depth"] = c.Depth,
            ["optimizer"] = c.Optimizer.Name,
            ["weightDecay"] = c.WeightDecay,
            ["validationLoss"] = Statistic(r.ValidationLoss),
            ["validationAccuracy"] = r.ValidationAccuracy is { } a ? Statistic(a) : null,
            ["validationMeanSquaredError"] = r.ValidationMeanSquaredError is { } m ? Statistic(m) : null,
            ["score"] = Json.Number(r.Score),
            ["runs"] = runs,
        };
    }

    private static JsonObject Statistic(MetricSummary s) => new() { ["mean"] = Json.Number(s.Mean), ["sd"] = Json.Number(s.StandardDeviation) };

    private static JsonArray Array(IEnumerable<JsonNode?> values) => new([.. values]);

    /// <summary>Reads a results file: its definition (checked against its fingerprint), fingerprint, shard and results.</summary>
    /// <exception cref="UserException">Not a sweep results document, or damaged.</exception>
    public static (JsonObject Definition, string Fingerprint, SweepShard Part, JsonArray Results) Read(string path)
    {
        JsonObject document;
        try
        {
            document = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new UserException($"{path}: not a sweep results file (expected a JSON object).");
        }
        catch (JsonException e)
        {
            throw new UserException($"{path}: not a sweep results file: {e.Message}", e);
        }
        if ((string?)document["command"] != Command || document["format"] is not JsonValue format || format.GetValue<int>() != Format)
        {
            throw new UserException($"{path}: not a sweep results file of format {Format} (written by `{CommandLine.Name} sweep --results` or `sweep --json`).");
        }
        JsonObject definition = Field<JsonObject>(document, "definition", path);
        string fingerprint = Field<JsonValue>(document, "fingerprint", path).GetValue<string>();
        if (Fingerprint(definition) != fingerprint)
        {
            throw new UserException($"{path}: its fingerprint {fingerprint} does not match its definition ({Fingerprint(definition)}); the file was edited or damaged.");
        }
        SweepShard part;
        try
        {
            part = SweepShard.Parse(Field<JsonValue>(document, "shard", path).GetValue<string>());
        }
        catch (FormatException e)
        {
            throw new UserException($"{path}: shard {e.Message}", e);
        }
        return (definition, fingerprint, part, Field<JsonArray>(document, "results", path));
    }

    /// <summary>The results of a document's "results" array, matched to the sweep's configurations by index.</summary>
    public static List<SweepResult> Results(JsonArray entries, IReadOnlyList<SweepConfiguration> configurations, bool classify, string path)
    {
        var results = new List<SweepResult>(entries.Count);
        foreach (JsonNode? node in entries)
        {
            try
            {
                JsonObject entry = node as JsonObject ?? throw new FormatException("a result is not an object");
                int index = entry["index"]!.GetValue<int>();
                if ((uint)index >= (uint)configurations.Count) throw new FormatException($"configuration {index} is outside the sweep's 0 to {configurations.Count - 1}");
                SweepConfiguration c = configurations[index];
                if (entry["gridIndex"]!.GetValue<int>() != c.GridIndex || (string?)entry["optimizer"] != c.Optimizer.Name
                    || entry["learningRate"]!.GetValue<float>() != c.LearningRate || entry["width"]!.GetValue<int>() != c.Width)
                {
                    throw new FormatException($"configuration {index} is not the one its definition gives");
                }
                results.Add(new SweepResult(c, [.. entry["runs"]!.AsArray().Select(run => Run(run!.AsObject(), classify))]));
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException or NullReferenceException or KeyNotFoundException)
            {
                throw new UserException($"{path}: a damaged result: {e.Message}", e);
            }
        }
        return results;
    }

    private static SweepRun Run(JsonObject run, bool classify)
    {
        string? failure = (string?)run["failure"];
        double Figure(string name) => run[name] is JsonValue v ? v.GetValue<double>() : double.NaN;
        return new SweepRun(run["seed"]!.GetValue<ulong>(), Figure("validationLoss"), classify ? Figure("validationAccuracy") : null, classify ? null : Figure("validationMeanSquaredError"),
            run["epochs"]!.GetValue<int>(), run["scoredEpoch"]!.GetValue<int>(), Figure("seconds"), failure);
    }

    private static T Field<T>(JsonObject document, string name, string path)
        where T : JsonNode =>
        document[name] as T ?? throw new UserException($"{path}: not a sweep results file (no '{name}').");
}
