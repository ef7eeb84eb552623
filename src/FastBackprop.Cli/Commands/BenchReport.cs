using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FastBackprop.Kernels;
using Spectre.Console;

namespace FastBackprop.Cli.Commands;

/// <summary>One measured figure of a bench run: a workload's throughput and, where it has a flop count, its GFLOP/s.</summary>
internal sealed record BenchResult(string Id, string Workload, double Value, string Unit, double? Gflops);

/// <summary>A `fastbackprop bench` report: the machine, the results, and the JSON and Markdown forms that
/// `bench` writes and `bench --compare` reads back. Reading checks every field it uses, so a damaged or
/// foreign file is one line naming the file and the field, never an internal error.</summary>
internal sealed class BenchReport
{
    private const string Tool = "fastbackprop bench";

    // A real report is a few kilobytes; anything this large is not one, and is not read into memory.
    private const long MaxBytes = 1 << 20;

    private BenchReport(string name, JsonObject root, IReadOnlyList<BenchResult> results)
    {
        Name = name;
        Root = root;
        Results = results;
    }

    /// <summary>The file name, or "this run".</summary>
    public string Name { get; }

    /// <summary>The JSON document.</summary>
    public JsonObject Root { get; }

    public IReadOnlyList<BenchResult> Results { get; }

    public string Cpu => Root["cpu"] is JsonValue v && v.TryGetValue(out string? cpu) ? cpu : "?";

    public string VectorTier => Root["vectorTier"] is JsonValue v && v.TryGetValue(out string? tier) ? tier : "?";

    /// <summary>The determinism fingerprint of the run (DeterminismFingerprint), or null in a report without one.</summary>
    public string? Fingerprint => Root["fingerprint"] is JsonValue v && v.TryGetValue(out string? fingerprint) ? fingerprint : null;

    /// <summary>The one-thread peak probe's GFLOP/s in this report, or 0 without one.</summary>
    public double Peak => Find("Peak")?.Gflops ?? 0;

    /// <summary>The id of <paramref name="id"/>'s figure on <paramref name="threads"/> threads, e.g. "W4 2t".</summary>
    public static string ThreadedId(string id, int threads) => Fmt.Inv($"{id} {threads}t");

    // The thread count in an id made by ThreadedId, else 1.
    private static int Threads(string id, out string baseId)
    {
        int space = id.LastIndexOf(' ');
        baseId = id;
        if (space < 0 || !id.EndsWith('t') || !int.TryParse(id.AsSpan(space + 1, id.Length - space - 2), NumberStyles.None, CultureInfo.InvariantCulture, out int threads)) return 1;
        baseId = id[..space];
        return threads;
    }

    // The peak probe measured on as many threads as the result ran on.
    private double PeakFor(BenchResult result)
    {
        int threads = Threads(result.Id, out _);
        return (threads == 1 ? Find("Peak") : Find(ThreadedId("Peak", threads)))?.Gflops ?? 0;
    }

    public BenchResult? Find(string id)
    {
        foreach (BenchResult r in Results)
        {
            if (r.Id == id) return r;
        }
        return null;
    }

    /// <summary>GFLOP/s as a percentage of the report's own peak, for every result but the peak itself.</summary>
    public double? PercentOfPeak(BenchResult result) =>
        result.Gflops is double g && PeakFor(result) is > 0 and double peak && !result.Id.StartsWith("Peak", StringComparison.Ordinal) ? 100 * g / peak : null;

    /// <summary>How each figure on several threads compares with one thread: its speed-up, and that speed-up as a share
    /// of the peak probe's own (the ideal for work that is all multiply-adds on this machine's cores).</summary>
    public IEnumerable<string> ScalingLines()
    {
        foreach (BenchResult r in Results)
        {
            int threads = Threads(r.Id, out string baseId);
            if (threads == 1 || baseId == "Peak" || Find(baseId) is not BenchResult one || one.Value <= 0) continue;
            double speedup = r.Value / one.Value;
            double? peakSpeedup = Find("Peak") is BenchResult p1 && Find(ThreadedId("Peak", threads)) is BenchResult pn && p1.Value > 0 ? pn.Value / p1.Value : null;
            yield return Fmt.Inv($"{baseId}: {threads} threads over 1: x{Fmt.F(speedup, 2)}")
                + (peakSpeedup is double ps ? Fmt.Inv($", {Fmt.F(100 * speedup / ps, 0)}% of the peak probe's x{Fmt.F(ps, 2)}") : "");
        }
    }

    /// <summary>The report of a run on this machine.</summary>
    public static BenchReport Create(string cpu, double secondsPerWorkload, int trialsPerFigure, string fingerprint, IReadOnlyList<BenchResult> results, int? samples = null)
    {
        var root = new JsonObject
        {
            ["tool"] = Tool,
            ["version"] = CommandLine.Version,
            ["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
            ["cpu"] = cpu,
            ["logicalCores"] = Environment.ProcessorCount,
            ["os"] = RuntimeInformation.OSDescription,
            ["runtime"] = RuntimeInformation.FrameworkDescription,
            ["vectorTier"] = VectorTiers.Active.ToString(),
            ["vectorTCount"] = VectorTiers.VectorTCount,
            ["secondsPerWorkload"] = secondsPerWorkload,
            ["trialsPerFigure"] = trialsPerFigure,
            ["fingerprint"] = fingerprint,
            ["samplesPerBatchWorkload"] = samples,
        };
        var report = new BenchReport("this run", root, results);
        root["results"] = new JsonArray([.. results.Select(r => (JsonNode)new JsonObject
        {
            ["id"] = r.Id,
            ["workload"] = r.Workload,
            ["value"] = Json.Number(r.Value),
            ["unit"] = r.Unit,
            ["gflops"] = Json.Number(r.Gflops),
            ["percentOfPeak"] = Json.Number(report.PercentOfPeak(r)),
        })]);
        root["scaling"] = new JsonArray([.. report.ScalingLines().Select(line => (JsonNode)JsonValue.Create(line))]);
        return report;
    }

    /// <summary>Reads a report written by `bench`; a missing, unreadable or malformed file is a <see cref="UserException"/>
    /// naming the file (and the field) and what is wrong.</summary>
    public static BenchReport Read(string path)
    {
        string name = Path.GetFileName(path);
        InputFiles.CheckExists(path, "--compare", "a JSON bench report", "report");
        if (new FileInfo(path).Length > MaxBytes) throw new UserException($"{path}: {new FileInfo(path).Length:N0} bytes is too large for a bench report (--compare).");
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new UserException($"{name}: not a JSON bench report ({e.Message}).", e);
        }
        if (node is not JsonObject root || !(root["tool"] is JsonValue tool && tool.TryGetValue(out string? toolName) && toolName == Tool)
            || root["results"] is not JsonArray array)
        {
            throw new UserException($"{name}: not a fastbackprop bench report (no \"tool\": \"{Tool}\" and \"results\").");
        }
        var results = new List<BenchResult>(array.Count);
        for (int i = 0; i < array.Count; i++)
        {
            if (array[i] is not JsonObject r) throw new UserException($"{name}: results[{i}] is not an object.");
            string id = Text(r, "id", name, i);
            results.Add(new BenchResult(id, Text(r, "workload", name, i), Number(r, "value", name, i) ?? throw Missing(name, i, "value", "a number"),
                Text(r, "unit", name, i), Number(r, "gflops", name, i)));
        }
        return new BenchReport(name, root, results);
    }

    /// <summary>Checks up front that the JSON report and the Markdown report beside it can be written, so
    /// that a bad --report fails before the run instead of after it.</summary>
    public static void CheckWritable(string reportPath)
    {
        if (Path.GetExtension(reportPath).Equals(".md", StringComparison.OrdinalIgnoreCase))
        {
            throw new UserException($"{reportPath}: --report names the JSON report; the Markdown report goes beside it with the extension .md.");
        }
        foreach (string path in new[] { reportPath, MarkdownPath(reportPath) })
        {
            if (Directory.Exists(path)) throw new UserException($"{path}: is a folder; expected a report file (--report).");
        }
        string folder = Path.GetDirectoryName(Path.GetFullPath(reportPath)) ?? ".";
        if (!Directory.Exists(folder)) throw new UserException($"{reportPath}: the folder {folder} does not exist (--report).");
        string probe = Path.Combine(folder, $".fastbackprop-bench.{Environment.ProcessId}.{Guid.NewGuid():N}.probe");
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The reason without the probe's name: the user knows the folder, not our temporary file.
            string reason = e switch
            {
                UnauthorizedAccessException => "permission denied",
                FileNotFoundException or DirectoryNotFoundException => "it does not take new files",
                _ => e.Message.Replace(probe, folder, StringComparison.Ordinal),
            };
            throw new UserException($"{reportPath}: cannot write a report in {folder} ({reason}; --report).", e);
        }
    }

    /// <summary>Writes the JSON report to <paramref name="path"/> and the Markdown report beside it; returns the Markdown path.</summary>
    public string Write(string path)
    {
        // Atomically, as every output of the tool: a crash or a full disk leaves the old report or the new one.
        string markdownPath = MarkdownPath(path);
        OutputFiles.WriteText(path, "--report", Root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        OutputFiles.WriteText(markdownPath, "--report", Markdown());
        return markdownPath;
    }

    public static string MarkdownPath(string reportPath) => Path.ChangeExtension(reportPath, ".md");

    /// <summary>The results as a table: throughput, GFLOP/s and the share of this report's peak.</summary>
    public Table Table()
    {
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumns("", "workload", "throughput", "unit", "GFLOP/s", "% of peak");
        foreach (BenchResult r in Results)
        {
            table.AddRow(r.Id, Markup.Escape(r.Workload), Fmt.I((long)r.Value), r.Unit, r.Gflops is double g ? Fmt.F(g, 1) : "-",
                PercentOfPeak(r) is double p ? Fmt.F(p, 1) + "%" : "-");
        }
        foreach (int c in new[] { 2, 4, 5 }) table.Columns[c].RightAligned();
        return table;
    }

    private string Markdown()
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# fastbackprop bench: {Root["cpu"]}");
        md.AppendLine();
        string trials = Root["trialsPerFigure"] is JsonNode count ? Fmt.Inv($" in {count} trials, each figure its best trial") : "";
        md.AppendLine(CultureInfo.InvariantCulture, $"{Root["date"]}, {Root["logicalCores"]} logical cores, vector tier {Root["vectorTier"]}, {Root["runtime"]}, {Root["os"]}, {Root["secondsPerWorkload"]} s per workload{trials}.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Determinism fingerprint: `{Fingerprint}` (the same on every machine and vector tier).");
        md.AppendLine();
        md.AppendLine("| | workload | throughput | unit | GFLOP/s | % of peak |");
        md.AppendLine("|---|---|---:|---|---:|---:|");
        foreach (BenchResult r in Results)
        {
            string gflops = r.Gflops is double g ? Fmt.F(g, 1) : "-";
            string percent = PercentOfPeak(r) is double p ? Fmt.F(p, 1) + "%" : "-";
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Id} | {r.Workload} | {Fmt.I((long)r.Value)} | {r.Unit} | {gflops} | {percent} |");
        }
        md.AppendLine();
        foreach (string line in ScalingLines()) md.AppendLine(CultureInfo.InvariantCulture, $"- {line}");
        md.AppendLine();
        md.AppendLine("GFLOP/s counts the multiply-adds a step executes: 6 x weights x patterns per second (forward, backward and gradient products), less 2 x the first layer's weights per pattern (no gradient flows below it). % of peak divides by the FMA loop at the widest accelerated vector width on as many threads as the figure used.");
        return md.ToString();
    }

    private static string Text(JsonObject result, string field, string file, int index) =>
        result[field] is JsonValue v && v.TryGetValue(out string? text) ? text : throw Missing(file, index, field, "a string");

    private static double? Number(JsonObject result, string field, string file, int index) => result[field] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out double number) => number,
        _ => throw Missing(file, index, field, "a number"),
    };

    private static UserException Missing(string file, int index, string field, string what) =>
        new($"{file}: results[{index}].{field} is missing or not {what}.");
}
