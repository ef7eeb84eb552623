using System.CommandLine;
using System.Globalization;
using FastBackprop.Training;

namespace FastBackprop.Cli.Commands.Train;

/// <summary>The learning-rate schedules --schedule offers, each named once, with their parameters in parentheses as
/// leaky-relu(0.01) has them (plateau(0.5,5)); --warmup wraps any but plateau, and --schedule-per says whether the
/// schedule counts epochs or steps.</summary>
internal static class ScheduleFactory
{
    public const string Default = "constant";

    /// <summary>--schedule-per: the counter of the schedule.</summary>
    public static readonly (string Name, ScheduleUnit Unit)[] Units = [("epoch", ScheduleUnit.Epoch), ("step", ScheduleUnit.Step)];

    // What a kind is built from: the rate, the run's length and --step-epochs in the schedule's unit, and the parameters
    // given in parentheses, or their defaults.
    private sealed record Arguments(float Rate, int Length, int StepEvery, double[] Values);

    // Create(arguments) -> schedule; null keeps the rate constant. Parameters: name=default, in order.
    private sealed record Kind(string Name, string Meaning, (string Name, double Default)[] Parameters, Func<Arguments, LearningRateSchedule?> Create);

    private static readonly Kind[] Kinds =
    [
        new(Default, "", [], _ => null),
        new("cosine", "to 0 over the run", [], a => LearningRateSchedule.Cosine(a.Rate, a.Length)),
        new("step", "halve every --step-epochs", [], a => LearningRateSchedule.StepDecay(a.Rate, a.StepEvery, 0.5f)),
        new("one-cycle", "PyTorch's OneCycleLR up to --learning-rate and down over the run; best with --schedule-per step",
            [("pct-start", 0.3), ("div", 25), ("final-div", 1e4)],
            a => new OneCycleSchedule(a.Rate, a.Length, (float)a.Values[0], (float)a.Values[1], (float)a.Values[2])),
        new("plateau", "PyTorch's ReduceLROnPlateau: times factor after more than patience epochs without a relative improvement of threshold in --monitor, then cooldown epochs, never below min-lr",
            [("factor", 0.1), ("patience", 10), ("threshold", 1e-4), ("cooldown", 0), ("min-lr", 0)],
            a => new ReduceOnPlateauSchedule(a.Rate, (float)a.Values[0], Whole(a.Values[1], "patience"), a.Values[2], Whole(a.Values[3], "cooldown"), (float)a.Values[4])),
    ];

    public static string Description =>
        "Learning-rate schedule: " + string.Join(", ", Kinds[..^1].Select(Named)) + " or " + Named(Kinds[^1]) +
        ". Parameters in parentheses, in that order, may be left off from the end: e.g. plateau(0.5,5).";

    /// <summary>A parse-time check of --schedule's value: a known name with at most its parameters, each a number.</summary>
    public static string? Problem(string text, string option) => Parse(text, option, out _, out _);

    /// <summary>The steps of one epoch over <paramref name="rows"/> rows in batches of <paramref name="batchSize"/> (a batch
    /// larger than the set takes the whole set once).</summary>
    public static int StepsPerEpoch(int rows, int batchSize)
    {
        int size = Math.Min(batchSize, rows);
        return (rows + size - 1) / size;
    }

    /// <summary>The schedule of --schedule, --warmup, --warmup-factor and --schedule-per for a run of
    /// <paramref name="epochs"/> epochs (--epochs or its default for the data) of <paramref name="stepsPerEpoch"/> steps at
    /// <paramref name="rate"/>; null keeps the rate constant.</summary>
    /// <exception cref="UserException">A parameter is out of range, or --warmup wraps plateau.</exception>
    public static LearningRateSchedule? Create(ParseResult parse, TrainCommandOptions options, float rate, int epochs, int stepsPerEpoch)
    {
        string text = parse.GetValue(options.Schedule)!;
        if (Parse(text, options.Schedule.Name, out Kind? kind, out double[]? values) is string problem) throw new UserException(problem);
        int perEpoch = Unit(parse, options) == ScheduleUnit.Step ? stepsPerEpoch : 1;
        int warmup = parse.GetValue(options.Warmup);
        try
        {
            int length = Math.Max(1, checked(epochs * perEpoch) - warmup);   // what follows the warm-up
            LearningRateSchedule? schedule = kind!.Create(new Arguments(rate, length, parse.GetValue(options.StepEpochs), values!));
            if (warmup == 0) return schedule;
            if (kind.Name == "plateau") throw new UserException($"{options.Warmup.Name} cannot precede {options.Schedule.Name} plateau, whose rate follows --monitor, not a count; use another schedule or no warm-up.");
            return LearningRateSchedule.Warmup(schedule ?? LearningRateSchedule.Constant(rate), warmup, parse.GetValue(options.WarmupFactor));
        }
        catch (ArgumentException e)
        {
            throw new UserException($"{options.Schedule.Name} '{text}': {CommandLine.WithoutParameter(e)}", e);
        }
        catch (OverflowException e)
        {
            throw new UserException($"{options.Schedule.Name} '{text}': the run has more steps than a schedule can count.", e);
        }
    }

    /// <summary>The counter --schedule-per names.</summary>
    public static ScheduleUnit Unit(ParseResult parse, TrainCommandOptions options)
    {
        string name = parse.GetValue(options.SchedulePer)!;
        return Units.First(u => u.Name == name).Unit;
    }

    // "name" or "name(v1,v2,...)": the kind and every parameter's value (the defaults for those left off), or the problem.
    private static string? Parse(string text, string option, out Kind? kind, out double[]? values)
    {
        int open = text.IndexOf('(', StringComparison.Ordinal);
        string name = open < 0 ? text : text[..open];
        kind = Kinds.FirstOrDefault(k => k.Name == name);
        values = null;
        if (kind is null) return $"{option} '{text}': expected {string.Join(", ", Kinds.Select(k => k.Name))}.";
        string[] given = open < 0 ? [] : text.EndsWith(')') ? text[(open + 1)..^1].Split(',', StringSplitOptions.TrimEntries) : [];
        if (open >= 0 && (!text.EndsWith(')') || given.Length > kind.Parameters.Length || given is [""]))
        {
            string expected = kind.Parameters.Length == 0 ? "no parameters" : $"up to {kind.Parameters.Length} in parentheses: {kind.Name}({string.Join(',', kind.Parameters.Select(p => p.Name))})";
            return $"{option} '{text}': {kind.Name} takes {expected}.";
        }
        values = [.. kind.Parameters.Select(p => p.Default)];
        for (int i = 0; i < given.Length; i++)
        {
            if (!double.TryParse(given[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
            {
                return $"{option} '{text}': {kind.Parameters[i].Name} '{given[i]}' is not a number.";
            }
        }
        return null;
    }

    // A whole-number parameter (patience, cooldown).
    private static int Whole(double value, string name) =>
        value == Math.Floor(value) && value is >= 0 and <= int.MaxValue ? (int)value : throw new ArgumentException($"{name} is {value.ToString(CultureInfo.InvariantCulture)}; expected a whole number, 0 or more.", name);

    private static string Named(Kind kind)
    {
        string parameters = kind.Parameters.Length == 0 ? "" : "(" + string.Join(',', kind.Parameters.Select(p => $"{p.Name}={p.Default.ToString(CultureInfo.InvariantCulture)}")) + ")";
        return kind.Meaning.Length == 0 ? kind.Name + parameters : $"{kind.Name}{parameters} ({kind.Meaning})";
    }
}
