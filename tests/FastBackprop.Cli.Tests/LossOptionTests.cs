using System.Globalization;
using System.Text;
using System.Text.Json;
using FastBackprop.Cli.Tests.Support;
using FastBackprop.IO;

namespace FastBackprop.Cli.Tests;

/// <summary>--loss: every loss by name with its parameters in parentheses, the errors for bad names, parameters and
/// output functions, the loss stored in the model and shown by info, and gradcheck over every loss.</summary>
public sealed class LossOptionTests
{
    private static readonly Lazy<string> Folder = new(CreateFiles);

    // counts.csv: two inputs and a count target (y = i + j, at least 0: Poisson takes it), with a header.
    private static string CreateFiles()
    {
        string folder = CliRunner.TempFolder();
        var text = new StringBuilder("x0,x1,y\n");
        for (int i = 0; i < 6; i++)
        {
            for (int j = 0; j < 6; j++) text.Append(CultureInfo.InvariantCulture, $"{i},{j},{i + j}\n");
        }
        File.WriteAllText(Path.Combine(folder, "counts.csv"), text.ToString());
        return folder;
    }

    private static string Counts => Path.Combine(Folder.Value, "counts.csv");

    public static TheoryData<string[], string> Errors() => new()
    {
        { ["train", "--loss", "cosine"], "--loss 'cosine': expected hse (half squared error" },
        { ["train", "--loss", "huber(0)"], "--loss 'huber(0)': expected a huber delta that is finite and greater than 0" },
        { ["train", "--loss", "huber(x)"], "--loss 'huber(x)': expected a number in the parentheses" },
        { ["train", "--loss", "ce(1.5)"], "--loss 'ce(1.5)': expected a label smoothing in [0, 1]" },
        { ["train", "--loss", "bce", "--epochs", "1"], "expected logistic in the output layer" },
        { ["train", "--loss", "poisson", "--epochs", "1"], "expected exp in the output layer" },
        { ["train", "--loss", "ce(0.1)", "--output-activation", "logistic", "--epochs", "1"], "expected softmax in the output layer: label smoothing" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void BadLoss_ExitsOneWithOneLine(string[] args, string expected) =>
        UserErrorAssert.OneLine(CliRunner.Run([.. args, "--out", Path.Combine(CliRunner.TempFolder(), "m.fbp"), "--no-plot"]), expected);

    [Theory]
    [InlineData("mse", "identity", "MeanSquaredError (mse, mean over outputs)")]
    [InlineData("mae", "identity", "MeanAbsoluteError (mae, mean over outputs)")]
    [InlineData("huber(0.5)", "identity", "Huber(0.5) (huber(0.5), mean over outputs)")]
    [InlineData("poisson", "exp", "Poisson (poisson, mean over outputs)")]
    [InlineData("hse", "identity", "HalfSquaredError (hse, sum over outputs)")]
    public void Regression_TrainsWithTheLoss_StoresIt_AndInfoShowsIt(string loss, string output, string shown)
    {
        string model = Path.Combine(CliRunner.TempFolder(), "m.fbp");
        CliResult train = CliRunner.Run("train", "--data", Counts, "--header", "--regression", "--layers", "2,6,1", "--output-activation", output,
            "--loss", loss, "--epochs", "3", "--out", model, "--no-plot", "--quiet");
        Assert.True(train.ExitCode == 0, train.ToString());
        Assert.Equal(loss, ModelFile.Load(model).Network.Definition.Loss.Name);
        CliResult info = CliRunner.Run("info", "--model", model);
        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Contains($"loss {shown}", info.Output, StringComparison.Ordinal);
        using JsonDocument json = JsonDocument.Parse(CliRunner.Run("info", "--model", model, "--json").Output);
        Assert.Equal(loss, json.RootElement.GetProperty("lossName").GetString());
    }

    [Fact]
    public void Classification_TakesLabelSmoothing_AndKeepsCrossEntropyAsTheDefault()
    {
        string folder = CliRunner.TempFolder();
        string smoothed = Path.Combine(folder, "s.fbp"), plain = Path.Combine(folder, "p.fbp");
        CliResult train = CliRunner.Run("train", "--layers", "64,8,10", "--loss", "ce(0.1)", "--epochs", "1", "--out", smoothed, "--no-plot", "--quiet");
        Assert.True(train.ExitCode == 0, train.ToString());
        Assert.Equal("ce(0.1)", ModelFile.Load(smoothed).Network.Definition.Loss.Name);
        train = CliRunner.Run("train", "--layers", "64,8,10", "--epochs", "1", "--out", plain, "--no-plot", "--quiet");
        Assert.True(train.ExitCode == 0, train.ToString());
        Assert.Same(Loss.CrossEntropy, ModelFile.Load(plain).Network.Definition.Loss);
    }

    [Fact]
    public void GradCheck_CoversEveryLoss_AndPasses()
    {
        // Seed 1 draws every loss in 20 networks (the draw is fixed by the seed, so the test is deterministic).
        CliResult result = CliRunner.Run("gradcheck", "--networks", "20", "--seed", "1", "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        using JsonDocument json = JsonDocument.Parse(result.Output);
        HashSet<string> losses = [.. json.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("transfers").GetString()!.Split(" / ")[1])];
        Assert.Equal(["bce", "ce", "ce(0.1)", "hse", "huber(0.5)", "mae", "mse", "poisson"], losses.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void GradCheck_HelpExample_Passes()
    {
        // The example gradcheck's help shows. Its first network's first layer has gradients near 1e-5 beside an E of
        // about 8: the central differences' own rounding (about 1e-9) read as a relative error of 6e-5 and failed it.
        CliResult result = CliRunner.Run("gradcheck", "--networks", "50", "--seed", "7", "--quiet");
        Assert.True(result.ExitCode == 0, result.ToString());
    }
}
