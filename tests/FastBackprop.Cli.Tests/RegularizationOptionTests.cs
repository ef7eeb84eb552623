using FastBackprop.Cli.Tests.Support;
using FastBackprop.IO;

namespace FastBackprop.Cli.Tests;

/// <summary>--l1, --l2, --penalize-biases and --max-norm: they train and show beside the optimizer and in the model's
/// metadata (`info`), they are part of the run a checkpoint resumes, and bad values are one line and exit 1.</summary>
public sealed class RegularizationOptionTests
{
    [Fact]
    public void Train_WithRegularization_ShowsItBesideTheOptimizerAndInInfo()
    {
        string folder = CliRunner.TempFolder();
        string model = Path.Combine(folder, "m.fbp");
        CliResult result = CliRunner.Run("train", "--layers", "64,8,10", "--epochs", "2", "--l1", "1e-5", "--l2", "0.001", "--penalize-biases",
            "--max-norm", "3", "--out", model, "--no-plot");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("adam, learning rate 0.001, regularization l1 1E-05, l2 0.001 (weights and biases), max-norm 3, batch 32,", result.Output.Replace("\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal("l1 1E-05, l2 0.001 (weights and biases), max-norm 3", ModelFile.Load(model).Metadata["regularization"]);

        CliResult info = CliRunner.Run("info", "--model", model);
        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Contains("regularization", info.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_WithoutRegularization_RecordsNone()
    {
        string folder = CliRunner.TempFolder();
        string model = Path.Combine(folder, "m.fbp");
        CliResult result = CliRunner.Run("train", "--layers", "64,4,10", "--epochs", "1", "--out", model, "--no-plot");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("regularization", result.Output, StringComparison.Ordinal);
        Assert.False(ModelFile.Load(model).Metadata.ContainsKey("regularization"));
    }

    [Fact]
    public void Resume_WithAnotherPenalty_IsRefused()
    {
        string folder = CliRunner.TempFolder();
        string checkpoint = Path.Combine(folder, "ck"), model = Path.Combine(folder, "m.fbp");
        string[] run = ["train", "--layers", "64,4,10", "--checkpoint", checkpoint, "--out", model, "--no-plot"];
        CliResult first = CliRunner.Run([.. run, "--epochs", "1", "--l2", "0.001"]);
        Assert.True(first.ExitCode == 0, first.ToString());
        UserErrorAssert.OneLine(CliRunner.Run([.. run, "--epochs", "2", "--l2", "0.002", "--resume"]),
            "belongs to another run: it was written with --l2 0.001, this run has --l2 0.002.");
        UserErrorAssert.OneLine(CliRunner.Run([.. run, "--epochs", "2", "--l2", "0.001", "--max-norm", "2", "--resume"]),
            "this run has --max-norm 2.");
    }

    public static TheoryData<string[], string> BadValues() => new()
    {
        { ["--l1", "-1"], "--l1 is -1; expected 0 (off) or a finite positive number." },
        { ["--l2", "NaN"], "--l2 is NaN; expected 0 (off) or a finite positive number." },
        { ["--l2", "1e40"], "--l2 is Infinity; expected 0 (off) or a finite positive number." },
        { ["--max-norm", "-0.5"], "--max-norm is -0.5; expected 0 (off) or a finite positive number." },
        { ["--l1", "much"], "--l1 is 'much'; expected a number." },
        { ["--optimizer", "lbfgs", "--max-norm", "2"], "--max-norm does not apply to --optimizer lbfgs: it keeps a history of the steps it took" },
        { ["--optimizer", "lm", "--max-norm", "2"], "--max-norm does not apply to --optimizer lm:" },
        { ["--penalize-biases"], "--penalize-biases applies to --l1 and --l2, and neither is given; add one of them or leave out --penalize-biases." },
        { ["--penalize-biases", "--max-norm", "1"], "--penalize-biases applies to --l1 and --l2, and neither is given" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void Train_BadRegularization_IsOneLineAndExit1(string[] args, string message)
    {
        string folder = CliRunner.TempFolder();
        CliResult result = CliRunner.Run(["train", "--layers", "64,4,10", "--epochs", "1", "--out", Path.Combine(folder, "m.fbp"), "--no-plot", .. args]);
        UserErrorAssert.OneLine(result, message);
        Assert.False(File.Exists(Path.Combine(folder, "m.fbp")));
    }
}
