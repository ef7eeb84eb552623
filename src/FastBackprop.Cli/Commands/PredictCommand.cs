using System.CommandLine;
using System.Globalization;
using System.Numerics.Tensors;
using System.Text;
using System.Text.Json.Nodes;
using FastBackprop.Data;
using FastBackprop.IO;
using FastBackprop.Kernels;
using Spectre.Console;

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
            Description = "CSV of raw inputs (plain or .gz), one row per sample, as many numbers as the model has inputs (a header line is skipped); the model's input scaling is applied. Default or '-': standard input.",
            HelpName = "path",
        };
        Option<string?> separator = DataOptions.SeparatorOption();
        var output = new Option<string?>(OutputOption) { Description = "Write the predictions to this CSV file instead of standard output.", HelpName = "path" };
        var probabilities = new Option<bool>("--probabilities", "-p") { Description = "For a classifier, also write every output (class probabilities)." };
        var command = new Command("predict", "Predict the class (or values) of each input row with a trained model.") { model, input, separator, output, probabilities };
        command.SetAction(parse =>
        {
            DataOptions.TryParseSeparator(parse.GetValue(separator), out char? sep);
            return Execute(context, parse.GetValue(model)!, parse.GetValue(input), sep, parse.GetValue(output), parse.GetValue(probabilities));
        });
        return command;
    }

    private static int Execute(CliContext context, string modelPath, string? inputPath, char? separator, string? outputPath, bool withOutputs)
    {
        if (outputPath is not null) OutputFiles.CheckWritable(outputPath, OutputOption);
        Model model = ModelFiles.Load(modelPath);
        Network network = model.Network;
        int width = network.Definition.InputWidth, outputs = network.Definition.OutputWidth;
        bool classifier = ModelFiles.IsClassifier(model);

        CsvInputRows inputs = ReadRows(context, inputPath, model, separator, Path.GetFileName(modelPath));
        string source = Path.GetFileName(inputs.SourceName);
        ReadOnlySpan<float> x = inputs.Values;
        int rows = inputs.Count;

        var y = new float[rows * outputs];
        BatchWorkspace workspace = network.CreateBatchWorkspace(Math.Min(Batch, rows));
        for (int start = 0; start < rows; start += Batch)
        {
            int count = Math.Min(Batch, rows - start);
            try
            {
                network.PredictBatch(x.Slice(start * width, count * width), y.AsSpan(start * outputs, count * outputs), workspace);
                if (Finiteness.All(y.AsSpan(start * outputs, count * outputs))) continue;
            }
            catch (ArgumentException)
            {
                // The engine refuses outputs that overflow; find the row to name below.
            }
            throw NotFinite(network, inputs, start, count);
        }
        model.TargetScaling?.InvertInPlace(y);   // a regression model trained on standardised targets: back to the targets' units

        if (context.Json)
        {
            var predictions = new JsonArray();
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<float> row = y.AsSpan(r * outputs, outputs);
                var item = new JsonObject { ["row"] = r + 1 };
                if (classifier) item["class"] = TensorPrimitives.IndexOfMax(row);
                if (!classifier || withOutputs) item["outputs"] = new JsonArray([.. row.ToArray().Select(v => Json.Number(v))]);
                predictions.Add((JsonNode)item);
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

    /// <summary>The rows of --input (a file, plain or .gz) or standard input, read and scaled by the
    /// library's reader: every field counts, an empty one is an error naming its line and column.</summary>
    private static CsvInputRows ReadRows(CliContext context, string? inputPath, Model model, char? separator, string modelName)
    {
        int width = model.Network.Definition.InputWidth;
        model = DataOptions.WithUnrecordedScaling(model, modelName, context);
        try
        {
            if (inputPath is null or "-") return CsvInputRows.Read(context.In, "standard input", width, model.Scaling, separator);
            if (!File.Exists(inputPath)) throw new UserException($"{inputPath}: no such input file (--input).");
            return CsvInputRows.Read(inputPath, width, model.Scaling, separator);
        }
        catch (DataFormatException e)
        {
            string message = DataOptions.ForCli(e.Message).Replace("inputs per row.", $"inputs per row (the input width of the model {modelName}).", StringComparison.Ordinal);
            throw new UserException(message, e);
        }
    }

    /// <summary>A row whose outputs overflow (inputs far outside the training range: the network's
    /// sums reach infinity) is an error naming its line, not a NaN probability or a class 0. The
    /// batch [<paramref name="start"/>, + <paramref name="count"/>) had one; row by row finds it.</summary>
    private static UserException NotFinite(Network network, CsvInputRows inputs, int start, int count)
    {
        var y = new float[network.Definition.OutputWidth];
        for (int r = start; r < start + count; r++)
        {
            try
            {
                network.Predict(inputs.Values.Slice(r * inputs.Width, inputs.Width), y);
                if (Finiteness.All(y)) continue;
            }
            catch (ArgumentException)
            {
            }
            return new UserException($"{Path.GetFileName(inputs.SourceName)}, line {inputs.LineOf(r)}: the model's outputs are not finite for this row; its values are far outside the range the model was trained on.");
        }
        return new UserException($"{Path.GetFileName(inputs.SourceName)}, lines {inputs.LineOf(start)}-{inputs.LineOf(start + count - 1)}: the model's outputs are not finite; the values are far outside the range the model was trained on.");
    }
}
