using System.Globalization;
using FastBackprop.Cli.Commands.Train;
using FastBackprop.Cli.Tests.Support;
using FastBackprop.IO;

namespace FastBackprop.Cli.Tests;

/// <summary>Regression that trains out of the box: targets standardised by default and mapped back by
/// predict and eval, the figures named (loss vs MSE in the targets' units, the validation MSE), and the
/// default epoch count for small training sets.</summary>
public sealed class RegressionDefaultsTests
{
    // y = 1000 + 300 x0 - 200 x1 on a 12 x 10 grid: targets far from 0, as the diabetes data's are.
    private static string RegressionCsv(string folder)
    {
        var text = new System.Text.StringBuilder("x0,x1,y\n");
        for (int a = 0; a < 12; a++)
        {
            for (int b = 0; b < 10; b++)
            {
                double x0 = a / 11.0, x1 = b / 9.0;
                text.Append(CultureInfo.InvariantCulture, $"{x0},{x1},{1000 + 300 * x0 - 200 * x1}\n");
            }
        }
        string path = Path.Combine(folder, "plane.csv");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    private static (string Folder, string Data, string Model, CliResult Train) Train(params string[] extra)
    {
        string folder = CliRunner.TempFolder();
        string data = RegressionCsv(folder), model = Path.Combine(folder, "plane.fbp");
        CliResult train = CliRunner.Run(["train", "--data", data, "--header", "--regression", "--seed", "2", "--out", model, "--no-plot", .. extra]);
        Assert.True(train.ExitCode == 0, train.ToString());
        return (folder, data, model, train);
    }

    [Fact]
    public void Default_StandardisesTargets_AndPredictAnswersInTargetUnits()
    {
        (string folder, string data, string model, CliResult train) = Train();
        Model saved = ModelFile.Load(model);
        Assert.NotNull(saved.TargetScaling);
        Assert.InRange(saved.TargetScaling!.Mean[0], 900f, 1100f);   // the training part's mean of y (mean of the whole grid: 1000)
        Assert.InRange(saved.TargetScaling.StandardDeviation[0], 80f, 140f);

        // The table names its figures and shows the validation MSE, in the targets' units.
        Assert.Contains("loss: HalfSquaredError (½·Σ(y - d)²) per pattern on the standardised targets", train.Output, StringComparison.Ordinal);
        Assert.Contains("MSE: mean of (y - d)² over patterns and outputs, in the targets' units", train.Output, StringComparison.Ordinal);
        Assert.Contains("val MSE", train.Output, StringComparison.Ordinal);
        Assert.Matches(@"last epoch: training MSE [\d.e+-]+, validation MSE [\d.e+-]+, in the targets' units", train.Output);

        string rows = Path.Combine(folder, "rows.csv");
        File.WriteAllText(rows, "0.5,0.5\n1,0\n");
        CliResult predict = CliRunner.Run("predict", "--model", model, "--input", rows);
        Assert.True(predict.ExitCode == 0, predict.ToString());
        double[] y = [.. predict.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => double.Parse(v, CultureInfo.InvariantCulture))];
        Assert.InRange(y[0], 1050 - 60, 1050 + 60);   // a linear plane, learnt by the default network and epochs
        Assert.InRange(y[1], 1300 - 60, 1300 + 60);

        // eval's MSE is in the targets' units: the same as the one computed from predict's answers.
        CliResult eval = CliRunner.Run("eval", "--model", model, "--data", data, "--header", "--regression", "--json");
        Assert.True(eval.ExitCode == 0, eval.ToString());
        double mse = System.Text.Json.Nodes.JsonNode.Parse(eval.Output)!["meanSquaredError"]!.GetValue<double>();
        Assert.Equal(MseFromPredict(folder, model, data), mse, 0.01 * mse);   // predict prints 6 digits
        Assert.InRange(mse, 0, 0.05 * 120 * 120);   // well below the targets' variance (about 110²)

        CliResult human = CliRunner.Run("eval", "--model", model, "--data", data, "--header", "--regression");
        Assert.Contains("in the targets' units", human.Output, StringComparison.Ordinal);
        Assert.Contains("target scaling: standardisation of 1 output", CliRunner.Run("info", "--model", model).Output, StringComparison.Ordinal);
    }

    // Mean of (y - d)^2 over the rows of data, y from `fastbackprop predict` on its inputs.
    private static double MseFromPredict(string folder, string model, string data)
    {
        string[][] rows = [.. File.ReadAllLines(data).Skip(1).Select(l => l.Split(','))];
        string inputs = Path.Combine(folder, "inputs.csv");
        File.WriteAllLines(inputs, rows.Select(r => $"{r[0]},{r[1]}"));
        CliResult predict = CliRunner.Run("predict", "--model", model, "--input", inputs);
        Assert.True(predict.ExitCode == 0, predict.ToString());
        double[] y = [.. predict.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => double.Parse(v, CultureInfo.InvariantCulture))];
        return rows.Select((r, i) => Math.Pow(y[i] - double.Parse(r[2], CultureInfo.InvariantCulture), 2)).Average();
    }

    [Fact]
    public void TargetScalingNone_TrainsOnTheTargetsAsGiven()
    {
        (_, _, string model, CliResult train) = Train("--target-scaling", "none", "--epochs", "2");
        Assert.Null(ModelFile.Load(model).TargetScaling);
        Assert.Contains("per pattern on the targets as given", train.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void ReplacingAStandardisedModel_ComparesNoLossesOfOtherUnits()
    {
        (_, string data, string model, _) = Train("--epochs", "3");
        CliResult raw = CliRunner.Run("train", "--data", data, "--header", "--regression", "--seed", "2", "--out", model, "--no-plot", "--epochs", "1", "--target-scaling", "none");
        Assert.True(raw.ExitCode == 0, raw.ToString());
        Assert.Equal("", raw.Error);   // the raw loss (thousands) is not "worse" than the standardised one (below 1)
    }

    [Fact]
    public void TargetScalingStandard_OnClasses_IsAUserError()
    {
        string model = Path.Combine(CliRunner.TempFolder(), "m.fbp");
        UserErrorAssert.OneLine(CliRunner.Run("train", "--target-scaling", "standard", "--epochs", "1", "--out", model), "--target-scaling standard: digits");
        Assert.False(File.Exists(model));
    }

    [Fact]
    public void TargetScalingStandard_WithCrossEntropy_IsAUserError()
    {
        string folder = CliRunner.TempFolder();
        string data = RegressionCsv(folder);
        CliResult result = CliRunner.Run("train", "--data", data, "--header", "--regression", "--output-activation", "logistic", "--loss", "cross-entropy",
            "--target-scaling", "standard", "--epochs", "1", "--out", Path.Combine(folder, "m.fbp"));
        UserErrorAssert.OneLine(result, "--target-scaling standard: the network has a logistic output with CrossEntropy loss");
    }

    [Fact]
    public void TargetScaling_UnknownName_IsAUserError()
    {
        CliResult result = CliRunner.Run("train", "--target-scaling", "minmax", "--epochs", "1");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("'minmax' not recognized", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void AutoWithoutIdentityOutput_DoesNotStandardise()
    {
        (_, _, string model, _) = Train("--output-activation", "relu", "--epochs", "2");
        Assert.Null(ModelFile.Load(model).TargetScaling);   // a relu output cannot reach negative standardised targets
    }

    [Theory]
    [InlineData(1617, 32, false, 20)]   // the embedded digits' training part: 51 steps an epoch, the README's 20 epochs
    [InlineData(101, 32, false, 200)]   // iris's: 4 steps an epoch; 250 for 1,000 steps, capped at 200
    [InlineData(383, 32, false, 84)]    // breast cancer's: 12 steps an epoch
    [InlineData(298, 32, false, 100)]   // diabetes's: 10 steps an epoch
    [InlineData(101, 1, false, 20)]     // online: 101 steps an epoch
    [InlineData(101, 101, true, 20)]    // a full-batch method keeps 20
    public void DefaultEpochs_AtLeastAThousandStepsBetween20And200(int count, int batch, bool fullBatch, int expected)
    {
        Assert.Equal(expected, DefaultEpochs.For(count, batch, fullBatch));
    }

    [Fact]
    public void DefaultEpochs_AreRecorded_AndAnExplicitCountWins()
    {
        (_, _, string model, CliResult train) = Train();
        // 120 rows, 12 held out for validation: 108 training rows in 4 batches of 32, so 200 epochs (1,000 steps, capped).
        Assert.Equal("200", ModelFile.Load(model).Metadata["epochs-planned"]);
        Assert.Contains("200 epochs", train.Output, StringComparison.Ordinal);
        (_, _, string explicitModel, _) = Train("--epochs", "3");
        Assert.Equal("3", ModelFile.Load(explicitModel).Metadata["epochs-planned"]);
    }
}
