using System.Text.Json;
using FastBackprop.Cli.Tests.Support;

namespace FastBackprop.Cli.Tests;

/// <summary>bench: a very short run writes a JSON and a Markdown report; --compare reads them back.</summary>
public sealed class BenchTests
{
    [Fact]
    public void Bench_ShortRun_WritesReportsThatCompare()
    {
        string folder = CliRunner.TempFolder();
        string report = Path.Combine(folder, "this-cpu.json");
        CliResult run = CliRunner.Run("bench", "--seconds", "0.02", "--report", report);
        Assert.True(run.ExitCode == 0, run.ToString());
        foreach (string id in new[] { "Peak", "W1", "W3b", "W4" }) Assert.Contains(id, run.Output, StringComparison.Ordinal);

        using (JsonDocument document = JsonDocument.Parse(File.ReadAllText(report)))
        {
            JsonElement root = document.RootElement;
            Assert.Equal("fastbackprop bench", root.GetProperty("tool").GetString());
            Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("cpu").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("vectorTier").GetString()));
            JsonElement results = root.GetProperty("results");
            Assert.Equal(4, results.GetArrayLength());
            Assert.All(results.EnumerateArray(), r => Assert.True(r.GetProperty("value").GetDouble() > 0));
        }
        string markdown = File.ReadAllText(Path.ChangeExtension(report, ".md"));
        Assert.Contains("| W4 |", markdown, StringComparison.Ordinal);

        string second = Path.Combine(folder, "other.json");
        File.Copy(report, second);
        CliResult compare = CliRunner.Run("bench", "--compare", report, second);
        Assert.True(compare.ExitCode == 0, compare.ToString());
        Assert.Contains("x1.00", compare.Output, StringComparison.Ordinal);

        CliResult json = CliRunner.Run("bench", "--compare", report, second, "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        using JsonDocument parsed = JsonDocument.Parse(json.Output);
        Assert.Equal(4, parsed.RootElement.GetProperty("rows").GetArrayLength());

        CliResult bad = CliRunner.Run("bench", "--compare", report, Path.Combine(folder, "missing.json"));
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("missing.json", bad.Error, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(folder, "not.json"), "{ \"hello\": 1 }");
        CliResult wrong = CliRunner.Run("bench", "--compare", report, Path.Combine(folder, "not.json"));
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("not.json", wrong.Error, StringComparison.Ordinal);
    }
}
