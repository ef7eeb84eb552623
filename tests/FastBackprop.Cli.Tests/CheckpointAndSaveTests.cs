using System.Diagnostics;
using System.Text.Json;
using FastBackprop.Cli.Tests.Support;
using FastBackprop.IO;

namespace FastBackprop.Cli.Tests;

/// <summary>What train leaves behind when stopped, resumed or rerun: the save rule of train --help,
/// checkpoints that resume to the uninterrupted weights, atomic outputs and no stale temporary files.</summary>
public sealed class CheckpointAndSaveTests
{
    private static readonly string[] Small = ["train", "--epochs", "4", "--layers", "64,16,10", "--no-plot"];

    [Fact]
    public void CtrlC_BeforeTheFirstEpoch_LeavesThePreviousModelByteForByte()
    {
        string folder = CliRunner.TempFolder();
        string model = Path.Combine(folder, "m.fbp");
        File.Copy(TrainedModel.Path, model);
        byte[] before = File.ReadAllBytes(model);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        CliResult result = CliRunner.Run(["train", "--out", model, "--json"], null, cancel.Token, null);
        Assert.True(result.ExitCode == 130, result.ToString());
        Assert.Equal(before, File.ReadAllBytes(model));
        using JsonDocument json = JsonDocument.Parse(result.Output);
        Assert.Equal("Cancelled", json.RootElement.GetProperty("stopReason").GetString());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("model").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("savedWeights").ValueKind);
        Assert.False(File.Exists(Path.Combine(folder, "m.learning-curve.png")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CtrlC_MidRun_ThenResume_GivesTheUninterruptedWeights(bool dropout)
    {
        // With --dropout the masks come from the run's generator, which the checkpoint carries.
        string[] small = dropout ? [.. Small, "--dropout", "0.3"] : Small;
        string folder = CliRunner.TempFolder();
        string reference = Path.Combine(folder, "reference.fbp"), model = Path.Combine(folder, "m.fbp"), checkpoint = Path.Combine(folder, "m.ckpt");
        Assert.Equal(0, CliRunner.Run([.. small, "--out", reference, "-q"]).ExitCode);

        // Ctrl+C as soon as epoch 2's row is printed: the trainer stops inside epoch 3 and checkpoints there.
        using var cancel = new CancellationTokenSource();
        var output = new CancellingWriter(cancel, "      2 ");
        CliResult stopped = CliRunner.Run([.. small, "--out", model, "--checkpoint", checkpoint], null, cancel.Token, output);
        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        Assert.Contains("run the same command with --resume", stopped.Output, StringComparison.Ordinal);
        Assert.Equal("weights of epoch 2, the best so far", ModelFile.Load(model).Metadata["saved-weights"]);
        Assert.Equal(2, Training.TrainingCheckpoint.Load(checkpoint).Epoch);

        CliResult resumed = CliRunner.Run([.. small, "--out", model, "--checkpoint", checkpoint, "--resume"]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("resuming", resumed.Output, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?m)^\s+[12]\s+\d+\.\d{4}", resumed.Output);   // it continued: epochs 1 and 2 are not trained again
        Assert.Matches(@"(?m)^\s+3\s+\d+\.\d{4}", resumed.Output);
        Model final = ModelFile.Load(model);
        Assert.Equal(ModelFile.Load(reference).Network.Parameters.ToArray(), final.Network.Parameters.ToArray());
        Assert.Equal("4", final.Metadata["epochs-run"]);
        Assert.Equal("3", final.Metadata["resumed-in-epoch"]);
    }

    [Fact]
    public void Rerun_ThatReplacesABetterModel_WarnsWithBothLosses()
    {
        string folder = CliRunner.TempFolder();
        string model = Path.Combine(folder, "m.fbp");
        Assert.Equal(0, CliRunner.Run("train", "--epochs", "3", "--out", model, "--no-plot", "-q").ExitCode);
        CliResult worse = CliRunner.Run("train", "--epochs", "1", "--out", model, "--no-plot", "-q");
        Assert.True(worse.ExitCode == 0, worse.ToString());
        // With validation data the best epoch's weights are restored (issue 9, --restore-best on by default): the label
        // of a 1-epoch run's weights is that of its best epoch, which is its last.
        Assert.Matches(@"^fastbackprop: warning: .*m\.fbp held a model with a lower validation loss on the same data \(0\.\d+\) than the one replacing it \(1\.\d+, weights of epoch 1, the best\)", worse.Error);

        CliResult same = CliRunner.Run("train", "--epochs", "1", "--out", model, "--no-plot", "-q");   // as good as what it replaces
        Assert.Equal("", same.Error);
    }

    [Fact]
    public void Save_RemovesTemporaryFilesThatDeadRunsLeft_AndKeepsLiveOnes()
    {
        string folder = CliRunner.TempFolder();
        int dead = DeadProcessId();
        string[] stale =
        [
            Path.Combine(folder, $".m.fbp.{dead}.{Guid.NewGuid():N}.tmp"),
            Path.Combine(folder, $".m.learning-curve.png.{dead}.{Guid.NewGuid():N}.tmp"),
            Path.Combine(folder, $".ck.{dead}.{Guid.NewGuid():N}.tmp"),
        ];
        string live = Path.Combine(folder, $".m.fbp.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");   // a save in progress
        string unrelated = Path.Combine(folder, ".editor-swap.tmp");
        foreach (string file in (string[])[.. stale, live, unrelated]) File.WriteAllText(file, "half a file");

        CliResult result = CliRunner.Run("train", "--epochs", "1", "--out", Path.Combine(folder, "m.fbp"), "--checkpoint", Path.Combine(folder, "ck"));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.All(stale, f => Assert.False(File.Exists(f), f));
        Assert.True(File.Exists(live));
        Assert.True(File.Exists(unrelated));
        Png.AssertValid(Path.Combine(folder, "m.learning-curve.png"), 900, 540);
    }

    [Fact]
    public void Predict_Output_IsWrittenWhole_AndAFailedRunKeepsTheOldFile()
    {
        string folder = CliRunner.TempFolder();
        string output = Path.Combine(folder, "out.csv");
        string row = string.Join(',', Enumerable.Repeat("0.25", 64));
        Assert.Equal(0, CliRunner.RunWithInput(row + "\n", "predict", "--model", TrainedModel.Path, "--output", output).ExitCode);
        string good = File.ReadAllText(output);
        CliResult bad = CliRunner.RunWithInput(row + "\n0.1,0.2\n", "predict", "--model", TrainedModel.Path, "--output", output);
        Assert.Equal(1, bad.ExitCode);
        Assert.Equal(good, File.ReadAllText(output));
        Assert.Empty(Directory.GetFiles(folder, ".*.tmp"));
    }

    // The id of a process that has just ended: ids are not reused at once.
    private static int DeadProcessId()
    {
        var start = OperatingSystem.IsWindows() ? new ProcessStartInfo("cmd.exe", "/c exit") : new ProcessStartInfo("/bin/sh", "-c exit");
        using var process = Process.Start(start)!;
        process.WaitForExit();
        return process.Id;
    }
}
