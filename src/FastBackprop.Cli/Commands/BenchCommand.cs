using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FastBackprop.Kernels;
using Spectre.Console;

namespace FastBackprop.Cli.Commands;

/// <summary>`fastbackprop bench`: a short throughput run of the design's workloads W1, W3b and W4 and
/// the single-core FMA peak on this CPU, printed as a table and written as JSON and Markdown so that
/// CPUs can be compared (`--compare a.json b.json`).</summary>
internal static partial class BenchCommand
{
    public static string[] Examples { get; } =
    [
        "fastbackprop bench                                  # ~20 s; writes bench-<cpu>-<date>.json and .md",
        "fastbackprop bench --seconds 1 --report laptop.json",
        "DOTNET_EnableAVX512=0 fastbackprop bench --report avx2.json   # the same CPU at Vector256",
        "fastbackprop bench --compare zen5.json laptop.json avx2.json",
    ];

    public static Command Build(CliContext context)
    {
        var seconds = new Option<double>("--seconds") { Description = "Measured time per workload (after a short warm-up).", DefaultValueFactory = _ => 3.0 };
        var report = new Option<string?>("--report", "-r") { Description = "JSON report path (the Markdown report goes beside it, .md). Default: bench-<cpu>-<date>.json.", HelpName = "path" };
        var noReport = new Option<bool>("--no-report") { Description = "Do not write the JSON and Markdown reports." };
        var compare = new Option<string[]>("--compare") { Description = "Print two or more JSON reports side by side instead of running.", Arity = new ArgumentArity(2, 16), AllowMultipleArgumentsPerToken = true, HelpName = "reports" };
        seconds.Check(s => s is > 0 and <= 60 ? null : $"--seconds is {s.ToString(CultureInfo.InvariantCulture)}; expected more than 0 and at most 60.");
        var command = new Command("bench", "Measure training throughput (W1 2-4-3-2 online, W3b 784-256-128-10 batch 64, W4 1024^4 batch 256) and the FMA peak on this CPU; write a JSON/Markdown report.")
        {
            seconds,
            report,
            noReport,
            compare,
        };
        command.SetAction(parse => parse.GetValue(compare) is { Length: > 0 } files
            ? Compare(context, files)
            : Execute(context, parse.GetValue(seconds), parse.GetValue(noReport) ? null : parse.GetValue(report) ?? DefaultReportName()));
        return command;
    }

    private sealed record Result(string Id, string Workload, double Value, string Unit, double? Gflops);

    private static int Execute(CliContext context, double seconds, string? reportPath)
    {
        if (reportPath is not null)
        {
            string? folder = Path.GetDirectoryName(Path.GetFullPath(reportPath));
            if (folder is not null && !Directory.Exists(folder)) throw new UserException($"{reportPath}: the folder {folder} does not exist (--report).");
        }
        string cpu = CpuModel();
        if (context.Human) context.Console.MarkupLine($"Benchmarking on [bold]{Markup.Escape(cpu)}[/], {Environment.ProcessorCount} logical cores, vector tier [bold]{VectorTiers.Active}[/], {seconds.ToString(CultureInfo.InvariantCulture)} s per workload");

        var results = new List<Result>();
        void Step(string what, Func<Result> run)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            if (context.Human && context.Interactive)
            {
                context.Console.Status().Start($"{what}...", _ => results.Add(run()));
            }
            else
            {
                results.Add(run());
            }
        }
        (double peak, string peakTier) = (0, "");
        Step("FMA peak probe", () =>
        {
            (peak, peakTier) = (Diagnostics.PeakProbe.MeasureGflops(TimeSpan.FromSeconds(seconds)), Diagnostics.PeakProbe.Tier.ToString());
            return new Result("Peak", $"FMA loop, 12 accumulators, 1 core ({peakTier})", peak, "GFLOP/s", peak);
        });
        Step("W1 2-4-3-2 online", () => W1(seconds));
        Step("W3b 784-256-128-10 batch 64", () => W3b(seconds));
        Step("W4 1024-1024-1024-1024 batch 256", () => W4(seconds));

        var document = new JsonObject
        {
            ["tool"] = "fastbackprop bench",
            ["version"] = CommandLine.Version,
            ["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
            ["cpu"] = cpu,
            ["logicalCores"] = Environment.ProcessorCount,
            ["os"] = RuntimeInformation.OSDescription,
            ["runtime"] = RuntimeInformation.FrameworkDescription,
            ["vectorTier"] = VectorTiers.Active.ToString(),
            ["vectorTCount"] = VectorTiers.VectorTCount,
            ["secondsPerWorkload"] = seconds,
            ["results"] = new JsonArray([.. results.Select(r => (JsonNode)new JsonObject
            {
                ["id"] = r.Id,
                ["workload"] = r.Workload,
                ["value"] = Json.Number(r.Value),
                ["unit"] = r.Unit,
                ["gflops"] = Json.Number(r.Gflops),
                ["percentOfPeak"] = Json.Number(r.Gflops is double g && peak > 0 && r.Id != "Peak" ? 100 * g / peak : null),
            })]),
        };

        string markdown = Markdown(document);
        string? markdownPath = null;
        if (reportPath is not null)
        {
            markdownPath = Path.ChangeExtension(reportPath, ".md");
            File.WriteAllText(reportPath, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
            File.WriteAllText(markdownPath, markdown);
        }
        if (context.Json)
        {
            document["report"] = reportPath is null ? null : Path.GetFullPath(reportPath);
            Json.Write(context, document);
        }
        else if (context.Human)
        {
            var table = new Table().Border(TableBorder.Rounded);
            table.AddColumns("", "workload", "throughput", "unit", "GFLOP/s", "% of peak");
            foreach (Result r in results)
            {
                table.AddRow(r.Id, Markup.Escape(r.Workload), Fmt.I((long)r.Value), r.Unit, r.Gflops is double g ? Fmt.F(g, 1) : "-",
                    r.Gflops is double h && peak > 0 && r.Id != "Peak" ? Fmt.F(100 * h / peak, 1) + "%" : "-");
            }
            foreach (int c in new[] { 2, 4, 5 }) table.Columns[c].RightAligned();
            context.Console.Write(table);
            if (reportPath is not null) context.Console.MarkupLine($"report: [green]{Markup.Escape(reportPath)}[/] and [green]{Markup.Escape(markdownPath!)}[/]");
        }
        return 0;
    }

    // ----- workloads -------------------------------------------------------------------------------

    /// <summary>Runs <paramref name="step"/> for a short warm-up, then for <paramref name="seconds"/>; returns steps per second.</summary>
    private static double StepsPerSecond(double seconds, Action step)
    {
        var clock = Stopwatch.StartNew();
        int warm = 0;
        while (warm < 3 || clock.Elapsed.TotalSeconds < Math.Min(0.3, seconds / 4)) { step(); warm++; }
        clock.Restart();
        long steps = 0;
        while (steps == 0 || clock.Elapsed.TotalSeconds < seconds) { step(); steps++; }
        return steps / clock.Elapsed.TotalSeconds;
    }

    private static long Weights(Network network)
    {
        long total = 0;
        for (int l = 0; l < network.Definition.LayerCount; l++) total += network.Definition.GetLayout(l).WeightCount;
        return total;
    }

    private static Result W1(double seconds)
    {
        var network = new Network(2, Loss.HalfSquaredError,
            new Dense(4, TransferFunction.Logistic), new Dense(3, TransferFunction.Logistic), new Dense(2, TransferFunction.Logistic));
        network.InitializeWeights(1);
        const int patterns = 1024;
        var random = new SeededRandom(11);
        var x = new float[patterns * 2];
        var t = new float[patterns * 2];
        for (int i = 0; i < x.Length; i++) x[i] = random.NextSymmetric(1f);
        for (int i = 0; i < t.Length; i++) t[i] = 0.1f + 0.8f * random.NextSingle();
        Workspace workspace = network.CreateWorkspace();
        double epochs = StepsPerSecond(seconds, () =>
        {
            for (int p = 0; p < patterns; p++) network.TrainStep(x.AsSpan(p * 2, 2), t.AsSpan(p * 2, 2), 0.5f, workspace);
        });
        return new Result("W1", "2-4-3-2 logistic, online SGD eta 0.5", epochs * patterns, "presentations/s", 6.0 * Weights(network) * patterns * epochs / 1e9);
    }

    private static Result W3b(double seconds)
    {
        var network = new Network(784, Loss.CrossEntropy,
            new Dense(256, TransferFunction.Relu), new Dense(128, TransferFunction.Relu), new Dense(10, TransferFunction.Softmax));
        return Batched("W3b", "784-256-128-10 ReLU, softmax CE, batch 64, SGD 0.01", network, 64, 0.01f, oneHot: true, seconds);
    }

    private static Result W4(double seconds)
    {
        var network = new Network(1024, Loss.HalfSquaredError,
            new Dense(1024, TransferFunction.Relu), new Dense(1024, TransferFunction.Relu), new Dense(1024, TransferFunction.Identity));
        return Batched("W4", "1024-1024-1024-1024 ReLU, linear out, HSE, batch 256", network, 256, 1e-5f, oneHot: false, seconds);
    }

    private static Result Batched(string id, string name, Network network, int batch, float rate, bool oneHot, double seconds)
    {
        network.InitializeWeights(2);
        int inputs = network.Definition.InputWidth, outputs = network.Definition.OutputWidth;
        var random = new SeededRandom(13);
        var x = new float[batch * inputs];
        var t = new float[batch * outputs];
        for (int i = 0; i < x.Length; i++) x[i] = random.NextSingle();
        for (int p = 0; p < batch; p++)
        {
            if (oneHot) t[p * outputs + random.NextInt32(outputs)] = 1f;
            else for (int k = 0; k < outputs; k++) t[p * outputs + k] = random.NextSymmetric(1f);
        }
        BatchWorkspace workspace = network.CreateBatchWorkspace(batch);
        double steps = StepsPerSecond(seconds, () => network.TrainBatch(x, t, rate, workspace));
        return new Result(id, name, steps * batch, "samples/s", 6.0 * Weights(network) * batch * steps / 1e9);
    }

    // ----- reports ---------------------------------------------------------------------------------

    private static string CpuModel()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                foreach (string line in File.ReadLines("/proc/cpuinfo"))
                {
                    if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':', StringComparison.Ordinal) is int colon and >= 0)
                    {
                        return Spaces().Replace(line[(colon + 1)..].Trim(), " ");
                    }
                }
            }
        }
        catch (IOException)
        {
            // fall through to the architecture
        }
        return $"{RuntimeInformation.ProcessArchitecture} CPU";
    }

    private static string DefaultReportName()
    {
        string slug = NotWord().Replace(CpuModel(), "-").Trim('-');
        return $"bench-{slug}-{DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}.json";
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex(@"[^A-Za-z0-9]+")]
    private static partial Regex NotWord();

    private static string Markdown(JsonObject document)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# fastbackprop bench: {document["cpu"]}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"{document["date"]}, {document["logicalCores"]} logical cores, vector tier {document["vectorTier"]}, {document["runtime"]}, {document["os"]}, {document["secondsPerWorkload"]} s per workload.");
        md.AppendLine();
        md.AppendLine("| | workload | throughput | unit | GFLOP/s | % of peak |");
        md.AppendLine("|---|---|---:|---|---:|---:|");
        foreach (JsonNode? r in document["results"]!.AsArray())
        {
            double value = r!["value"]!.GetValue<double>();
            string gflops = r["gflops"] is JsonNode g ? Fmt.F(g.GetValue<double>(), 1) : "-";
            string percent = r["percentOfPeak"] is JsonNode p ? Fmt.F(p.GetValue<double>(), 1) + "%" : "-";
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r["id"]} | {r["workload"]} | {Fmt.I((long)value)} | {r["unit"]} | {gflops} | {percent} |");
        }
        md.AppendLine();
        md.AppendLine("GFLOP/s counts 6 x weights x patterns per second (forward, backward and gradient products); the peak is one core's FMA loop at the widest accelerated vector width.");
        return md.ToString();
    }

    private static int Compare(CliContext context, string[] files)
    {
        var reports = new List<(string Name, JsonNode Root)>();
        foreach (string file in files)
        {
            if (!File.Exists(file)) throw new UserException($"{file}: no such report (--compare).");
            JsonNode? root;
            try
            {
                root = JsonNode.Parse(File.ReadAllText(file));
            }
            catch (JsonException e)
            {
                throw new UserException($"{Path.GetFileName(file)}: not a JSON bench report ({e.Message}).", e);
            }
            if (root?["results"] is not JsonArray || root["tool"]?.GetValue<string>() != "fastbackprop bench")
            {
                throw new UserException($"{Path.GetFileName(file)}: not a fastbackprop bench report (no \"tool\": \"fastbackprop bench\" and \"results\").");
            }
            reports.Add((Path.GetFileName(file), root));
        }

        var ids = new List<string>();
        foreach ((_, JsonNode root) in reports)
        {
            foreach (JsonNode? r in root["results"]!.AsArray())
            {
                string id = r?["id"]?.GetValue<string>() ?? "?";
                if (!ids.Contains(id)) ids.Add(id);
            }
        }
        double? Value(JsonNode root, string id, string field) =>
            root["results"]!.AsArray().FirstOrDefault(r => r?["id"]?.GetValue<string>() == id)?[field] is JsonNode v ? v.GetValue<double>() : null;

        if (context.Json)
        {
            var rows = new JsonArray();
            foreach (string id in ids)
            {
                var values = new JsonArray();
                foreach ((string name, JsonNode root) in reports) values.Add(new JsonObject { ["report"] = name, ["value"] = Json.Number(Value(root, id, "value")), ["gflops"] = Json.Number(Value(root, id, "gflops")) });
                rows.Add(new JsonObject { ["id"] = id, ["values"] = values });
            }
            Json.Write(context, new JsonObject { ["command"] = "bench --compare", ["reports"] = new JsonArray([.. reports.Select(r => (JsonNode)JsonValue.Create(r.Name))]), ["rows"] = rows });
            return 0;
        }
        if (!context.Human) return 0;

        var table = new Table().Border(TableBorder.Rounded).Title("throughput (GFLOP/s), ratio to the first report");
        table.AddColumn("");
        foreach ((string name, JsonNode root) in reports)
        {
            table.AddColumn(new TableColumn($"[bold]{Markup.Escape(name)}[/]\n{Markup.Escape(root["cpu"]?.GetValue<string>() ?? "?")}\n{Markup.Escape(root["vectorTier"]?.GetValue<string>() ?? "?")}").RightAligned());
        }
        foreach (string id in ids)
        {
            var cells = new List<string> { id };
            double? first = Value(reports[0].Root, id, "value");
            foreach ((_, JsonNode root) in reports)
            {
                double? value = Value(root, id, "value"), gflops = Value(root, id, "gflops");
                string unit = root["results"]!.AsArray().FirstOrDefault(r => r?["id"]?.GetValue<string>() == id)?["unit"]?.GetValue<string>() ?? "";
                cells.Add(value is double v
                    ? $"{Fmt.I((long)v)} {Markup.Escape(unit)}" + (gflops is double g ? $" ({Fmt.F(g, 1)})" : "") + (first is double f && f > 0 ? $"\nx{Fmt.F(v / f, 2)}" : "")
                    : "-");
            }
            table.AddRow([.. cells]);
        }
        context.Console.Write(table);
        return 0;
    }
}
