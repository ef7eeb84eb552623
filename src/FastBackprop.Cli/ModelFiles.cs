using System.Globalization;
using FastBackprop.IO;

namespace FastBackprop.Cli;

/// <summary>Model loading with one-line errors, the metadata keys the CLI writes, and the paths of
/// the pictures that go beside a model.</summary>
internal static class ModelFiles
{
    public const string TaskKey = "task";
    public const string Classification = "classification";
    public const string Regression = "regression";

    public static Model Load(string path)
    {
        InputFiles.CheckExists(path, "--model", "a model file", "model file");
        return ModelFile.Load(path);   // DataFormatException names the file, the byte and the problem
    }

    /// <summary>Whether the model classifies (its outputs are class scores): recorded at training,
    /// else inferred from a softmax output.</summary>
    public static bool IsClassifier(Model model) =>
        model.Metadata.TryGetValue(TaskKey, out string? task)
            ? task == Classification
            : model.Network.Definition.OutputLayer.Transfer == TransferFunction.Softmax;

    /// <summary>"runs/m.fbp" and "learning-curve" give "runs/m.learning-curve.png".</summary>
    public static string Beside(string modelPath, string suffix)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(modelPath)) ?? ".";
        return Path.Combine(folder, Path.GetFileNameWithoutExtension(modelPath) + "." + suffix + ".png");
    }

    public static string Shape(NetworkDefinition definition)
    {
        var parts = new List<string> { definition.InputWidth.ToString(CultureInfo.InvariantCulture) };
        foreach (Layer layer in definition.Layers)
        {
            if (layer is Dense dense) parts.Add(dense.Width.ToString(CultureInfo.InvariantCulture));
        }
        return string.Join('-', parts);
    }
}

/// <summary>Invariant-culture number formatting for tables, CSV and JSON.</summary>
internal static class Fmt
{
    public static string F(double value, int decimals = 4) =>
        double.IsNaN(value) ? "-" : value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    public static string Pct(double? value) => value is double v ? (100 * v).ToString("F2", CultureInfo.InvariantCulture) + "%" : "-";

    public static string I(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string G(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

    public static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>"1 class", "3 classes", "1 epoch", "20 epochs".</summary>
    public static string Count(long n, string noun) => n.ToString(CultureInfo.InvariantCulture) + " " + (n == 1 ? noun : Plural(noun));

    private static string Plural(string noun) =>
        noun.EndsWith('s') || noun.EndsWith('x') || noun.EndsWith("sh", StringComparison.Ordinal) ? noun + "es" : noun + "s";
}
