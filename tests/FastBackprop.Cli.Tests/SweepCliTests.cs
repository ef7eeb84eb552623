using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FastBackprop.Cli.Tests.Support;
using FastBackprop.IO;

namespace FastBackprop.Cli.Tests;

/// <summary>`fastbackprop sweep` and `sweep merge`: the default sweep, a configuration equal to train's run, sharded
/// processes merged into the unsharded results, random search, --out, and the user errors of both.</summary>
public sealed partial class SweepCliTests
{
    // A small sweep: 2 rates x 2 widths x 2 seeds, 3 epochs each.
    private static readonly string[] Small = ["sweep", "--learning-rates", "0.003,0.01", "--widths", "8,16", "--seeds", "1,2", "--epochs", "3"];

    [Fact]
    public void DefaultSweep_PrintsTheTableAndBestAndDrawsThePng()
    {
        string folder = CliRunner.TempFolder();
        string plot = Path.Combine(folder, "s.png");
        CliResult result = CliRunner.Run("sweep", "--plot", plot);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("grid of 6 configurations, 1 seed each", result.Output, StringComparison.Ordinal);
        Assert.Equal(6, Row().Matches(result.Output).Count);
        Assert.Matches(@"(?m)^best: #\d \(learning rate 0\.0\d+, width (16|32), depth 1, adam, weight decay 0\): validation accuracy \d+\.\d\d%$", result.Output);
        Assert.Equal(6, Regex.Matches(result.Error, @"(?m)^\[\d/6\] #\d ").Count);   // one progress line per configuration
        Png.AssertValid(plot, 900, 540);
    }

    [Fact]
    public void Configuration_HasTheFiguresOfTrainWithTheSameOptions()
    {
        string folder = CliRunner.TempFolder();
        CliResult train = CliRunner.Run("train", "--layers", "64,12,10", "--optimizer", "momentum", "--lr", "0.03", "--weight-decay", "0.001", "--seed", "4", "--epochs", "5",
            "--out", Path.Combine(folder, "m.fbp"), "--no-plot", "--json");
        CliResult sweep = CliRunner.Run("sweep", "--learning-rates", "0.03", "--widths", "12", "--optimizers", "momentum", "--weight-decays", "0.001", "--seeds", "4", "--epochs", "5", "--no-plot", "--json");
        Assert.True(train.ExitCode == 0, train.ToString());
        Assert.True(sweep.ExitCode == 0, sweep.ToString());
        JsonNode t = JsonNode.Parse(train.Output)!, run = JsonNode.Parse(sweep.Output)!["results"]![0]!["runs"]![0]!;
        int best = t["bestEpoch"]!.GetValue<int>();
        Assert.Equal(best, run["scoredEpoch"]!.GetValue<int>());
        // The numbers as written (shortest round trip): equal text is equal bits.
        Assert.Equal(t["epochs"]![best - 1]!["validationLoss"]!.ToJsonString(), run["validationLoss"]!.ToJsonString());
        Assert.Equal(t["epochs"]![best - 1]!["validationAccuracy"]!.ToJsonString(), run["validationAccuracy"]!.ToJsonString());
    }

    [Fact]
    public void ShardsInSeparateProcesses_MergeIntoTheUnshardedRun()
    {
        string folder = CliRunner.TempFolder();
        const int N = 3;
        var processes = new List<Process>();
        for (int i = 0; i < N; i++) processes.Add(StartCli([.. Small, "--shard", $"{i}/{N}", "--results", Path.Combine(folder, $"s{i}.json"), "-q"]));
        CliResult whole = CliRunner.Run([.. Small, "--results", Path.Combine(folder, "whole.json"), "--no-plot"], null, TestContext.Current.CancellationToken, null);
        foreach (Process p in processes)
        {
            Assert.True(p.WaitForExit(TimeSpan.FromMinutes(3)), "a shard did not finish");
            Assert.True(p.ExitCode == 0, p.StandardError.ReadToEnd());
            p.Dispose();
        }
        Assert.True(whole.ExitCode == 0, whole.ToString());
        CliResult merged = CliRunner.Run("sweep", "merge", Path.Combine(folder, "s2.json"), Path.Combine(folder, "s0.json"), Path.Combine(folder, "s1.json"),
            "--results", Path.Combine(folder, "merged.json"), "--plot", Path.Combine(folder, "merged.png"));
        Assert.True(merged.ExitCode == 0, merged.ToString());

        Assert.Equal(WithoutSeconds(whole.Output.Split('\n', 2)[1]), WithoutSeconds(merged.Output.Split("plot:")[0]));   // the table after the heading line
        JsonObject a = WithoutSeconds(JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "whole.json")))!.AsObject());
        JsonObject b = WithoutSeconds(JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "merged.json")))!.AsObject());
        Assert.True(JsonNode.DeepEquals(a, b), $"{a}\n---\n{b}");
        Png.AssertValid(Path.Combine(folder, "merged.png"), 900, 540);
    }

    [Fact]
    public void RandomSearch_SameSeedSameConfigurations()
    {
        string[] args = ["sweep", "--learning-rates", "0.001,0.003,0.01,0.03", "--widths", "4,8,12", "--depths", "0,1", "--epochs", "1", "--no-plot", "--json", "--random", "4"];
        int[] First(string seed)
        {
            CliResult r = CliRunner.Run([.. args, "--seed", seed]);
            Assert.True(r.ExitCode == 0, r.ToString());
            return [.. JsonNode.Parse(r.Output)!["results"]!.AsArray().Select(c => c!["gridIndex"]!.GetValue<int>())];
        }
        int[] once = First("5");
        Assert.Equal(4, once.Distinct().Count());
        Assert.Equal(once, First("5"));
        Assert.NotEqual(once, First("6"));
    }

    [Fact]
    public void Out_SavesTheBestConfigurationRetrainedOnAllTheData()
    {
        string folder = CliRunner.TempFolder();
        string model = Path.Combine(folder, "best.fbp");
        CliResult result = CliRunner.Run("sweep", "--learning-rates", "0.003,0.01", "--widths", "8", "--epochs", "2", "--out", model, "--no-plot");
        Assert.True(result.ExitCode == 0, result.ToString());
        Model saved = ModelFile.Load(model);
        Assert.StartsWith("#", saved.Metadata["sweep-configuration"], StringComparison.Ordinal);
        Assert.Equal(64 * 8 + 8 + 8 * 10 + 10, saved.Network.Definition.ParameterCount);
        Assert.Equal("2", saved.Metadata["epochs-run"]);
        CliResult eval = CliRunner.Run("eval", "--model", model, "--no-plot");
        Assert.True(eval.ExitCode == 0, eval.ToString());
    }

    public static TheoryData<string[], string> OptionErrors() => new()
    {
        { ["sweep", "--learning-rates", "0.1,,0.2"], "--learning-rates '0.1,,0.2': item 2 is empty" },
        { ["sweep", "--learning-rates", "0,0.1"], "--learning-rates '0,0.1': '0' is not a finite number above 0" },
        { ["sweep", "--learning-rates", "0.1,0.1"], "'0.1' is given twice" },
        { ["sweep", "--widths", "0"], "--widths '0': '0' is not a whole number of units, 1 or more" },
        { ["sweep", "--widths", "8.5"], "'8.5' is not a whole number" },
        { ["sweep", "--depths", "17"], "--depths '17': '17' is not a number of hidden layers, 0 to 16" },
        { ["sweep", "--optimizers", "adam,foo"], "--optimizers 'adam,foo': 'foo' is not one of sgd, momentum" },
        { ["sweep", "--weight-decays", "-1"], "--weight-decays '-1': '-1' is not 0 or a finite number above 0" },
        { ["sweep", "--seeds", "x"], "--seeds 'x': 'x' is not a whole number" },
        { ["sweep", "--random", "0"], "--random is 0; expected 1 to 1000000" },
        { ["sweep", "--shard", "3/3"], "--shard '3/3': shards are numbered 0 to 2 (0-based)" },
        { ["sweep", "--shard", "1"], "--shard '1' is not i/N" },
        { ["sweep", "--shard", "0/0"], "a sweep has at least 1 shard" },
        { ["sweep", "--validation", "0"], "--validation is 0; a sweep scores every configuration on its validation split" },
        { ["sweep", "--shard", "0/2", "--out", "{dir}/m.fbp"], "--out retrains the best configuration of the whole sweep" },
        { ["sweep", "--optimizers", "adam,lbfgs", "--weight-decays", "0,0.01"], "--optimizers lbfgs has no weight decay" },
        { ["sweep", "--results", "/proc/r.json"], "cannot write /proc/r.json" },
        { ["sweep", "--results", "{dir}/a.json", "--plot", "{dir}/a.json"], "--results and --plot both name" },
        { ["sweep", "--activation", "tanh,relu", "--depths", "1,2"], "--activation has 2 names for 1 hidden layer" },
        { ["sweep", "merge"], "Required argument missing" },
    };

    [Theory]
    [MemberData(nameof(OptionErrors))]
    public void OptionError_IsOneLineAndExit1(string[] args, string expected)
    {
        string folder = CliRunner.TempFolder();
        UserErrorAssert.OneLine(CliRunner.Run([.. args.Select(a => a.Replace("{dir}", folder, StringComparison.Ordinal))]), expected);
    }

    [Fact]
    public void Merge_RefusesMismatchedDuplicateMissingAndDamagedShards()
    {
        string folder = CliRunner.TempFolder();
        string S(string name) => Path.Combine(folder, name);
        string[] tiny = ["sweep", "--learning-rates", "0.01,0.03,0.1", "--widths", "4", "-q"];
        for (int i = 0; i < 2; i++) Assert.Equal(0, CliRunner.Run([.. tiny, "--epochs", "1", "--shard", $"{i}/2", "--results", S($"s{i}.json")]).ExitCode);
        Assert.Equal(0, CliRunner.Run([.. tiny, "--epochs", "2", "--shard", "1/2", "--results", S("other.json")]).ExitCode);
        Assert.Equal(0, CliRunner.Run([.. tiny, "--epochs", "1", "--shard", "1/3", "--results", S("third.json")]).ExitCode);
        File.WriteAllText(S("bad.json"), "{ \"command\": \"train\" }");
        File.WriteAllText(S("broken.json"), "{ not json");
        File.WriteAllText(S("edited.json"), File.ReadAllText(S("s1.json")).Replace("\"widths\": [", "\"widths\": [2,", StringComparison.Ordinal));

        UserErrorAssert.OneLine(CliRunner.Run("sweep", "merge", S("s0.json")), "1 shard of 2 missing: 1/2");
        UserErrorAssert.OneLine(CliRunner.Run("sweep", "merge", S("s0.json"), S("s1.json"), S("s0.json")), "s0.json and " + S("s0.json") + " are both shard 0/2");
        UserErrorAssert.OneLine(CliRunner.Run("sweep", "merge", S("s0.json"), S("other.json")), "other.json is from a different sweep than " + S("s0.json"));
        UserErrorAssert.OneLine(CliRunner.Run("sweep", "merge", S("s0.json"), S("other.json")), "differ in --epochs");
        UserErrorAssert.OneLine(CliRunner.Run("sweep", "merge", S("s0.json"), S("third.json")), "third.json is shard 1/3 but");
        UserErrorAssert.OneLine(CliRunner.Run("sweep", "merge", S("bad.json")), "bad.json: not a sweep results file");
        UserErrorAssert.OneLine(CliRunner.Run("sweep", "merge", S("broken.json")), "broken.json: not a sweep results file");
        UserErrorAssert.OneLine(CliRunner.Run("sweep", "merge", S("s0.json"), S("edited.json")), "edited.json: its fingerprint");
        UserErrorAssert.OneLine(CliRunner.Run("sweep", "merge", S("missing.json")), "missing.json");
        CliResult ok = CliRunner.Run("sweep", "merge", S("s1.json"), S("s0.json"), "--no-plot", "--json");
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Equal(3, JsonNode.Parse(ok.Output)!["results"]!.AsArray().Count);
    }

    // A table row: optional '*', the number, the rate.
    [GeneratedRegex(@"(?m)^[* ]\s+\d+\s+0\.\d+\s+\d+\s+\d+\s+adam\s")]
    private static partial Regex Row();

    // The table with its last column (seconds, the one figure that differs between runs) cut off.
    private static string WithoutSeconds(string table) => Regex.Replace(table.ReplaceLineEndings("\n"), @"\s+\d+\.\d\d$", "", RegexOptions.Multiline).Trim();

    private static JsonObject WithoutSeconds(JsonObject document)
    {
        foreach (JsonNode? entry in document["results"]!.AsArray().Append(document["best"]))
        {
            foreach (JsonNode? run in entry?["runs"]?.AsArray() ?? []) run!["seconds"] = null;
        }
        document.Remove("results-file");
        document.Remove("plot");
        return document;
    }

    // The CLI's own executable (built beside the tests), started with its output captured.
    private static Process StartCli(string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "FastBackprop.Cli"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        return Process.Start(start)!;
    }
}
