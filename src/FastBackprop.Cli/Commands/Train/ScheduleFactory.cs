using System.CommandLine;
using FastBackprop.Training;

namespace FastBackprop.Cli.Commands.Train;

/// <summary>The learning-rate schedules --schedule offers, each named once.</summary>
internal static class ScheduleFactory
{
    public const string Default = "constant";

    // Create(rate, epochs, step epochs) -> schedule; null keeps the rate constant.
    private sealed record Kind(string Name, string Meaning, Func<float, int, int, LearningRateSchedule?> Create);

    private static readonly Kind[] Kinds =
    [
        new(Default, "", (_, _, _) => null),
        new("cosine", "to 0 over the epochs", (rate, epochs, _) => LearningRateSchedule.Cosine(rate, epochs)),
        new("step", "halve every --step-epochs", (rate, _, step) => LearningRateSchedule.StepDecay(rate, step, 0.5f)),
    ];

    public static IEnumerable<string> Names => Kinds.Select(k => k.Name);

    public static string Description =>
        "Learning-rate schedule: " + string.Join(", ", Kinds[..^1].Select(Named)) + " or " + Named(Kinds[^1]) + ".";

    /// <summary>The schedule --schedule names, over <paramref name="epochs"/> (the run's epoch count, --epochs or its default for the data).</summary>
    public static LearningRateSchedule? Create(ParseResult parse, TrainCommandOptions options, float rate, int epochs)
    {
        string name = parse.GetValue(options.Schedule)!;
        Kind kind = Kinds.FirstOrDefault(k => k.Name == name) ?? throw new InvalidOperationException($"no schedule '{name}' in the table");
        return kind.Create(rate, epochs, parse.GetValue(options.StepEpochs));
    }

    private static string Named(Kind kind) => kind.Meaning.Length == 0 ? kind.Name : $"{kind.Name} ({kind.Meaning})";
}
