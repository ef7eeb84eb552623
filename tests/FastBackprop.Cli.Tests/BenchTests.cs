using System.Text.Json;
using FastBackprop.Cli.Tests.Support;
using FastBackprop.Diagnostics;

namespace FastBackprop.Cli.Tests;

/// <summary>bench: a very short run writes a JSON and a Markdown report of the shared workloads; --compare
/// reads them back; every mistake with the options or the report files is one line and exit code 1.</summary>
public sealed class BenchTests
{
    private const string GoodReport = """
        { "tool": "fastbackprop bench", "cpu": "test CPU", "vectorTier": "Vector512",
          "results": [ { "id": "W1", "workload": "w", "value": 1000, "unit": "presentations/s", "gflops": 0.1 } ] }
        """;

    private static readonly Lazy<string> Folder = new(CreateFiles);

    private static string CreateFiles()
    {
        string folder = CliRunner.TempFolder();
        void Write(string name, string text) => File.WriteAllText(Path.Combine(folder, name), text);
        Write("good.json", GoodReport);
        Write("corrupt.json", "{ \"tool\": \"fastbackprop bench\", \"results\": [ { \"id\": ");
        Write("foreign.json", "{ \"hello\": 1 }");
        Write("array.json", "[ 1, 2 ]");
        Write("tool-number.json", "{ \"tool\": 5, \"results\": [] }");
        Write("result-number.json", "{ \"tool\": \"fastbackprop bench\", \"results\": [ 3 ] }");
        Write("value-text.json", GoodReport.Replace("\"value\": 1000", "\"value\": \"fast\"", StringComparison.Ordinal));
        Write("no-id.json", GoodReport.Replace("\"id\": \"W1\", ", "", StringComparison.Ordinal));
        Write("gflops-text.json", GoodReport.Replace("\"gflops\": 0.1", "\"gflops\": [1]", StringComparison.Ordinal));
        using (FileStream large = File.Create(Path.Combine(folder, "large.json"))) large.SetLength(2 << 20);
        Directory.CreateDirectory(Path.Combine(folder, "folder.json"));
        Directory.CreateDirectory(Path.Combine(folder, "blocked.md"));
        return folder;
    }

    private static string F(string name) => Path.Combine(Folder.Value, name);

    public static TheoryData<string[], string> UserErrors()
    {
        var cases = new TheoryData<string[], string>
        {
            // --compare
            { ["bench", "--compare", "{good.json}"], "--compare needs two or more reports to set side by side; got one." },
            { ["bench", "--compare"], "--compare needs two or more reports to set side by side; got none." },
            { ["bench", "--compare", .. Enumerable.Repeat("{good.json}", 17)], "--compare takes at most 16 reports; got 17." },
            { ["bench", "--compare", "{good.json}", "{missing.json}"], "missing.json: no such report (--compare)." },
            { ["bench", "--compare", "{good.json}", "{folder.json}"], "folder.json: is a folder" },
            { ["bench", "--compare", "{good.json}", "{corrupt.json}"], "corrupt.json: not a JSON bench report" },
            { ["bench", "--compare", "{foreign.json}", "{good.json}"], "foreign.json: not a fastbackprop bench report" },
            { ["bench", "--compare", "{good.json}", "{array.json}"], "array.json: not a fastbackprop bench report" },
            { ["bench", "--compare", "{good.json}", "{tool-number.json}"], "tool-number.json: not a fastbackprop bench report" },
            { ["bench", "--compare", "{good.json}", "{result-number.json}"], "result-number.json: results[0] is not an object." },
            { ["bench", "--compare", "{good.json}", "{value-text.json}"], "value-text.json: results[0].value is missing or not a number." },
            { ["bench", "--compare", "{good.json}", "{no-id.json}"], "no-id.json: results[0].id is missing or not a string." },
            { ["bench", "--compare", "{good.json}", "{gflops-text.json}"], "gflops-text.json: results[0].gflops is missing or not a number." },
            { ["bench", "--compare", "{good.json}", "{large.json}"], "too large for a bench report" },
            // --report: checked before the run
            { ["bench", "--report", "{missing-folder}/b.json"], "does not exist (--report)." },
            { ["bench", "--report", "{good.json}/b.json"], "does not exist (--report)." },
            { ["bench", "--report", "{folder.json}"], "folder.json: is a folder; expected a report file (--report)." },
            { ["bench", "--report", "{blocked.json}"], "blocked.md: is a folder; expected a report file (--report)." },
            { ["bench", "--report", "{report.md}"], "--report names the JSON report" },
            // --seconds
            { ["bench", "--seconds", "0"], "--seconds is 0; expected a duration from 0.01 to 60 seconds." },
            { ["bench", "--seconds", "-1"], "--seconds is -1;" },
            { ["bench", "--seconds", "61"], "--seconds is 61;" },
            { ["bench", "--seconds", "NaN"], "--seconds is NaN;" },
            { ["bench", "--seconds", "1e-9"], "--seconds is 1E-09;" },
            { ["bench", "--seconds", "abc"], "--seconds" },
            { ["bench", "--threads", "0"], "--threads is 0; expected 1 to 256." },
            { ["bench", "--threads", "257"], "--threads is 257; expected 1 to 256." },
            { ["bench", "--samples", "100"], "--samples is 100; expected 1,024 to 100,000." },
            { ["bench", "--samples", "100001"], "--samples is 100001; expected 1,024 to 100,000." },
        };
        // A folder where even root cannot create a file (Linux).
        if (Directory.Exists("/proc/self")) cases.Add(["bench", "--report", "/proc/b.json"], "/proc/b.json: cannot write a report in /proc");
        return cases;
    }

    [Theory]
    [MemberData(nameof(UserErrors))]
    public void Bench_UserError_ExitsOneWithOneLine_BeforeRunning(string[] args, string expected)
    {
        string[] resolved = [.. args.Select(a => a.StartsWith('{') ? F(a[1..a.IndexOf('}', StringComparison.Ordinal)]) + a[(a.IndexOf('}', StringComparison.Ordinal) + 1)..] : a)];
        CliResult result = CliRunner.Run(resolved);
        UserErrorAssert.OneLine(result, expected);
        Assert.DoesNotContain("Benchmarking", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_ShortRun_MeasuresTheSharedWorkloads_AndWritesReportsThatCompare()
    {
        string folder = CliRunner.TempFolder();
        string report = Path.Combine(folder, "this-cpu.json");
        CliResult run = CliRunner.Run("bench", "--seconds", "0.02", "--threads", "2", "--report", report);
        Assert.True(run.ExitCode == 0, run.ToString());
        foreach (string id in new[] { "Peak", "Peak 2t", "W1", "W3b", "W3b 2t", "W3b256", "W3b256 2t", "W4", "W4 2t" }) Assert.Contains(id, run.Output, StringComparison.Ordinal);
        Assert.Contains("W4: 2 threads over 1: x", run.Output, StringComparison.Ordinal);

        using (JsonDocument document = JsonDocument.Parse(File.ReadAllText(report)))
        {
            JsonElement root = document.RootElement;
            Assert.Equal("fastbackprop bench", root.GetProperty("tool").GetString());
            Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("cpu").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("vectorTier").GetString()));
            JsonElement results = root.GetProperty("results");
            Assert.Equal(9, results.GetArrayLength());
            Assert.Equal(3, root.GetProperty("scaling").GetArrayLength());
            Assert.All(results.EnumerateArray(), r => Assert.True(r.GetProperty("value").GetDouble() > 0));
            // The CLI measures the library's definitions: their description and the flops a step executes.
            foreach ((string id, Workload workload) in new[] { ("W1", Workload.W1), ("W3b", Workload.W3b), ("W3b256", Workload.W3b.With(256, 1024)), ("W4", Workload.W4) })
            {
                JsonElement r = results.EnumerateArray().Single(e => e.GetProperty("id").GetString() == id);
                Assert.Equal(workload.Description, r.GetProperty("workload").GetString());
                double flopsPerPattern = r.GetProperty("gflops").GetDouble() * 1e9 / r.GetProperty("value").GetDouble();
                Assert.Equal(workload.ExecutedFlopsPerPattern, flopsPerPattern, workload.ExecutedFlopsPerPattern * 1e-9);
            }
        }
        string markdown = File.ReadAllText(Path.ChangeExtension(report, ".md"));
        Assert.Contains("| W4 |", markdown, StringComparison.Ordinal);
        Assert.Contains(Workload.W4.Description, markdown, StringComparison.Ordinal);

        string second = Path.Combine(folder, "other.json");
        File.Copy(report, second);
        CliResult compare = CliRunner.Run("bench", "--compare", report, second);
        Assert.True(compare.ExitCode == 0, compare.ToString());
        Assert.Contains("x1.00", compare.Output, StringComparison.Ordinal);

        CliResult json = CliRunner.Run("bench", "--compare", report, second, "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        using JsonDocument parsed = JsonDocument.Parse(json.Output);
        Assert.Equal(9, parsed.RootElement.GetProperty("rows").GetArrayLength());
    }

    [Fact]
    public void Bench_Compare_ReadsAReportWithoutOptionalFields()
    {
        CliResult compare = CliRunner.Run("bench", "--compare", F("good.json"), F("good.json"), "--json");
        Assert.True(compare.ExitCode == 0, compare.ToString());
        using JsonDocument parsed = JsonDocument.Parse(compare.Output);
        JsonElement row = parsed.RootElement.GetProperty("rows")[0];
        Assert.Equal("W1", row.GetProperty("id").GetString());
        Assert.Equal(1000, row.GetProperty("values")[1].GetProperty("value").GetDouble());
    }
}
