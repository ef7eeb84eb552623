using FastBackprop.Cli.Tests.Support;

namespace FastBackprop.Cli.Tests;

/// <summary>The CLI's cases of issue 13 (items 6, 7, 8, 11): a command, the exit code it must give and a
/// fragment of the one line it must print. Exit 1 cases print exactly one line on standard error;
/// 0 cases print the fragment on standard output; 130 cases (Ctrl+C) print it on either.</summary>
public sealed class CliCaseTable
{
    // Setups, run in a fresh folder {dir} before the command:
    //   checkpoint     a finished 2-epoch run of Run2 with --checkpoint {dir}/ck
    //   bare-ck        that checkpoint with its run description removed
    //   iris           {dir}/iris.csv (4 inputs, 3 classes), {dir}/iris.fbp trained on it, {dir}/far.csv far outside its range
    //   file           {dir}/afile, a plain file where a folder is expected
    //   one-class      {dir}/one.csv: 64 inputs, every label 0
    //   model          {dir}/m.fbp, a model that a cancelled run must leave as it was
    //   cancelled      the command runs with Ctrl+C already pressed
    private static readonly string[] Run2 = ["train", "--epochs", "2", "--checkpoint", "{dir}/ck", "--out", "{dir}/m.fbp", "--no-plot"];

    public static TheoryData<string, string?, string[], int, string> Cases() => new()
    {
        // Parse errors in the user's words, not .NET type names (item 11).
        { "", null, ["train", "--epochs", "x"], 1, "--epochs is 'x'; expected a whole number." },
        { "", null, ["train", "--lr", "abc"], 1, "--lr is 'abc'; expected a number." },
        { "", null, ["train", "--seed", "-1"], 1, "--seed is '-1'; expected a whole number from 0 to" },
        { "", null, ["train", "--epochs", "99999999999"], 1, "expected a whole number from -2147483648 to 2147483647" },
        { "", null, ["train", "--validation", "half"], 1, "--validation is 'half'; expected a number." },
        { "", null, ["gradcheck", "--networks", "1.5"], 1, "--networks is '1.5'; expected a whole number." },
        { "", null, ["train", "--epochs", "0"], 1, "--epochs is 0; expected 1 or more." },
        { "", null, ["train", "--weight-decay", "NaN"], 1, "--weight-decay must be 0 or a finite positive number." },
        { "", null, ["train", "--dropout", "1"], 1, "--dropout '1': '1' is not a rate in [0, 1)" },
        { "", null, ["train", "--dropout", "x"], 1, "'x' is not a rate in [0, 1)" },
        { "", null, ["train", "--layers", "64,32,32,10", "--dropout", "0.1,0.2,0.3"], 1, "--dropout has 3 rates for 2 hidden layers" },
        { "", null, ["train", "--layers", "64,10", "--dropout", "0.2"], 1, "--dropout needs a hidden layer to follow" },

        // Every output path is checked before training (item 7); messages name the user's path (item 8).
        { "", null, ["train", "--out", "/proc/m.fbp"], 1, "cannot write /proc/m.fbp: the folder /proc does not accept new files (--out)" },
        { "", null, ["train", "--out", "{dir}/m.fbp", "--checkpoint", "/proc/ck"], 1, "cannot write /proc/ck" },
        { "file", null, ["train", "--out", "{dir}/afile/m.fbp"], 1, "afile is a file, not a folder (--out)" },
        { "", null, ["train", "--out", "{dir}", "--epochs", "1"], 1, "is a folder, not a file (--out)" },
        { "", null, ["train", "--out", "{dir}/m.fbp", "--checkpoint", "{dir}/m.fbp"], 1, "--out and --checkpoint both name" },
        { "", null, ["train", "--resume"], 1, "--resume continues the run saved at --checkpoint" },
        { "", null, ["eval", "--model", "{model}", "--plot", "/proc/c.png"], 1, "cannot write /proc/c.png" },
        { "", null, ["predict", "--model", "{model}", "--output", "/proc/p.csv"], 1, "cannot write /proc/p.csv" },

        // --checkpoint and --resume (item 7): a checkpoint of another run is refused in one line.
        { "checkpoint", null, Run2, 1, "already holds a checkpoint (--checkpoint): add --resume" },
        { "checkpoint", null, ["train", "--epochs", "3", "--checkpoint", "{dir}/ck", "--out", "{dir}/m.fbp", "--no-plot", "--resume"], 1, "it was written with --epochs 2, this run has --epochs 3" },
        { "checkpoint", null, [.. Run2, "--resume", "--optimizer", "sgd"], 1, "it was written with --optimizer adam, this run has --optimizer sgd" },
        { "checkpoint", null, [.. Run2, "--resume", "--layers", "64,32,10"], 1, "it was written with --layers (default), this run has --layers 64,32,10" },
        { "checkpoint", null, [.. Run2, "--resume", "--seed", "5"], 1, "it was written with --seed 1, this run has --seed 5" },
        { "checkpoint", null, [.. Run2, "--resume", "--validation", "0.2"], 1, "--validation 0.1, this run has --validation 0.2" },
        { "checkpoint", null, [.. Run2, "--resume", "--scaling", "minmax"], 1, "it was written with --scaling auto, this run has --scaling minmax" },
        { "bare-ck", null, [.. Run2, "--resume"], 1, "has no run description beside it" },
        { "checkpoint", null, [.. Run2, "--resume"], 0, "resuming {dir}/ck in epoch 3, batch 0 (2 epochs done)" },
        { "", null, [.. Run2, "--resume"], 0, "checkpoint every epoch: {dir}/ck" },

        // The user's data, not our bug: exit 1 naming the file (item 6).
        { "iris", null, ["eval", "--model", "{dir}/iris.fbp", "--data", "{dir}/far.csv", "--no-plot"], 1, "far.csv with the model iris.fbp: scaled input [0, 0] overflows to Infinity" },
        { "iris", "3e38,1,1,1\n", ["predict", "--model", "{dir}/iris.fbp"], 1, "standard input, line 1, column 1: value '3e38' scales to Infinity" },
        { "iris", "1,2,3,4\n5,6,7,8\n", ["predict", "--model", "{dir}/iris.fbp"], 0, "class" },

        // Wording (item 11).
        { "one-class", null, ["eval", "--model", "{model}", "--data", "{dir}/one.csv", "--no-plot"], 1, "one.csv has 1 class, but the model digits.fbp has 10 outputs. If some classes are missing from the data, give --classes 10." },
        { "", null, ["--help"], 0, "  fastbackprop [command] [options]" },
        { "", null, ["train", "--help"], 0, "  fastbackprop train [options]" },
        { "", null, ["train", "--help"], 0, "130 stopped by Ctrl+C, 143 stopped by SIGTERM" },
        { "", null, ["train", "--help"], 0, "if no epoch has finished, nothing is written and an existing --out stays as it was" },
        { "", null, ["demo", "--json"], 0, "\"command\": \"demo\"" },

        // Ctrl+C exits 130, and before the first epoch writes no model (item 7, item 11).
        { "model cancelled", null, ["train", "--out", "{dir}/m.fbp"], 130, "no model saved: no epoch of this run finished, so {dir}/m.fbp was left as it was" },
        { "cancelled", null, ["train", "--out", "{dir}/m.fbp", "--no-plot"], 130, "stopped by Ctrl+C" },
        { "cancelled", null, ["gradcheck"], 130, "fastbackprop: stopped by Ctrl+C." },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Command_GivesExitCodeAndMessage(string setup, string? input, string[] args, int exitCode, string fragment)
    {
        string dir = CliRunner.TempFolder();
        Setup(setup, dir);
        string Resolve(string s) => s.Replace("{dir}", dir, StringComparison.Ordinal).Replace("{model}", TrainedModel.Path, StringComparison.Ordinal);
        string[] resolved = [.. args.Select(Resolve)];
        fragment = Resolve(fragment);

        using var cancel = new CancellationTokenSource();
        if (setup.Contains("cancelled", StringComparison.Ordinal)) cancel.Cancel();
        CliResult result = CliRunner.Run(resolved, input, cancel.Token, null);

        Assert.True(result.ExitCode == exitCode, result.ToString());
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(".tmp", result.Error, StringComparison.Ordinal);
        switch (exitCode)
        {
            case 1:
                string[] lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                Assert.True(lines.Length == 1, result.ToString());
                Assert.StartsWith("fastbackprop: ", lines[0], StringComparison.Ordinal);
                Assert.Contains(fragment, lines[0], StringComparison.Ordinal);
                break;
            case 0:
                Assert.Contains(fragment, result.Output, StringComparison.Ordinal);
                break;
            default:
                Assert.Contains(fragment, result.Output + result.Error, StringComparison.Ordinal);
                break;
        }
    }

    private static void Setup(string setup, string dir)
    {
        foreach (string step in setup.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            switch (step)
            {
                case "checkpoint" or "bare-ck":
                    CliResult run = CliRunner.Run([.. Run2.Select(a => a.Replace("{dir}", dir, StringComparison.Ordinal)), "-q"]);
                    Assert.True(run.ExitCode == 0, run.ToString());
                    if (step == "bare-ck") File.Delete(Path.Combine(dir, "ck.run"));
                    break;
                case "iris":
                    File.WriteAllText(Path.Combine(dir, "iris.csv"), Iris());
                    File.WriteAllText(Path.Combine(dir, "far.csv"), "3e38,3e38,1,1,0\n2,2,2,2,1\n0,0,0,0,2\n");
                    CliResult iris = CliRunner.Run("train", "--data", Path.Combine(dir, "iris.csv"), "--epochs", "2", "--out", Path.Combine(dir, "iris.fbp"), "--no-plot", "-q");
                    Assert.True(iris.ExitCode == 0, iris.ToString());
                    break;
                case "file":
                    File.WriteAllText(Path.Combine(dir, "afile"), "not a folder");
                    break;
                case "one-class":
                    File.WriteAllText(Path.Combine(dir, "one.csv"), string.Join(',', Enumerable.Repeat("0.5", 64)) + ",0\n");
                    break;
                case "model":
                    File.Copy(TrainedModel.Path, Path.Combine(dir, "m.fbp"));
                    break;
                case "cancelled":
                    break;
                default:
                    throw new ArgumentException($"unknown setup '{step}'", nameof(setup));
            }
        }
    }

    // Three well separated classes of four features.
    private static string Iris()
    {
        var text = new System.Text.StringBuilder();
        for (int i = 0; i < 60; i++)
        {
            int c = i % 3;
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{c + 0.01 * i},{c - 0.02 * (i % 5)},{2 * c + 0.1},{c * 0.5 + 0.03 * (i % 7)},{c}\n");
        }
        return text.ToString();
    }
}
