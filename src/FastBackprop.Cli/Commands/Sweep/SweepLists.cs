using System.Globalization;
using FastBackprop.Cli.Commands.Train;

namespace FastBackprop.Cli.Commands.Sweep;

/// <summary>The comma-separated lists of `sweep` (--learning-rates 0.001,0.01 ...): each item checked, no repeats.
/// Each method returns the values, or throws a one-line <see cref="UserException"/> naming the option and the item.</summary>
internal static class SweepLists
{
    public static float[] Rates(string text, string option) =>
        Parse(text, option, s => (float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && float.IsFinite(v) && v > 0, v), "a finite number above 0");

    public static float[] Decays(string text, string option) =>
        Parse(text, option, s => (float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && float.IsFinite(v) && v >= 0, v), "0 or a finite number above 0");

    public static int[] Widths(string text, string option) =>
        Parse(text, option, s => (int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v >= 1, v), "a whole number of units, 1 or more");

    public static int[] Depths(string text, string option) =>
        Parse(text, option, s => (int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v <= Sweeps.SweepSpace.MaxDepth, v),
            $"a number of hidden layers, 0 to {Sweeps.SweepSpace.MaxDepth}");

    public static ulong[] Seeds(string text, string option) =>
        Parse(text, option, s => (ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v), v), "a whole number, 0 or more");

    public static string[] Optimizers(string text, string option) =>
        Parse(text, option, s => (OptimizerFactory.Names.Contains(s), s), $"one of {string.Join(", ", OptimizerFactory.Names)}");

    /// <summary>The check for the parser: null when <paramref name="read"/> accepts the text, else its message.</summary>
    public static string? Problem<T>(Func<string, string, T> read, string text, string option)
    {
        try
        {
            read(text, option);
            return null;
        }
        catch (UserException e)
        {
            return e.Message;
        }
    }

    private static T[] Parse<T>(string text, string option, Func<string, (bool Ok, T Value)> item, string expected)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new List<T>(parts.Length);
        for (int i = 0; i < parts.Length; i++)
        {
            if (parts[i].Length == 0) throw new UserException($"{option} '{text}': item {i + 1} is empty; expected a comma-separated list such as 1,2,3.");
            (bool ok, T value) = item(parts[i]);
            if (!ok) throw new UserException($"{option} '{text}': '{parts[i]}' is not {expected}.");
            if (values.Contains(value)) throw new UserException($"{option} '{text}': '{parts[i]}' is given twice; give each value once.");
            values.Add(value);
        }
        return [.. values];
    }
}
