using System.Globalization;
using System.Text;
using System.Text.Json;
using FastBackprop.Cli.Tests.Support;

namespace FastBackprop.Cli.Tests;

/// <summary>--weight-column (train, eval) and --class-weight (train): their errors, and what they change.</summary>
public sealed class WeightOptionTests
{
    private static readonly Lazy<string> Folder = new(CreateFiles);

    // 90 rows with a header: x0, x1, x2, weight (as given; no column when null), label (3 classes).
    private static string Rows(Func<int, string>? weight)
    {
        var text = new StringBuilder(weight is null ? "x0,x1,x2,label\n" : "x0,x1,x2,w,label\n");
        for (int p = 0; p < 90; p++)
        {
            int label = p % 3;
            float a = MathF.Sin(p) + label, b = MathF.Cos(p * 1.7f) - label, c = p % 7 / 7f;
            text.Append(CultureInfo.InvariantCulture, $"{a:R},{b:R},{c:R},{(weight is null ? "" : weight(p) + ",")}{label}\n");
        }
        return text.ToString();
    }

    private static string CreateFiles()
    {
        string folder = CliRunner.TempFolder();
        File.WriteAllText(Path.Combine(folder, "weighted.csv"), Rows(p => (p % 4).ToString(CultureInfo.InvariantCulture)));
        File.WriteAllText(Path.Combine(folder, "other.csv"), Rows(p => ((p + 1) % 4).ToString(CultureInfo.InvariantCulture)));
        File.WriteAllText(Path.Combine(folder, "ones.csv"), Rows(_ => "1"));
        File.WriteAllText(Path.Combine(folder, "plain.csv"), Rows(null));
        File.WriteAllText(Path.Combine(folder, "negative.csv"), Rows(p => p == 5 ? "-0.5" : "1"));
        File.WriteAllText(Path.Combine(folder, "zeros.csv"), Rows(_ => "0"));
        return folder;
    }

    private static string F(string name) => Path.Combine(Folder.Value, name);

    public static TheoryData<string[], string> Errors() => new()
    {
        { ["train", "--data", "{weighted.csv}", "--header", "--weight-column", "7"], "weight column 7" },
        { ["train", "--data", "{weighted.csv}", "--weight-column", "w"], "without --header" },
        { ["train", "--data", "{weighted.csv}", "--header", "--weight-column", "weight"], "no column named 'weight'" },
        { ["train", "--data", "{weighted.csv}", "--header", "--weight-column", "4"], "the label" },
        { ["train", "--data", "{negative.csv}", "--header", "--weight-column", "w"], "weight '-0.5' is negative" },
        { ["train", "--data", "{zeros.csv}", "--header", "--weight-column", "3"], "every weight in column 4 is 0" },
        { ["train", "--weight-column", "3"], "--weight-column reads a column of a CSV file" },
        { ["eval", "--model", "{model}", "--weight-column", "3"], "--weight-column reads a column of a CSV file" },
        { ["train", "--data", "{weighted.csv}", "--header", "--class-weight", "1,2"], "expected 3" },
        { ["train", "--class-weight", "1,2,3"], "expected 10" },
        { ["train", "--class-weight", "heavy"], "--class-weight 'heavy'" },
        { ["train", "--class-weight", "1,-2,1"], "--class-weight '1,-2,1'" },
        { ["train", "--class-weight", "1,NaN,1"], "--class-weight '1,NaN,1'" },
        { ["train", "--data", "{weighted.csv}", "--header", "--regression", "--class-weight", "balanced"], "--class-weight needs classification data" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void UserError_ExitsOneWithOneLine(string[] args, string expected)
    {
        string[] resolved = [.. args.Select(a => a == "{model}" ? TrainedModel.Path : a.StartsWith('{') ? F(a.Trim('{', '}')) : a)];
        UserErrorAssert.OneLine(CliRunner.Run(resolved), expected);
    }

    private static string Train(string data, string name, params string[] extra)
    {
        string model = Path.Combine(Folder.Value, name);
        CliResult result = CliRunner.Run(["train", "--data", F(data), "--header", "--epochs", "3", "--seed", "2", "--no-plot", "--out", model, "-q", .. extra]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return model;
    }

    private static JsonElement Eval(string model, string data, params string[] extra)
    {
        CliResult result = CliRunner.Run(["eval", "--model", model, "--data", F(data), "--header", "--json", "--no-plot", .. extra]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.Output).RootElement;
    }

    [Fact]
    public void WeightColumnOfOnes_TrainsTheSameWeightsAsNoWeights()
    {
        // ones.csv is plain.csv with a weight column of 1s: the column is not an input, so the networks are alike.
        string weighted = Train("ones.csv", "ones-weighted.fbp", "--weight-column", "w", "--class-weight", "1,1,1");
        string plain = Train("plain.csv", "plain.fbp");
        JsonElement a = Eval(weighted, "ones.csv", "--weight-column", "w"), b = Eval(plain, "plain.csv");
        Assert.Equal(b.GetProperty("loss").GetDouble(), a.GetProperty("loss").GetDouble());
        Assert.Equal(b.GetProperty("accuracy").GetDouble(), a.GetProperty("accuracy").GetDouble());
        Assert.Equal(90, a.GetProperty("weightSum").GetDouble());
        Assert.False(b.TryGetProperty("weightSum", out _));
    }

    [Fact]
    public void Train_Header_SaysWhetherTheRunIsWeighted()
    {
        string[] common = ["train", "--data", F("weighted.csv"), "--header", "--epochs", "1", "--no-plot"];
        CliResult weighted = CliRunner.Run([.. common, "--weight-column", "w", "--out", Path.Combine(Folder.Value, "h1.fbp")]);
        CliResult plain = CliRunner.Run([.. common, "--out", Path.Combine(Folder.Value, "h2.fbp")]);
        Assert.True(weighted.ExitCode == 0 && plain.ExitCode == 0, weighted + "\n" + plain);
        Assert.Matches(@"(?m)^  data .*validation samples, weighted \(loss, accuracy and MSE are weighted means\)$", weighted.Output);
        Assert.DoesNotContain("samples, weighted", plain.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_WithWeightColumn_ReportsWeightedFigures()
    {
        string model = Train("weighted.csv", "weighted.fbp", "--weight-column", "w", "--class-weight", "balanced");
        JsonElement weighted = Eval(model, "weighted.csv", "--weight-column", "w");
        double expectedSum = Enumerable.Range(0, 90).Sum(p => p % 4);
        Assert.Equal(expectedSum, weighted.GetProperty("weightSum").GetDouble());
        Assert.Equal(90, weighted.GetProperty("samples").GetInt32());

        CliResult text = CliRunner.Run("eval", "--model", model, "--data", F("weighted.csv"), "--header", "--weight-column", "3", "--no-plot");
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("weighted by --weight-column", text.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Resume_WithOtherWeights_IsRefusedAsOtherData()
    {
        string checkpoint = Path.Combine(Folder.Value, "w.ckpt");
        Train("weighted.csv", "ckpt.fbp", "--weight-column", "w", "--checkpoint", checkpoint);
        CliResult resumed = CliRunner.Run("train", "--data", F("other.csv"), "--header", "--weight-column", "w", "--epochs", "3", "--seed", "2", "--no-plot",
            "--out", Path.Combine(Folder.Value, "ckpt.fbp"), "-q", "--checkpoint", checkpoint, "--resume");
        UserErrorAssert.OneLine(resumed, "trained on other data");
    }
}
