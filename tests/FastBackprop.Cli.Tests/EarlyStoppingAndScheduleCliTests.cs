using System.Text.Json;
using FastBackprop.Cli.Tests.Support;

namespace FastBackprop.Cli.Tests;

/// <summary>train's early-stopping and schedule options (issue 9): --restore-best, --min-delta, --monitor, --stratify,
/// --schedule one-cycle / plateau with parameters, --warmup, --warmup-factor, --schedule-per; each bad value one line
/// and exit 1.</summary>
public sealed class EarlyStoppingAndScheduleCliTests
{
    private static readonly Lazy<string> RegressionCsv = new(() =>
    {
        string path = Path.Combine(CliRunner.TempFolder(), "lin.csv");
        var text = new System.Text.StringBuilder("x0,x1,y\n");
        for (int i = 0; i < 10; i++)
        {
            for (int j = 0; j < 10; j++) text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{i},{j},{i - 2 * j}\n");
        }
        File.WriteAllText(path, text.ToString());
        return path;
    });

    public static TheoryData<string[], string> Errors() => new()
    {
        { ["train", "--min-delta", "-1"], "--min-delta" },
        { ["train", "--min-delta", "NaN"], "--min-delta" },
        { ["train", "--monitor", "speed"], "speed" },
        { ["train", "--restore-best", "maybe"], "maybe" },
        { ["train", "--stratify", "yes"], "yes" },
        { ["train", "--schedule-per", "hour"], "hour" },
        { ["train", "--warmup", "-1"], "--warmup is -1" },
        { ["train", "--warmup-factor", "2"], "--warmup-factor" },
        { ["train", "--schedule", "magic"], "--schedule 'magic': expected constant, cosine, step, one-cycle, plateau" },
        { ["train", "--schedule", "cosine(1)"], "cosine takes no parameters" },
        { ["train", "--schedule", "plateau(0.5,x)"], "patience 'x' is not a number" },
        { ["train", "--schedule", "plateau(0.5,1,0,0,0,9)"], "up to 5 in parentheses: plateau(factor,patience,threshold,cooldown,min-lr)" },
        { ["train", "--schedule", "plateau(0.5"], "plateau takes up to 5" },
        { ["train", "--epochs", "1", "--schedule", "plateau(2)"], "--schedule 'plateau(2)': factor is 2; expected a number in (0, 1)." },
        { ["train", "--epochs", "1", "--schedule", "plateau(0.5,1.5)"], "patience is 1.5; expected a whole number" },
        { ["train", "--epochs", "1", "--schedule", "one-cycle(1.5)"], "--schedule 'one-cycle(1.5)': pctStart is 1.5" },
        { ["train", "--epochs", "1", "--schedule", "plateau", "--warmup", "2"], "--warmup cannot precede --schedule plateau" },
        { ["train", "--data", "{regression}", "--header", "--regression", "--epochs", "1", "--monitor", "accuracy"], "--monitor accuracy needs class labels" },
        { ["train", "--data", "{regression}", "--header", "--regression", "--epochs", "1", "--stratify", "on"], "--stratify on keeps each class's share" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void BadValue_ExitsOneWithOneLine(string[] args, string expected)
    {
        string[] resolved = [.. args.Select(a => a == "{regression}" ? RegressionCsv.Value : a)];
        UserErrorAssert.OneLine(CliRunner.Run([.. resolved, "--out", Path.Combine(CliRunner.TempFolder(), "m.fbp"), "--no-plot"]), expected);
    }

    private static JsonElement[] Epochs(CliResult result, out JsonDocument json)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        json = JsonDocument.Parse(result.Output);
        return [.. json.RootElement.GetProperty("epochs").EnumerateArray()];
    }

    [Fact]
    public void Train_OneCyclePerStepWithWarmup_RunsTheCurve()
    {
        string model = Path.Combine(CliRunner.TempFolder(), "cycle.fbp");
        CliResult result = CliRunner.Run("train", "--epochs", "3", "--optimizer", "sgd", "--lr", "0.1", "--schedule", "one-cycle(0.5)", "--schedule-per", "step",
            "--warmup", "4", "--warmup-factor", "0", "--out", model, "--no-plot", "--json");
        JsonElement[] epochs = Epochs(result, out JsonDocument json);
        using (json)
        {
            // The epochs' last steps: the cycle's rates fall towards 0.1 / 25 / 1e4 at the end of the run.
            double[] rates = [.. epochs.Select(e => e.GetProperty("learningRate").GetDouble())];
            Assert.Equal(3, rates.Length);
            Assert.True(rates[2] < 1e-5, $"last rate {rates[2]}");
            Assert.True(rates[0] > rates[2]);
        }
    }

    [Fact]
    public void Train_MonitorAccuracyWithAMinDeltaOfOne_StopsAfterThePatience()
    {
        // No accuracy can beat another by more than 1: epoch 1 stays the best, and a patience of 1 ends the run after epoch 2.
        string model = Path.Combine(CliRunner.TempFolder(), "acc.fbp");
        CliResult result = CliRunner.Run("train", "--epochs", "5", "--monitor", "accuracy", "--min-delta", "1", "--patience", "1", "--out", model, "--no-plot", "--json");
        JsonElement[] epochs = Epochs(result, out JsonDocument json);
        using (json)
        {
            Assert.Equal(2, epochs.Length);
            Assert.Equal("EarlyStopped", json.RootElement.GetProperty("stopReason").GetString());
            Assert.Equal(1, json.RootElement.GetProperty("bestEpoch").GetInt32());
            Assert.Equal(1, json.RootElement.GetProperty("savedEpoch").GetInt32());   // --restore-best on: epoch 1's weights
        }
    }

    [Fact]
    public void Train_SummaryGivesTheKeptEpochsFigures_WhenTheyAreNotTheLastEpochs()
    {
        // As above, epoch 1 is the best and the run ends after epoch 2: the summary shows both epochs' figures.
        string model = Path.Combine(CliRunner.TempFolder(), "kept.fbp");
        CliResult result = CliRunner.Run("train", "--epochs", "5", "--monitor", "accuracy", "--min-delta", "1", "--patience", "1", "--out", model, "--no-plot");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"(?m)^last epoch: validation accuracy \d+\.\d+%$", result.Output);
        Assert.Matches(@"(?m)^epoch 1, whose weights are kept: validation accuracy \d+\.\d+%$", result.Output);
    }

    [Fact]
    public void Resume_OfARunDescribedWithoutTheNewOptions_IsRefusedNamingTheOption()
    {
        // A run description written before issue 9 has no --restore-best line, and that run kept its last weights:
        // resuming it under today's default would end otherwise than it would have, so it is refused in one line.
        string folder = CliRunner.TempFolder();
        string checkpoint = Path.Combine(folder, "ck"), model = Path.Combine(folder, "m.fbp");
        string[] run = ["train", "--epochs", "2", "--checkpoint", checkpoint, "--out", model, "--no-plot", "-q"];
        Assert.Equal(0, CliRunner.Run(run).ExitCode);
        UserErrorAssert.OneLine(CliRunner.Run([.. run, "--resume", "--monitor", "accuracy"]), "it was written with --monitor loss, this run has --monitor accuracy");

        string description = checkpoint + ".run";
        File.WriteAllLines(description, File.ReadAllLines(description).Where(line => !line.StartsWith("--restore-best ", StringComparison.Ordinal)));
        UserErrorAssert.OneLine(CliRunner.Run([.. run, "--resume"]), "it was written by a version without --restore-best, which this run sets to on");
    }

    [Fact]
    public void Train_RestoreBest_SavesTheBestEpochUnlessOff()
    {
        // A plateau schedule and 4 epochs of Adam at a high rate; --restore-best on (the default) saves the best epoch's
        // weights, off the last epoch's.
        string folder = CliRunner.TempFolder();
        string[] common = ["train", "--epochs", "4", "--lr", "0.05", "--schedule", "plateau(0.5,0)", "--no-plot", "--json"];
        JsonElement[] on = Epochs(CliRunner.Run([.. common, "--out", Path.Combine(folder, "on.fbp")]), out JsonDocument onJson);
        JsonElement[] off = Epochs(CliRunner.Run([.. common, "--out", Path.Combine(folder, "off.fbp"), "--restore-best", "off"]), out JsonDocument offJson);
        using (onJson)
        using (offJson)
        {
            Assert.Equal(on.Length, off.Length);
            Assert.Equal(onJson.RootElement.GetProperty("bestEpoch").GetInt32(), onJson.RootElement.GetProperty("savedEpoch").GetInt32());
            Assert.Equal(4, offJson.RootElement.GetProperty("savedEpoch").GetInt32());
        }
    }
}
