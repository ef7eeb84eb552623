using System.Globalization;
using System.Text.Json;
using FastBackprop.Cli.Tests.Support;
using FastBackprop.Data;
using Parquet;
using Parquet.Schema;

namespace FastBackprop.Cli.Tests;

/// <summary>`--data file.parquet` in every command that takes --data (train, eval, cv): the embedded digits written as
/// Parquet train and evaluate as their CSV does, and a bad Parquet file is one line on standard error and exit 1.</summary>
public sealed class ParquetDataTests
{
    private static readonly Lazy<string> Folder = new(CreateFiles);

    private static string F(string name) => Path.Combine(Folder.Value, name);

    // digits.parquet: the embedded digits' 64 raw pixel counts (float) and the label (int32), in row groups of 500;
    // digits.csv: the same table as CSV with a header; text.parquet: a label column of strings; csv.parquet: CSV text.
    private static string CreateFiles()
    {
        string folder = CliRunner.TempFolder();
        Dataset digits = EmbeddedData.Digits(scaleToUnit: false);
        WriteDigits(digits, Path.Combine(folder, "digits.parquet")).GetAwaiter().GetResult();
        using (var csv = new StreamWriter(Path.Combine(folder, "digits.csv")))
        {
            csv.WriteLine(string.Join(',', Enumerable.Range(0, 64).Select(j => $"p{j}").Append("label")));
            for (int i = 0; i < digits.Count; i++)
            {
                csv.WriteLine(string.Join(',', digits.GetInput(i).ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture)).Append(digits.GetLabel(i).ToString(CultureInfo.InvariantCulture))));
            }
        }
        WriteText(Path.Combine(folder, "text.parquet")).GetAwaiter().GetResult();
        File.WriteAllText(Path.Combine(folder, "csv.parquet"), "1,2,0\n3,4,1\n");
        return folder;
    }

    private static async Task WriteDigits(Dataset digits, string path)
    {
        DataField[] fields = [.. Enumerable.Range(0, 64).Select(j => (DataField)new DataField<float>($"p{j}")), new DataField<int>("label")];
        await using FileStream file = File.Create(path);
        await using ParquetWriter writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), file);
        for (int start = 0; start < digits.Count; start += 500)
        {
            int count = Math.Min(500, digits.Count - start);
            using ParquetRowGroupWriter group = writer.CreateRowGroup();
            for (int j = 0; j < 64; j++)
            {
                float[] column = [.. Enumerable.Range(start, count).Select(i => digits.GetInput(i)[j])];
                await group.WriteAsync<float>(fields[j], column, null, null, CancellationToken.None);
            }
            await group.WriteAsync<int>(fields[64], digits.GetLabels(start, count).ToArray(), null, null, CancellationToken.None);
        }
    }

    private static async Task WriteText(string path)
    {
        DataField[] fields = [new DataField<double>("x"), new DataField<string>("species")];
        await using FileStream file = File.Create(path);
        await using ParquetWriter writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), file);
        using ParquetRowGroupWriter group = writer.CreateRowGroup();
        await group.WriteAsync<double>(fields[0], new double[] { 1, 2 }, null, null, CancellationToken.None);
        await group.WriteAsync(fields[1], new string?[] { "setosa", "virginica" }, null);
    }

    [Fact]
    public void Train_OneEpoch_OnParquet_MatchesTheSameCsv()
    {
        string folder = CliRunner.TempFolder();
        string fromParquet = Path.Combine(folder, "p.fbp"), fromCsv = Path.Combine(folder, "c.fbp");
        CliResult parquet = CliRunner.Run("train", "--data", F("digits.parquet"), "--epochs", "1", "--seed", "5", "--out", fromParquet, "--json");
        CliResult csv = CliRunner.Run("train", "--data", F("digits.csv"), "--header", "--epochs", "1", "--seed", "5", "--out", fromCsv, "--json");
        Assert.True(parquet.ExitCode == 0, parquet.ToString());
        Assert.True(csv.ExitCode == 0, csv.ToString());
        Assert.Equal(FinalLoss(csv.Output), FinalLoss(parquet.Output));

        CliResult eval = CliRunner.Run("eval", "--model", fromParquet, "--data", F("digits.parquet"));
        Assert.True(eval.ExitCode == 0, eval.ToString());
    }

    [Fact]
    public void CrossValidation_TakesParquet()
    {
        CliResult cv = CliRunner.Run("cv", "--data", F("digits.parquet"), "--folds", "2", "--epochs", "1");
        Assert.True(cv.ExitCode == 0, cv.ToString());
    }

    // The training loss of the last epoch, from train --json's document.
    private static string FinalLoss(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        JsonElement epochs = document.RootElement.GetProperty("epochs");
        return epochs[epochs.GetArrayLength() - 1].GetProperty("trainLoss").GetRawText();
    }

    public static TheoryData<string[], string> Errors() => new()
    {
        { ["train", "--data", "{text.parquet}"], "column 2 ('species') holds text (strings)" },
        { ["train", "--data", "{csv.parquet}"], "does not start with PAR1 (it starts with text: is it a CSV file?)" },
        { ["train", "--data", "{digits.parquet}", "--weight-column", "w"], "no column named 'w' (--weight-column)" },
        { ["train", "--data", "{digits.parquet}", "--classes", "5"], "(--classes)" },
        { ["train", "--data", "{digits.parquet}", "--label-column", "70"], "label column 70 does not fit a file of 65 columns" },
        { ["eval", "--model", "{model}", "--data", "{text.parquet}"], "holds text" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void BadParquet_ExitsOneWithOneLine(string[] args, string expected)
    {
        string[] resolved = [.. args.Select(a => a == "{model}" ? TrainedModel.Path : a.StartsWith('{') ? F(a[1..^1]) : a)];
        UserErrorAssert.OneLine(CliRunner.Run(resolved), expected);
    }
}
