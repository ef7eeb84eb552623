using System.CommandLine;
using System.Globalization;
using System.Numerics.Tensors;
using System.Text;
using System.Text.Json.Nodes;
using Spectre.Console;
using FastBackprop.Data;
using FastBackprop.IO;

namespace FastBackprop.Cli.Commands;

/// <summary>`fastbackprop predict`: the class (or the output values) of every row of a CSV file of
/// inputs, or of standard input.</summary>
internal static class PredictCommand
{
    private const int Batch = 256;
    private const string OutputOption = "--output";

    public static string[] Examples { get; } =
    [
        "fastbackprop predict --model model.fbp --input rows.csv               # one class per row, to standard output",
        "fastbackprop predict --model model.fbp --input rows.csv --output classes.csv --probabilities",
        "cat rows.csv | fastbackprop predict --model model.fbp --json",
    ];

    public static Command Build(CliContext context)
    {
        var model = new Option<string>("--model", "-m") { Description = "The model file.", Required = true, HelpName = "path" };
        var input = new Option<string?>("--input", "-i")
        {
            Description = "CSV of inputs, one row per sample, as many numbers as the model has inputs (a header line is skipped). Default or '-': standard input.",
            HelpName = "path",
        };
        var output = new Option<string?>(OutputOption) { Description = "Write the predictions to this CSV file instead of standard output.", HelpName = "path" };
        var probabilities = new Option<bool>("--probabilities", "-p") { Description = "For a classifier, also write every output (class probabilities)." };
        var command = new Command("predict", "Predict the class (or values) of each input row with a trained model.") { model, input, output, probabilities };
        command.SetAction(parse => Execute(context, parse.GetValue(model)!, parse.GetValue(input), parse.GetValue(output), parse.GetValue(probabilities)));
        return command;
    }

    private static int Execute(CliContext context, string modelPath, string? inputPath, string? outputPath, bool withOutputs)
    {
        if (outputPath is not null) OutputFiles.CheckWritable(outputPath, OutputOption);
        Model model = ModelFiles.Load(modelPath);
        Network network = model.Network;
        int width = network.Definition.InputWidth, outputs = network.Definition.OutputWidth;
        bool classifier = ModelFiles.IsClassifier(model);

        float[] x;
        string source;
        if (inputPath is null or "-")
        {
            source = "standard input";
            x = ReadRows(context.In, source, width, Path.GetFileName(modelPath));
        }
        else
        {
            if (!File.Exists(inputPath)) throw new UserException($"{inputPath}: no such input file (--input).");
            source = Path.GetFileName(inputPath);
            using var reader = new StreamReader(inputPath);
            x = ReadRows(reader, source, width, Path.GetFileName(modelPath));
        }
        int rows = x.Length / width;
        if (rows == 0) throw new UserException($"{source}: no input rows.");
        if (model.Scaling is { } inputScaling) Scale(x, width, inputScaling, source);

        var y = new float[rows * outputs];
        BatchWorkspace workspace = network.CreateBatchWorkspace(Math.Min(Batch, rows));
        for (int start = 0; start < rows; start += Batch)
        {
            int count = Math.Min(Batch, rows - start);
            network.PredictBatch(x.AsSpan(start * width, count * width), y.AsSpan(start * outputs, count * outputs), workspace);
        }
        CheckFinite(y, outputs, source);

        if (context.Json)
        {
            var predictions = new JsonArray();
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<float> row = y.AsSpan(r * outputs, outputs);
                var item = new JsonObject { ["row"] = r + 1 };
                if (classifier) item["class"] = TensorPrimitives.IndexOfMax(row);
                if (!classifier || withOutputs) item["outputs"] = new JsonArray([.. row.ToArray().Select(v => Json.Number(v))]);
                predictions.Add(item);
            }
            Json.Write(context, new JsonObject { ["command"] = "predict", ["model"] = Path.GetFullPath(modelPath), ["input"] = source, ["rows"] = rows, ["predictions"] = predictions });
            if (outputPath is null) return 0;
        }

        var text = new StringBuilder();
        var header = new List<string>();
        if (classifier) header.Add("class");
        if (!classifier || withOutputs) header.AddRange(Enumerable.Range(0, outputs).Select(k => (classifier ? "p" : "y") + k.ToString(CultureInfo.InvariantCulture)));
        text.AppendLine(string.Join(',', header));
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = y.AsSpan(r * outputs, outputs);
            var fields = new List<string>();
            if (classifier) fields.Add(TensorPrimitives.IndexOfMax(row).ToString(CultureInfo.InvariantCulture));
            if (!classifier || withOutputs)
            {
                foreach (float v in row) fields.Add(v.ToString("G6", CultureInfo.InvariantCulture));
            }
            text.AppendLine(string.Join(',', fields));
        }
        if (outputPath is null)
        {
            context.Out.Write(text.ToString());
        }
        else
        {
            OutputFiles.WriteText(outputPath, OutputOption, text.ToString());
            if (context.Human) context.Console.MarkupLine($"{Fmt.I(rows)} predictions written to [green]{Markup.Escape(outputPath)}[/]");
        }
        return 0;
    }

    /// <summary>Applies the model's input scaling to every row; a value that the scaling sends to
    /// infinity is far outside what the model was trained on, and is the user's to fix.</summary>
    private static void Scale(float[] x, int width, InputScaling scaling, string source)
    {
        var scaled = new float[width];
        for (int r = 0; r * width < x.Length; r++)
        {
            Span<float> row = x.AsSpan(r * width, width);
            scaling.Apply(row, scaled);
            int bad = IndexOfNonFinite(scaled);
            if (bad >= 0)
            {
                throw new UserException(Fmt.Inv($"{source}, row {r + 1}, column {bad + 1}: {row[bad]:G9} scales to {scaled[bad]} (the model's {scaling.Kind} input scaling); it is far outside the values the model was trained on."));
            }
            scaled.CopyTo(row);
        }
    }

    /// <summary>Finite inputs can still overflow inside the network: say so rather than print NaN.</summary>
    private static void CheckFinite(float[] y, int outputs, string source)
    {
        int bad = IndexOfNonFinite(y);
        if (bad >= 0)
        {
            throw new UserException($"{source}, row {bad / outputs + 1}: the model's outputs overflow ({y[bad]}); the inputs are far outside the values it was trained on.");
        }
    }

    private static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i])) return i;
        }
        return -1;
    }

    /// <summary>Reads rows of exactly <paramref name="width"/> numbers (invariant culture, comma,
    /// semicolon, tab or space separated); a non-numeric first line is a header and skipped.</summary>
    private static float[] ReadRows(TextReader reader, string source, int width, string modelName)
    {
        var values = new List<float>();
        int lineNumber = 0;
        bool first = true;
        char[] separators = [',', ';', '\t', ' '];
        while (reader.ReadLine() is string line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string[] fields = line.Split(separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            bool header = first && !float.TryParse(fields[0].Trim('"'), NumberStyles.Float, CultureInfo.InvariantCulture, out _);
            first = false;
            if (header) continue;
            if (fields.Length != width)
            {
                throw new UserException($"{source}, line {lineNumber}: {fields.Length} values; the model {modelName} expects {width} inputs per row.");
            }
            for (int c = 0; c < fields.Length; c++)
            {
                if (!float.TryParse(fields[c].Trim('"'), NumberStyles.Float, CultureInfo.InvariantCulture, out float v) || !float.IsFinite(v))
                {
                    throw new UserException($"{source}, line {lineNumber}, column {c + 1}: '{fields[c]}' is not a finite number.");
                }
                values.Add(v);
            }
        }
        return [.. values];
    }
}
