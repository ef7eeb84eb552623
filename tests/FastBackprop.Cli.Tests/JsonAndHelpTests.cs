using System.Text.Json;
using FastBackprop.Cli.Tests.Support;

namespace FastBackprop.Cli.Tests;

/// <summary>--json documents parse and hold the numbers; --help shows examples; --version and --quiet work.</summary>
public sealed class JsonAndHelpTests
{
    private static JsonElement ParseJson(CliResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        using JsonDocument document = JsonDocument.Parse(result.Output);
        return document.RootElement.Clone();
    }

    [Fact]
    public void Train_Json_HasOneEntryPerEpoch()
    {
        string folder = CliRunner.TempFolder();
        JsonElement root = ParseJson(CliRunner.Run("train", "--epochs", "2", "--json", "--out", Path.Combine(folder, "j.fbp")));
        Assert.Equal("train", root.GetProperty("command").GetString());
        Assert.Equal(2, root.GetProperty("epochs").GetArrayLength());
        Assert.InRange(root.GetProperty("epochs")[1].GetProperty("validationAccuracy").GetDouble(), 0.2, 1.0);
        Assert.True(File.Exists(root.GetProperty("model").GetString()));
        Assert.True(File.Exists(root.GetProperty("learningCurve").GetString()));
    }

    [Fact]
    public void Eval_Json_HasAccuracyAndConfusionMatrix()
    {
        JsonElement root = ParseJson(CliRunner.Run("eval", "--model", TrainedModel.Path, "--json", "--no-plot"));
        Assert.Equal(1797, root.GetProperty("samples").GetInt32());
        Assert.InRange(root.GetProperty("accuracy").GetDouble(), 0.5, 1.0);
        JsonElement matrix = root.GetProperty("confusionMatrix");
        Assert.Equal(10, matrix.GetArrayLength());
        Assert.Equal(1797, matrix.EnumerateArray().Sum(row => row.EnumerateArray().Sum(c => c.GetInt32())));
        Assert.Equal(10, root.GetProperty("classes").GetArrayLength());
    }

    [Fact]
    public void Predict_Info_GradCheck_Json_Parse()
    {
        string row = string.Join(',', Enumerable.Repeat("0.25", 64));
        JsonElement predict = ParseJson(CliRunner.RunWithInput(row + "\n" + row + "\n", "predict", "--model", TrainedModel.Path, "--json"));
        Assert.Equal(2, predict.GetProperty("predictions").GetArrayLength());

        JsonElement info = ParseJson(CliRunner.Run("info", "--model", TrainedModel.Path, "--json"));
        Assert.Equal(9610, info.GetProperty("parameters").GetInt32());
        Assert.Equal("2", info.GetProperty("metadata").GetProperty("epochs-run").GetString());

        JsonElement check = ParseJson(CliRunner.Run("gradcheck", "--networks", "3", "--json"));
        Assert.True(check.GetProperty("passed").GetBoolean());
        Assert.False(string.IsNullOrEmpty(check.GetProperty("vectorTier").GetString()));
    }

    [Theory]
    [InlineData("train")]
    [InlineData("eval")]
    [InlineData("predict")]
    [InlineData("gradcheck")]
    [InlineData("bench")]
    [InlineData("info")]
    [InlineData("demo")]
    public void Help_EveryCommand_ShowsExamples(string command)
    {
        CliResult result = CliRunner.Run(command, "--help");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Examples:", result.Output, StringComparison.Ordinal);
        Assert.Contains("fastbackprop " + command, result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Version_PrintsTheVersion()
    {
        CliResult result = CliRunner.Run("--version");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"^\d+\.\d+\.\d+", result.Output);
    }

    [Fact]
    public void Quiet_PrintsNothing_GradCheckTablesOtherwise()
    {
        CliResult quiet = CliRunner.Run("gradcheck", "--networks", "2", "--quiet");
        Assert.True(quiet.ExitCode == 0, quiet.ToString());
        Assert.Equal("", quiet.Output);
        CliResult loud = CliRunner.Run("gradcheck", "--networks", "2");
        Assert.Contains("PASS", loud.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Demo_StillRuns()
    {
        CliResult result = CliRunner.Run("demo");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("2-4-3-2", result.Output, StringComparison.Ordinal);
    }
}
