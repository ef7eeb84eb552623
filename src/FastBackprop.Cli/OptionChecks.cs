using System.CommandLine;

namespace FastBackprop.Cli;

/// <summary>Range checks on option values, reported by the parser as one-line errors.</summary>
internal static class OptionChecks
{
    /// <summary>Adds a validator: <paramref name="problem"/> returns the error message for a bad value, or null.
    /// A value that does not even convert (e.g. "many" for a number) is left to the parser's own error.</summary>
    public static void Check<T>(this Option<T> option, Func<T, string?> problem) =>
        option.Validators.Add(result =>
        {
            T value;
            try
            {
                value = result.GetValueOrDefault<T>()!;
            }
            catch (InvalidOperationException)
            {
                return;
            }
            if (problem(value) is string message) result.AddError(message);
        });
}
