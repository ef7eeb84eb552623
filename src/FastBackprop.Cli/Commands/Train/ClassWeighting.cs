using System.CommandLine;
using System.Globalization;
using FastBackprop.Data;

namespace FastBackprop.Cli.Commands.Train;

/// <summary>--class-weight balanced|w0,w1,...: class weights for classification, multiplied into the sample weights
/// (--weight-column, else 1), as scikit-learn's class_weight is. "balanced" is scikit-learn's
/// compute_class_weight: n_samples / (n_classes x count_c), counted on the training part (after the validation
/// split); the same per-class values weigh the validation part, so that its loss is the objective's.</summary>
internal static class ClassWeighting
{
    public const string Balanced = "balanced";

    public static Option<string?> Create()
    {
        var option = new Option<string?>("--class-weight")
        {
            Description = "Classification: weights per class, multiplied into the sample weights: 'balanced' (n_samples / (n_classes x count_c), " +
                "scikit-learn's) or one number >= 0 per class, comma-separated (w0,w1,...).",
            HelpName = "balanced|w0,w1,...",
        };
        option.Check(v => v is null || v == Balanced || TryParse(v, out _) ? null
            : $"--class-weight '{v}': expected 'balanced' or comma-separated weights, each a finite number 0 or more (e.g. 1,2.5,1).");
        return option;
    }

    /// <summary>The training and validation parts with the class weights applied (unchanged without the option).</summary>
    /// <exception cref="UserException">The data is not classification data, or the count differs from the class count.</exception>
    public static (Dataset Training, Dataset? Validation) Apply(string? value, string source, Dataset training, Dataset? validation)
    {
        if (value is null) return (training, validation);
        if (!training.HasLabels) throw new UserException($"--class-weight needs classification data (class labels); {source} has real-valued targets (--regression).");
        float[] weights;
        if (value == Balanced) weights = training.BalancedClassWeights();
        else if (!TryParse(value, out weights) || weights.Length != training.ClassCount)
        {
            throw new UserException($"--class-weight gives {weights.Length} weight{(weights.Length == 1 ? "" : "s")}; {source} has {training.ClassCount} classes, so expected {training.ClassCount}.");
        }
        return (UserData.About(source, () => training.WithClassWeights(weights)),
                validation is null ? null : UserData.About(source, () => validation.WithClassWeights(weights)));
    }

    private static bool TryParse(string value, out float[] weights)
    {
        string[] parts = value.Split(',', StringSplitOptions.TrimEntries);
        weights = new float[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out weights[i]) || !float.IsFinite(weights[i]) || weights[i] < 0) return false;
        }
        return true;
    }
}
