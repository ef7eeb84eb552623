using FastBackprop.Data;

namespace FastBackprop.Cli.Commands.Train;

/// <summary>The input scalings --scaling offers, each named once. The scaling is fitted on the
/// training part only and stored in the model, which applies it again in eval and predict.</summary>
internal static class ScalingFactory
{
    public const string Default = "auto";

    // Fit(loaded data, training part) -> scaling, or null for none.
    private sealed record Kind(string Name, Func<LoadedData, Dataset, InputScaling?> Fit);

    private static readonly Kind[] Kinds =
    [
        new("none", (_, _) => null),
        new("minmax", (_, training) => InputScaling.Fit(training, InputScalingKind.MinMax)),
        new("standard", (_, training) => InputScaling.Fit(training, InputScalingKind.Standardization)),
        new(Default, (loaded, training) => loaded.IsCsv ? InputScaling.Fit(training, InputScalingKind.Standardization) : null),
    ];

    public static IEnumerable<string> Names => Kinds.Select(k => k.Name);

    public static string Description =>
        "Input scaling fitted on the training part and stored in the model: " + string.Join(", ", Names) + $" ({Default}: standard for CSV, none otherwise).";

    public static InputScaling? Fit(string name, LoadedData loaded, Dataset training)
    {
        Kind kind = Kinds.FirstOrDefault(k => k.Name == name) ?? throw new InvalidOperationException($"no scaling '{name}' in the table");
        return UserData.About(loaded.Source, () => kind.Fit(loaded, training));
    }
}
