using System.Globalization;
using FastBackprop.IO;

namespace FastBackprop.Cli.Commands.Train;

/// <summary>Says so when a save is about to replace a model that, by its own record, did better on
/// the same data: the warning names both losses.</summary>
internal static class ModelReplacement
{
    /// <summary>The warning, or null when --out holds no model, another data set's model, a model whose
    /// loss is in other units (trained on standardised targets while this one is not, or the reverse), or a worse one.</summary>
    public static string? Warning(string outPath, string dataSource, SavedWeights saved, bool standardizedTargets = false)
    {
        if (!File.Exists(outPath)) return null;
        IReadOnlyDictionary<string, string> previous;
        try
        {
            Model model = ModelFile.Load(outPath);
            if ((model.TargetScaling is not null) != standardizedTargets) return null;
            previous = model.Metadata;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;   // not a model we can read: nothing to compare with
        }
        if (!previous.TryGetValue(TrainingRecord.DataKey, out string? data) || data != dataSource) return null;
        // Compared as recorded (6 significant digits), so that a run repeated exactly does not warn.
        double now = double.Parse(Fmt.G(saved.Loss), CultureInfo.InvariantCulture);
        if (RecordedLoss(previous, saved.LossKind) is not double before || !(before < now)) return null;
        return $"{outPath} held a model with a lower {saved.LossKind} loss on the same data ({Fmt.G(before)}) than the one replacing it ({Fmt.G(now)}, {saved.Label}); save runs you want to compare under different --out paths.";
    }

    // The loss of the saved weights; models written before "saved-loss" existed recorded the last epoch's.
    private static double? RecordedLoss(IReadOnlyDictionary<string, string> metadata, string kind)
    {
        string? text = metadata.TryGetValue(TrainingRecord.SavedLossKindKey, out string? recordedKind)
            ? (recordedKind == kind && metadata.TryGetValue(TrainingRecord.SavedLossKey, out string? saved) ? saved : null)
            : metadata.GetValueOrDefault(kind == "validation" ? "final-validation-loss" : "final-train-loss");
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value : null;
    }
}
