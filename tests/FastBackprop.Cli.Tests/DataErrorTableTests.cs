using System.Globalization;
using System.IO.Compression;
using System.Text;
using FastBackprop.Cli.Tests.Support;
using FastBackprop.Data;
using FastBackprop.IO;

namespace FastBackprop.Cli.Tests;

/// <summary>Issue 13's data cases in one table (command, exit code, a fragment of the one-line
/// message), and the scaling facts: a model trained by the CLI predicts from raw rows exactly what
/// the library predicts from the scaled rows it was trained on.</summary>
public sealed class DataErrorTableTests
{
    private static readonly Lazy<string> Folder = new(CreateFiles);

    // ---- files and models ---------------------------------------------------------------------

    private static string CreateFiles()
    {
        string folder = CliRunner.TempFolder();
        void Text(string name, string text) => File.WriteAllText(Path.Combine(folder, name), text);

        string iris = ClassRows(seed: 1, rows: 60, spread: 0.5, separation: 2, ",");
        Text("iris.csv", iris);
        Text("my,iris.csv", iris);
        Text("iris-semi.csv", iris.Replace(',', ';'));
        Text("iris-tab.csv", iris.Replace(',', '\t'));
        Text("iris-decimal-comma.csv", "5,1;3,5;1,4;0,2;0\n");
        Text("sklearn.csv", "60,4,setosa,versicolor,virginica,extra\n" + iris);
        Text("gap.csv", "1,2,3,4,0\n5,,7,8,1\n");
        Text("label-1500.csv", iris + "1,2,3,4,1500\n");
        Text("label-65535.csv", iris + "1,2,3,4,65535\n");
        Text("label-70000.csv", "1,2,3,4,0\n1,2,3,4,70000\n");
        Text("label-2.csv", "1,2,3,4,0\n1,2,3,4,2\n");
        Text("small.csv", ClassRows(seed: 3, rows: 60, spread: 0.01, separation: 0.02, ","));
        Text("small-3e38.csv", "0.01,3e38,0.01,0.01,1\n");

        Text("rows-gap.csv", "5.1,,3.5,1.4\n");
        Text("rows-trailing.csv", "5.1,3.5,1.4,0.2,\n");
        Text("rows-3e39.csv", "5.1,3e39,1.4,0.2\n");
        Text("rows-3e38.csv", "0.01,3e38,0.01,0.01\n");
        Text("rows-semi.csv", "5.1;3.5;1.4;0.2\n6.1;2.5;4.4;1.2\n");
        Text("rows-space.csv", "5.1  3.5 1.4\t0.2\n");
        Text("rows-narrow.csv", "0.1,0.2,0.3\n");
        Text("rows-big.csv", "1e20,1e20\n");
        File.WriteAllBytes(Path.Combine(folder, "rows.csv.gz"), Gzip("5.1,3.5,1.4,0.2\n"));

        byte[] gz = Gzip(iris);
        File.WriteAllBytes(Path.Combine(folder, "iris.csv.gz"), gz);
        File.WriteAllBytes(Path.Combine(folder, "truncated.csv.gz"), gz[..(gz.Length * 2 / 3)]);
        byte[] flipped = (byte[])gz.Clone();
        flipped[gz.Length / 2] ^= 0x04;
        File.WriteAllBytes(Path.Combine(folder, "flipped.csv.gz"), flipped);

        Directory.CreateDirectory(Path.Combine(folder, "idx0"));
        File.WriteAllBytes(Path.Combine(folder, "idx0", "train-images-idx3-ubyte"), [0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28]);
        File.WriteAllBytes(Path.Combine(folder, "idx0", "train-labels-idx1-ubyte"), [0, 0, 8, 1, 0, 0, 0, 0]);

        WriteRawDigits(Path.Combine(folder, "digits.csv"));
        Train(folder, "iris.fbp", "--data", Path.Combine(folder, "iris.csv"));
        Train(folder, "small.fbp", "--data", Path.Combine(folder, "small.csv"));
        // A 2-1 identity network whose sums overflow a float for inputs of 1e20.
        var huge = new Network(2, Loss.HalfSquaredError, new Dense(1, TransferFunction.Identity));
        huge.Parameters.Fill(1e30f);
        ModelFile.Save(Path.Combine(folder, "huge.fbp"), new Model(huge, scaling: null));
        return folder;
    }

    private static void Train(string folder, string model, params string[] data)
    {
        CliResult r = CliRunner.Run(["train", .. data, "--epochs", "3", "--seed", "5", "--no-plot", "--quiet", "--out", Path.Combine(folder, model)]);
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    /// <summary>Three well-separated classes: 4 inputs around class * separation, then the label.</summary>
    private static string ClassRows(ulong seed, int rows, double spread, double separation, string separator)
    {
        var random = new SeededRandom(seed);
        var text = new StringBuilder();
        for (int i = 0; i < rows; i++)
        {
            int c = i % 3;
            for (int j = 0; j < 4; j++) text.Append((c * separation + spread * random.NextSymmetric(1f)).ToString("F4", CultureInfo.InvariantCulture)).Append(separator);
            text.Append(c).Append('\n');
        }
        return text.ToString();
    }

    private static byte[] Gzip(string text)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(Encoding.UTF8.GetBytes(text));
        return output.ToArray();
    }

    private static string F(string name) => Path.Combine(Folder.Value, name);

    // ---- the table ----------------------------------------------------------------------------

    /// <summary>{name} is a file of the folder above, {digits} the shared digits model.</summary>
    public static TheoryData<string[], int, string> Cases() => new()
    {
        // 1. scaling travels with the model: raw digits rows and raw CSV data
        { ["eval", "--model", "{digits}", "--data", "{digits.csv}", "--no-plot"], 0, "accuracy" },
        // 2. empty fields are errors naming line and column, in every reader
        { ["predict", "--model", "{iris.fbp}", "--input", "{rows-gap.csv}"], 1, "rows-gap.csv, line 1, column 2: empty field" },
        { ["predict", "--model", "{iris.fbp}", "--input", "{rows-trailing.csv}"], 1, "rows-trailing.csv, line 1, column 5: empty field" },
        { ["train", "--data", "{gap.csv}", "--epochs", "1"], 1, "gap.csv, line 2, column 2: empty field" },
        // 3. class counts and empty IDX files
        { ["train", "--data", "{label-1500.csv}", "--epochs", "1", "--validation", "0", "--layers", "4,4,1501"], 0, "warning: " },
        { ["train", "--data", "{label-1500.csv}", "--epochs", "1", "--validation", "0", "--layers", "4,4,1501"], 0, "1501 classes, of which 4 occur" },
        // the largest label trains and scores without a class-count-squared confusion matrix (it ran out of memory)
        { ["train", "--data", "{label-65535.csv}", "--epochs", "1", "--no-plot"], 0, "65536 classes, of which 4 occur" },
        { ["train", "--data", "{label-70000.csv}", "--epochs", "1"], 1, "expected a class in [0, 65536) (use --classes for more classes)" },
        { ["train", "--data", "{label-2.csv}", "--classes", "2", "--epochs", "1"], 1, "expected a class in [0, 2) (--classes)" },
        { ["train", "--data", "{label-2.csv}", "--classes", "100000", "--epochs", "1"], 1, "--classes must be 2 to 65536" },
        { ["train", "--data", "{idx0}", "--epochs", "1"], 1, "train-images-idx3-ubyte, byte 4: the images file holds 0 images" },
        // 4. values that do not fit, or overflow after scaling or in the network: user errors
        { ["predict", "--model", "{iris.fbp}", "--input", "{rows-3e39.csv}"], 1, "rows-3e39.csv, line 1, column 2: value '3e39' does not fit a float" },
        { ["predict", "--model", "{small.fbp}", "--input", "{rows-3e38.csv}"], 1, "rows-3e38.csv, line 1, column 2: value '3e38' scales to" },
        { ["predict", "--model", "{huge.fbp}", "--input", "{rows-big.csv}"], 1, "rows-big.csv, line 1: the model's outputs are not finite" },
        { ["eval", "--model", "{small.fbp}", "--data", "{small-3e38.csv}", "--classes", "3", "--no-plot"], 1, "far outside the fitted range" },
        // 5. CSV as people have it: separators, .csv.gz, sklearn headers, CLI hints, commas in paths
        { ["train", "--data", "{iris-semi.csv}", "--epochs", "1", "--no-plot"], 0, "training" },
        { ["train", "--data", "{iris-semi.csv}", "--separator", ";", "--epochs", "1", "--no-plot"], 0, "training" },
        { ["train", "--data", "{iris-semi.csv}", "--separator", "comma", "--epochs", "1"], 1, "look separated by ';': use --separator" },
        { ["train", "--data", "{iris-tab.csv}", "--separator", "tab", "--epochs", "1", "--no-plot"], 0, "training" },
        { ["train", "--data", "{iris-decimal-comma.csv}", "--separator", ";", "--epochs", "1"], 1, "Numbers need '.' as the decimal point" },
        { ["train", "--data", "{iris.csv}", "--separator", "xx"], 1, "--separator 'xx'" },
        { ["eval", "--model", "{iris.fbp}", "--data", "{iris-tab.csv}", "--no-plot"], 0, "accuracy" },
        { ["predict", "--model", "{iris.fbp}", "--input", "{rows-semi.csv}"], 0, "class" },
        { ["predict", "--model", "{iris.fbp}", "--input", "{rows-semi.csv}", "--separator", ","], 1, "1 value; expected 4 inputs per row (the input width of the model iris.fbp). (The fields look separated by ';'" },
        { ["predict", "--model", "{iris.fbp}", "--input", "{rows-space.csv}"], 0, "class" },
        { ["predict", "--model", "{iris.fbp}", "--input", "{rows.csv.gz}"], 0, "class" },
        { ["predict", "--model", "{digits}", "--input", "{rows-narrow.csv}"], 1, "rows-narrow.csv, line 1: 3 values; expected 64 inputs per row" },
        { ["train", "--data", "{iris.csv.gz}", "--epochs", "1", "--no-plot"], 0, "training" },
        { ["train", "--data", "{truncated.csv.gz}", "--epochs", "1"], 1, "the gzip data ends early or is corrupt" },
        { ["train", "--data", "{flipped.csv.gz}", "--epochs", "1"], 1, "gzip" },
        { ["train", "--data", "{sklearn.csv}", "--header", "--epochs", "1", "--no-plot"], 0, "training" },
        { ["train", "--data", "{sklearn.csv}", "--epochs", "1"], 1, "(Is the first line a header? Use --header.)" },
        { ["train", "--data", "{my,iris.csv}", "--epochs", "1", "--no-plot"], 0, "my,iris.csv" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void DataCase_ExitCodeAndMessage(string[] args, int exitCode, string fragment)
    {
        string folder = CliRunner.TempFolder();
        string[] resolved = [.. args.Select(a => a == "{digits}" ? TrainedModel.Path : a.StartsWith('{') ? F(a.Trim('{', '}')) : a)];
        if (resolved[0] == "train") resolved = [.. resolved, "--out", Path.Combine(folder, "m.fbp")];
        CliResult result = CliRunner.Run(resolved);

        Assert.True(result.ExitCode == exitCode, result.ToString());
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        if (exitCode == 0)
        {
            Assert.Contains(fragment, result.Output + result.Error, StringComparison.Ordinal);
            return;
        }
        string[] lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, result.ToString());
        Assert.StartsWith("fastbackprop: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(fragment, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("CsvOptions", lines[0], StringComparison.Ordinal);
    }

    // ---- the scaling facts --------------------------------------------------------------------

    [Fact]
    public void DigitsModel_PredictOnRawRows_EqualsLibraryOnScaledRows_BitForBit()
    {
        // Default scaling (none on top of the loader's / 16): the CLI's stored scaling is the
        // loader's, so raw counts give exactly the library's outputs on Digits().
        Model model = ModelFile.Load(TrainedModel.Path);
        Assert.NotNull(model.Scaling);
        string[] cli = PredictRaw(TrainedModel.Path, rows: 40);
        string[] library = LibraryPredict(model.Network, EmbeddedData.Digits(), rows: 40);
        Assert.Equal(library, cli);
    }

    [Fact]
    public void DigitsModel_WithStandardScaling_ComposesIntoOneStoredScaling()
    {
        // --scaling standard on top of the loader's / 16, fitted on all rows (--validation 0), so
        // the library can refit the very same standardisation on Digits() and compare.
        string folder = CliRunner.TempFolder();
        string path = Path.Combine(folder, "standard.fbp");
        CliResult trained = CliRunner.Run("train", "--scaling", "standard", "--validation", "0", "--epochs", "2", "--seed", "3", "--no-plot", "--quiet", "--out", path);
        Assert.True(trained.ExitCode == 0, trained.ToString());
        Model model = ModelFile.Load(path);

        InputScaling fitted = InputScaling.Fit(EmbeddedData.Digits(), InputScalingKind.Standardization);
        string[] library = LibraryPredict(model.Network, fitted.Apply(EmbeddedData.Digits()), rows: 40);
        string[] cli = PredictRaw(path, rows: 40);
        for (int i = 0; i < library.Length; i++)
        {
            float[] a = Numbers(library[i]), b = Numbers(cli[i]);
            Assert.Equal(a[0], b[0]);                         // the class
            for (int k = 1; k < a.Length; k++) Assert.True(Math.Abs(a[k] - b[k]) <= 1e-4f, $"row {i}: {library[i]} vs {cli[i]}");
        }
    }

    [Fact]
    public void DigitsModel_EvalOnRawCsv_EqualsEvalOnEmbeddedDigits()
    {
        // Before, eval on the raw counts reported a loss three times the real one (0.171 vs 0.062).
        string csv = F("digits.csv");
        CliResult embedded = CliRunner.Run("eval", "--model", TrainedModel.Path, "--no-plot", "--json");
        CliResult raw = CliRunner.Run("eval", "--model", TrainedModel.Path, "--data", csv, "--no-plot", "--json");
        Assert.True(embedded.ExitCode == 0 && raw.ExitCode == 0, embedded + "\n" + raw);
        Assert.Equal(JsonField(embedded.Output, "loss"), JsonField(raw.Output, "loss"));
        Assert.Equal(JsonField(embedded.Output, "accuracy"), JsonField(raw.Output, "accuracy"));
    }

    [Fact]
    public void LegacyDigitsModel_WithoutStoredScaling_GetsTheUnrecordedDivisionBack_WithAWarning()
    {
        // A model as the CLI saved it before the loaders' scaling was recorded: same network and
        // metadata, no scaling. Its network expects counts / 16.
        Model current = ModelFile.Load(TrainedModel.Path);
        string legacy = Path.Combine(CliRunner.TempFolder(), "legacy.fbp");
        ModelFile.Save(legacy, new Model(current.Network, scaling: null, current.Metadata));

        CliResult now = CliRunner.Run("eval", "--model", TrainedModel.Path, "--no-plot", "--json");
        CliResult old = CliRunner.Run("eval", "--model", legacy, "--no-plot", "--json");
        Assert.True(old.ExitCode == 0, old.ToString());
        Assert.Contains("warning: legacy.fbp was saved by an older fastbackprop without its input scaling; applying the / 16", old.Error, StringComparison.Ordinal);
        Assert.Equal(JsonField(now.Output, "loss"), JsonField(old.Output, "loss"));
        Assert.Equal(PredictRaw(TrainedModel.Path, rows: 10), PredictRaw(legacy, rows: 10));
    }

    [Fact]
    public void IdxModel_PredictOnRawPixels_EqualsLibraryOnScaledPixels_BitForBit()
    {
        string folder = CliRunner.TempFolder();
        const int count = 120, width = 16;
        var pixels = new byte[count * width];
        var labels = new byte[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = (byte)(i % 3);
            for (int k = 0; k < width; k++) pixels[i * width + k] = (byte)((labels[i] * 80 + k * 5 + i * 7) % 256);
        }
        File.WriteAllBytes(Path.Combine(folder, "train-images-idx3-ubyte"), [0, 0, 8, 3, 0, 0, 0, count, 0, 0, 0, 4, 0, 0, 0, 4, .. pixels]);
        File.WriteAllBytes(Path.Combine(folder, "train-labels-idx1-ubyte"), [0, 0, 8, 1, 0, 0, 0, count, .. labels]);
        string model = Path.Combine(folder, "idx.fbp");
        CliResult trained = CliRunner.Run("train", "--data", folder, "--layers", "16,8,10", "--epochs", "2", "--no-plot", "--quiet", "--out", model);
        Assert.True(trained.ExitCode == 0, trained.ToString());

        string rows = Path.Combine(folder, "rows.csv");
        File.WriteAllLines(rows, Enumerable.Range(0, count).Select(i => string.Join(',', pixels.AsSpan(i * width, width).ToArray())));
        CliResult cli = CliRunner.Run("predict", "--model", model, "--input", rows, "--probabilities");
        Assert.True(cli.ExitCode == 0, cli.ToString());

        Dataset scaled = Dataset.FromIdx(Path.Combine(folder, "train-images-idx3-ubyte"), Path.Combine(folder, "train-labels-idx1-ubyte"));
        Assert.Equal(LibraryPredict(ModelFile.Load(model).Network, scaled, count), cli.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..]);
    }

    private static string[] PredictRaw(string model, int rows)
    {
        Dataset raw = EmbeddedData.Digits(scaleToUnit: false);
        string csv = string.Join('\n', Enumerable.Range(0, rows).Select(i => string.Join(',', raw.GetInput(i).ToArray().Select(v => v.ToString(CultureInfo.InvariantCulture))))) + "\n";
        CliResult result = CliRunner.RunWithInput(csv, "predict", "--model", model, "--probabilities");
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..];
    }

    /// <summary>The library's outputs for the first <paramref name="rows"/> samples, formatted as predict writes them.</summary>
    private static string[] LibraryPredict(Network network, Dataset data, int rows)
    {
        // PredictBatch over the same rows, as predict runs it: the same summation order.
        int outputs = network.Definition.OutputWidth;
        var y = new float[rows * outputs];
        network.PredictBatch(data.GetInputs(0, rows), y, network.CreateBatchWorkspace(rows));
        var lines = new string[rows];
        for (int i = 0; i < rows; i++)
        {
            ReadOnlySpan<float> row = y.AsSpan(i * outputs, outputs);
            lines[i] = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row).ToString(CultureInfo.InvariantCulture) + "," +
                string.Join(',', row.ToArray().Select(v => v.ToString("G6", CultureInfo.InvariantCulture)));
        }
        return lines;
    }

    private static float[] Numbers(string line) => [.. line.Split(',').Select(s => float.Parse(s, CultureInfo.InvariantCulture))];

    private static void WriteRawDigits(string path)
    {
        Dataset raw = EmbeddedData.Digits(scaleToUnit: false);
        var text = new StringBuilder();
        for (int i = 0; i < raw.Count; i++)
        {
            foreach (float v in raw.GetInput(i)) text.Append(v.ToString(CultureInfo.InvariantCulture)).Append(',');
            text.Append(raw.GetLabel(i)).Append('\n');
        }
        File.WriteAllText(path, text.ToString());
    }

    private static string JsonField(string json, string name) =>
        System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty(name).GetRawText();
}
