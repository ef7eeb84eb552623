using System.Globalization;
using System.Text.Json;
using FastBackprop.Cli.Tests.Support;

namespace FastBackprop.Cli.Tests;

/// <summary>`fastbackprop cv`: the per-fold table and mean ± sd, the --json document and the --out CSV/JSON agree with
/// each other, folds cover the data, results do not depend on --threads, regression reports MSE, and user errors are
/// one line with exit 1.</summary>
public sealed class CvCommandTests
{
    private static JsonElement Json(CliResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        using JsonDocument document = JsonDocument.Parse(result.Output);
        return document.RootElement.Clone();
    }

    [Fact]
    public void Json_HasEveryFold_AndTheMeanAndPopulationSdOfTheirFigures()
    {
        JsonElement root = Json(CliRunner.Run("cv", "--folds", "3", "--epochs", "1", "--json"));
        Assert.Equal("cv", root.GetProperty("command").GetString());
        Assert.True(root.GetProperty("stratified").GetBoolean());
        JsonElement[] folds = [.. root.GetProperty("results").EnumerateArray()];
        Assert.Equal(3, folds.Length);
        Assert.Equal(1797, folds.Sum(f => f.GetProperty("testPatterns").GetInt32()));
        Assert.All(folds, f => Assert.Equal(1797, f.GetProperty("testPatterns").GetInt32() + f.GetProperty("trainingPatterns").GetInt32()));
        double[] accuracy = [.. folds.Select(f => f.GetProperty("accuracy").GetDouble())];
        double mean = accuracy.Sum() / 3, sd = Math.Sqrt(accuracy.Sum(a => (a - mean) * (a - mean)) / 3);
        Assert.Equal(mean, root.GetProperty("mean").GetProperty("accuracy").GetDouble(), 12);
        Assert.Equal(sd, root.GetProperty("standardDeviation").GetProperty("accuracy").GetDouble(), 12);
        Assert.Equal(0, root.GetProperty("standardDeviationDdof").GetInt32());
        Assert.All(accuracy, a => Assert.InRange(a, 0.3, 1.0));
    }

    [Fact]
    public void Results_DoNotDependOnTheThreadCount()
    {
        static string Figures(JsonElement root) => string.Join(";", root.GetProperty("results").EnumerateArray().Select(f => f.GetProperty("loss").GetDouble().ToString("R", CultureInfo.InvariantCulture)));
        JsonElement one = Json(CliRunner.Run("cv", "--folds", "2", "--epochs", "1", "--threads", "1", "--json"));
        JsonElement two = Json(CliRunner.Run("cv", "--folds", "2", "--epochs", "1", "--threads", "2", "--json"));
        Assert.Equal(Figures(one), Figures(two));
    }

    [Fact]
    public void Table_AndOutCsv_ShowEveryFoldAndTheSummary()
    {
        string folder = CliRunner.TempFolder();
        string csv = Path.Combine(folder, "cv.csv"), json = Path.Combine(folder, "cv.json");
        CliResult result = CliRunner.Run("cv", "--folds", "2", "--epochs", "1", "--out", csv);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Cross-validating 64-128-10", result.Output, StringComparison.Ordinal);
        Assert.Contains("mean ± sd: loss", result.Output, StringComparison.Ordinal);
        string[] lines = File.ReadAllLines(csv);
        Assert.Equal(["fold,patterns,loss,accuracy"], lines[..1]);
        Assert.Equal(5, lines.Length);   // header, 2 folds, mean, sd
        Assert.StartsWith("1,899,", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("mean,1797,", lines[3], StringComparison.Ordinal);
        Assert.StartsWith("sd,,", lines[4], StringComparison.Ordinal);

        CliResult quiet = CliRunner.Run("cv", "--folds", "2", "--epochs", "1", "--out", json, "--quiet");
        Assert.True(quiet.ExitCode == 0, quiet.ToString());
        Assert.Equal("", quiet.Output);
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(2, document.RootElement.GetProperty("results").GetArrayLength());
    }

    [Fact]
    public void AFullBatchMethod_TakesEachFoldsWholeTrainingSetPerStep()
    {
        // The digits' 1797 rows in 10 folds of 180 and 179: training sets of 1455 and 1456 rows after the validation
        // split. Each fold's default batch is its whole set, the same as a batch larger than any fold; a batch sized for
        // the smaller sets would give the larger ones a second step of one row every epoch.
        string[] common = ["cv", "--optimizer", "irprop+", "--layers", "64,8,10", "--folds", "10", "--epochs", "2", "--json"];
        JsonElement byDefault = Json(CliRunner.Run(common));
        JsonElement wholeSet = Json(CliRunner.Run([.. common, "--batch-size", "100000"]));
        Assert.Equal(wholeSet.GetProperty("results").ToString(), byDefault.GetProperty("results").ToString());
        Assert.Contains("batch the whole training set", CliRunner.Run([.. common[..^1]]).Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Regression_ReportsTheMseOfEachFold()
    {
        string folder = CliRunner.TempFolder();
        string data = Path.Combine(folder, "line.csv");
        File.WriteAllLines(data, ["x,y", .. Enumerable.Range(0, 40).Select(i => FormattableString.Invariant($"{i / 39.0},{100 + 50 * i / 39.0}"))]);
        JsonElement root = Json(CliRunner.Run("cv", "--data", data, "--header", "--regression", "--folds", "4", "--epochs", "2", "--json"));
        Assert.False(root.GetProperty("stratified").GetBoolean());
        Assert.All(root.GetProperty("results").EnumerateArray(), f => Assert.True(f.GetProperty("meanSquaredError").GetDouble() >= 0));
        Assert.Equal(JsonValueKind.Null, root.GetProperty("mean").GetProperty("accuracy").ValueKind);

        UserErrorAssert.OneLine(CliRunner.Run("cv", "--data", data, "--header", "--regression", "--stratify", "on"), "--stratify on keeps each class's share of the folds");
    }

    [Theory]
    [InlineData("--folds 1", "--folds is 1; expected 2 or more")]
    [InlineData("--folds 1798", "--folds 1798: digits (embedded UCI optdigits, 1797 samples, 8x8) has only 1797 samples")]
    [InlineData("--stratify maybe", "Argument 'maybe' not recognized")]
    [InlineData("--checkpoint x.ckpt", "Unrecognized command or argument '--checkpoint'")]
    public void UserErrors_AreOneLine(string arguments, string expected) =>
        UserErrorAssert.OneLine(CliRunner.Run(["cv", .. arguments.Split(' ')]), expected);

    [Fact]
    public void DivergedFolds_AreShownInTheTable_ThenOneErrorLine()
    {
        CliResult result = CliRunner.Run("cv", "--learning-rate", "1e30", "--optimizer", "sgd", "--folds", "2", "--epochs", "1");
        UserErrorAssert.OneLine(result, "2 folds of 2 failed; fold 1: training diverged");
        Assert.Contains("failed: training diverged", result.Output, StringComparison.Ordinal);
        Assert.Contains("mean ± sd: loss - ± -, accuracy - ± -", result.Output, StringComparison.Ordinal);
    }
}
