using FastBackprop.Cli.Tests.Support;
using FastBackprop.IO;

namespace FastBackprop.Cli.Tests;

/// <summary>The README's main job end to end: train on the embedded digits, then eval, predict and info.</summary>
public sealed class TrainEvalPredictTests
{
    [Fact]
    public void Train_TwoEpochsOnDigits_SavesModelAndLearningCurve()
    {
        CliResult result = TrainedModel.TrainResult;
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Error);
        Assert.Contains("train loss", result.Output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\s+1\s+\d+\.\d{4}", result.Output);   // a table row per epoch
        Assert.Matches(@"(?m)^\s+2\s+\d+\.\d{4}", result.Output);

        Model model = ModelFile.Load(TrainedModel.Path);
        Assert.Equal(64, model.Network.Definition.InputWidth);
        Assert.Equal(10, model.Network.Definition.OutputWidth);
        Assert.Equal("2", model.Metadata["epochs-run"]);
        Assert.Equal("classification", model.Metadata["task"]);
        Assert.Equal("Completed", model.Metadata["stop-reason"]);

        string curve = Path.ChangeExtension(TrainedModel.Path, null) + ".learning-curve.png";
        Png.AssertValid(curve, 900, 540);
    }

    [Fact]
    public void Eval_SavedModel_ReportsAccuracyPerClassAndWritesHeatMap()
    {
        string folder = CliRunner.TempFolder();
        string plot = Path.Combine(folder, "confusion.png");
        CliResult result = CliRunner.Run("eval", "--model", TrainedModel.Path, "--plot", plot);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"accuracy \d+\.\d\d%", result.Output);
        Assert.Contains("precision", result.Output, StringComparison.Ordinal);
        Assert.Contains("confusion matrix", result.Output, StringComparison.Ordinal);
        Png.AssertValid(plot, 760, 680);
    }

    [Fact]
    public void Predict_FileAndStandardInput_OneClassPerRow()
    {
        // Three digits from the embedded data as raw counts 0..16 (the model applies its stored /16).
        Data.Dataset digits = Data.EmbeddedData.Digits(scaleToUnit: false);
        int[] rows = [0, 1, 2];
        string csv = "f0,f1\n" + string.Join('\n', rows.Select(r => string.Join(',', digits.GetInput(r).ToArray().Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture))))) + "\n";
        string folder = CliRunner.TempFolder();
        string input = Path.Combine(folder, "rows.csv"), output = Path.Combine(folder, "out.csv");
        File.WriteAllText(input, csv);

        CliResult fromFile = CliRunner.Run("predict", "--model", TrainedModel.Path, "--input", input, "--output", output, "--probabilities");
        Assert.True(fromFile.ExitCode == 0, fromFile.ToString());
        string[] lines = File.ReadAllLines(output);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("class,p0,p1", lines[0], StringComparison.Ordinal);
        Assert.All(lines.Skip(1), l => Assert.Equal(11, l.Split(',').Length));

        CliResult fromStdin = CliRunner.RunWithInput(csv, "predict", "--model", TrainedModel.Path);
        Assert.True(fromStdin.ExitCode == 0, fromStdin.ToString());
        string[] classes = fromStdin.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("class", classes[0]);
        Assert.Equal(3, classes.Length - 1);
        Assert.All(classes.Skip(1), c => Assert.InRange(int.Parse(c, System.Globalization.CultureInfo.InvariantCulture), 0, 9));
        Assert.Equal(lines.Skip(1).Select(l => l.Split(',')[0]), classes.Skip(1));
    }

    [Fact]
    public void Info_SavedModel_ShowsLayersParametersAndHistory()
    {
        CliResult result = CliRunner.Run("info", "--model", TrainedModel.Path);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("64-128-10", result.Output, StringComparison.Ordinal);
        Assert.Contains("9,610 parameters", result.Output, StringComparison.Ordinal);
        Assert.Contains("relu", result.Output, StringComparison.Ordinal);
        Assert.Contains("softmax", result.Output, StringComparison.Ordinal);
        Assert.Contains("history", result.Output, StringComparison.Ordinal);
        Assert.Contains("stop-reason", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_CsvRegression_StandardisesAndPredictsValues()
    {
        // y = x0 - 2 x1 on a small grid: a regression CSV with a header, target in the last column.
        string folder = CliRunner.TempFolder();
        string data = Path.Combine(folder, "lin.csv"), model = Path.Combine(folder, "lin.fbp");
        var text = new System.Text.StringBuilder("x0,x1,y\n");
        for (int i = 0; i < 10; i++)
        {
            for (int j = 0; j < 10; j++) text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{i},{j * 10},{i - 2 * j * 10}\n");
        }
        File.WriteAllText(data, text.ToString());
        CliResult train = CliRunner.Run("train", "--data", data, "--header", "--regression", "--layers", "2,8,1", "--epochs", "3", "--out", model, "--no-plot", "--quiet");
        Assert.True(train.ExitCode == 0, train.ToString());
        Assert.Equal("", train.Output);
        Model saved = ModelFile.Load(model);
        Assert.NotNull(saved.Scaling);
        Assert.Equal("regression", saved.Metadata["task"]);

        CliResult predict = CliRunner.RunWithInput("1,2\n3,4\n", "predict", "--model", model);
        Assert.True(predict.ExitCode == 0, predict.ToString());
        Assert.StartsWith("y0", predict.Output, StringComparison.Ordinal);
        Assert.Equal(3, predict.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.False(File.Exists(Path.Combine(folder, "lin.learning-curve.png")));
    }

    [Fact]
    public void Train_ThreadCount_DoesNotChangeTheWeights()
    {
        string folder = CliRunner.TempFolder();
        string one = Path.Combine(folder, "one.fbp"), two = Path.Combine(folder, "two.fbp");
        Assert.Equal(0, CliRunner.Run("train", "--epochs", "1", "--threads", "1", "--out", one, "--no-plot", "-q").ExitCode);
        Assert.Equal(0, CliRunner.Run("train", "--epochs", "1", "--threads", "2", "--out", two, "--no-plot", "-q").ExitCode);
        Assert.Equal(ModelFile.Load(one).Network.Parameters.ToArray(), ModelFile.Load(two).Network.Parameters.ToArray());
    }

    [Fact]
    public void Train_IdxFolder_ReadsTheTrainPair()
    {
        // A tiny IDX pair written by hand: 20 images of 2x2 bytes, labels 0..9 twice.
        string folder = CliRunner.TempFolder();
        var images = new List<byte> { 0, 0, 0x08, 3, 0, 0, 0, 20, 0, 0, 0, 2, 0, 0, 0, 2 };
        var labels = new List<byte> { 0, 0, 0x08, 1, 0, 0, 0, 20 };
        for (int i = 0; i < 20; i++)
        {
            images.AddRange([(byte)(i * 12), (byte)(255 - i * 12), (byte)(i % 3 * 100), 7]);
            labels.Add((byte)(i % 10));
        }
        File.WriteAllBytes(Path.Combine(folder, "train-images-idx3-ubyte"), [.. images]);
        File.WriteAllBytes(Path.Combine(folder, "train-labels-idx1-ubyte"), [.. labels]);
        string model = Path.Combine(folder, "idx.fbp");
        CliResult result = CliRunner.Run("train", "--data", folder, "--epochs", "1", "--batch-size", "4", "--out", model, "--no-plot");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(4, ModelFile.Load(model).Network.Definition.InputWidth);

        CliResult eval = CliRunner.Run("eval", "--model", model, "--data", folder, "--no-plot");   // no t10k pair: falls back to train
        Assert.True(eval.ExitCode == 0, eval.ToString());
    }

    [Fact]
    public void Cancellation_AfterTheFirstEpoch_SavesTheBestModelSoFar_AndExits130()
    {
        // Ctrl+C arrives as the cancellation token; here it fires as soon as epoch 1's row is written.
        string folder = CliRunner.TempFolder();
        string model = Path.Combine(folder, "stopped.fbp");
        using var cancel = new CancellationTokenSource();
        var output = new CancellingWriter(cancel, "      1 ");
        CliResult result = CliRunner.Run(["train", "--epochs", "50", "--out", model], null, cancel.Token, output);
        Assert.True(result.ExitCode == 130, result.ToString());
        Assert.Contains("stopped by Ctrl+C", result.Output, StringComparison.Ordinal);
        Model saved = ModelFile.Load(model);
        Assert.Equal("Cancelled", saved.Metadata["stop-reason"]);
        Assert.Equal("weights of epoch 1, the best so far", saved.Metadata["saved-weights"]);
        Png.AssertValid(Path.Combine(folder, "stopped.learning-curve.png"), 900, 540);
    }
}
