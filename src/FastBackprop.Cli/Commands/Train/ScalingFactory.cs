using FastBackprop.Data;

namespace FastBackprop.Cli.Commands.Train;

/// <summary>The input scalings --scaling offers, each named once. The scaling is fitted on the
/// training part only and stored in the model, which applies it again in eval and predict.</summary>
internal static class ScalingFactory
{
    public const string Default = "auto";

    // For(loaded data) -> the kind of scaling to fit, or null for none.
    private sealed record Kind(string Name, Func<LoadedData, InputScalingKind?> For);

    private static readonly Kind[] Kinds =
    [
        new("none", _ => null),
        new("minmax", _ => InputScalingKind.MinMax),
        new("standard", _ => InputScalingKind.Standardization),
        new(Default, loaded => loaded.IsCsv ? InputScalingKind.Standardization : null),
    ];

    public static IEnumerable<string> Names => Kinds.Select(k => k.Name);

    public static string Description =>
        "Input scaling fitted on the training part and stored in the model: " + string.Join(", ", Names) + $" ({Default}: standard for CSV, none otherwise).";

    /// <summary>The kind of scaling <paramref name="name"/> fits on <paramref name="loaded"/>'s training rows, or null for none
    /// (cv fits it once per fold).</summary>
    public static InputScalingKind? KindFor(string name, LoadedData loaded)
    {
        Kind kind = Kinds.FirstOrDefault(k => k.Name == name) ?? throw new InvalidOperationException($"no scaling '{name}' in the table");
        return kind.For(loaded);
    }

    public static InputScaling? Fit(string name, LoadedData loaded, Dataset training) =>
        KindFor(name, loaded) is { } kind ? UserData.About(loaded.Source, () => InputScaling.Fit(training, kind)) : null;
}
