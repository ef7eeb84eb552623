using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using FastBackprop.Ensembles;
using FastBackprop.Kernels;
using FastBackprop.Training;

namespace FastBackprop.Cli.Commands.Cv;

/// <summary>The results of one `cv` run as data: the --json document and the --out file (the same document for a .json
/// path, else a CSV with a row per fold, then the mean and the sd).</summary>
internal sealed class CvReport(LoadedData loaded, NetworkDefinition definition, CrossValidationResult result, ulong seed, double validation, TimeSpan elapsed)
{
    private bool Classify => loaded.Data.HasLabels;

    public JsonObject ToJson()
    {
        var folds = new JsonArray();
        foreach (FoldResult f in result.Folds)
        {
            folds.Add((JsonNode)new JsonObject
            {
                ["fold"] = f.Fold + 1,
                ["testPatterns"] = f.TestRows.Count,
                ["trainingPatterns"] = f.TrainingRows.Count,
                ["epochs"] = f.History?.Epochs.Count,
                ["stopReason"] = f.History?.StopReason.ToString(),
                ["loss"] = Json.Number(f.Evaluation?.Loss),
                ["accuracy"] = Json.Number(f.Evaluation?.Accuracy),
                ["meanSquaredError"] = Json.Number(f.Evaluation?.MeanSquaredError),
                ["failure"] = f.Failure?.Message,
            });
        }
        return new JsonObject
        {
            ["command"] = "cv",
            ["data"] = loaded.Source,
            ["shape"] = ModelFiles.Shape(definition),
            ["parameters"] = definition.ParameterCount,
            ["vectorTier"] = VectorTiers.Active.ToString(),
            ["folds"] = result.Folds.Count,
            ["stratified"] = result.Stratified,
            ["seed"] = seed,
            ["validation"] = validation,
            ["seconds"] = elapsed.TotalSeconds,
            ["results"] = folds,
            ["mean"] = Summary(s => s.Mean),
            ["standardDeviation"] = Summary(s => s.StandardDeviation),
            ["standardDeviationDdof"] = 0,
            ["warnings"] = new JsonArray([.. result.Warnings.Select(w => (JsonNode)w)]),
        };
    }

    /// <summary>Writes the results to <paramref name="path"/> (see the class summary).</summary>
    public void Write(string path, string option)
    {
        bool json = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
        OutputFiles.WriteText(path, option, json ? ToJson().ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n" : Csv());
    }

    private JsonObject Summary(Func<MetricSummary, double> pick) => new()
    {
        ["loss"] = Json.Number(pick(result.Loss)),
        ["accuracy"] = result.Accuracy is { } a ? Json.Number(pick(a)) : null,
        ["meanSquaredError"] = result.MeanSquaredError is { } m ? Json.Number(pick(m)) : null,
    };

    private string Csv()
    {
        var csv = new StringBuilder();
        csv.Append("fold,patterns,loss,").Append(Classify ? "accuracy" : "mse").Append('\n');
        foreach (FoldResult f in result.Folds)
        {
            Evaluation? e = f.Evaluation;
            csv.Append(CultureInfo.InvariantCulture, $"{f.Fold + 1},{f.TestRows.Count},{Number(e?.Loss)},{Number(Classify ? e?.Accuracy : e?.MeanSquaredError)}\n");
        }
        MetricSummary score = Classify ? result.Accuracy!.Value : result.MeanSquaredError!.Value;
        csv.Append(CultureInfo.InvariantCulture, $"mean,{loaded.Data.Count},{Number(result.Loss.Mean)},{Number(score.Mean)}\n");
        csv.Append(CultureInfo.InvariantCulture, $"sd,,{Number(result.Loss.StandardDeviation)},{Number(score.StandardDeviation)}\n");
        return csv.ToString();
    }

    // Round-trip precision; NaN (a failed fold) as an empty field.
    private static string Number(double? value) => value is double v && double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";
}
