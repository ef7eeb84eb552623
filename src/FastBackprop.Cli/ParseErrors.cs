using System.CommandLine.Parsing;
using System.Globalization;

namespace FastBackprop.Cli;

/// <summary>The parser's error messages in the user's words: a value that is not a number says
/// "a number" or "a whole number", not the .NET type it failed to convert to.</summary>
internal static class ParseErrors
{
    private const NumberStyles Whole = NumberStyles.Integer;
    private const NumberStyles Real = NumberStyles.Float | NumberStyles.AllowThousands;

    public static string Describe(ParseError error) => NotANumber(error) ?? error.Message;

    // A conversion failure is an option result whose token does not parse as the option's number type;
    // a validator's message (OptionChecks) comes with a token that does parse, and is kept.
    private static string? NotANumber(ParseError error)
    {
        if (error.SymbolResult is not OptionResult result) return null;
        Type type = result.Option.ValueType;
        type = Nullable.GetUnderlyingType(type) ?? type.GetElementType() ?? type;
        foreach (Token token in result.Tokens)
        {
            if (Expected(type, token.Value) is string expected) return $"{result.IdentifierToken?.Value ?? result.Option.Name} is '{token.Value}'; expected {expected}.";
        }
        return null;
    }

    // What the value should have been, or null when it converts (or the type is not a number).
    private static string? Expected(Type type, string value)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        if (type == typeof(float) || type == typeof(double)) return double.TryParse(value, Real, c, out _) ? null : "a number";
        (bool parses, long min, ulong max) =
            type == typeof(int) ? (int.TryParse(value, Whole, c, out _), int.MinValue, int.MaxValue)
            : type == typeof(long) ? (long.TryParse(value, Whole, c, out _), long.MinValue, (ulong)long.MaxValue)
            : type == typeof(ulong) ? (ulong.TryParse(value, Whole, c, out _), 0L, ulong.MaxValue)
            : (true, 0L, 0UL);
        if (parses) return null;
        bool integral = double.TryParse(value, Real, c, out double v) && Math.Floor(v) == v;
        if (integral) return FormattableString.Invariant($"a whole number from {min} to {max}");
        return min == 0 ? "a whole number, 0 or more" : "a whole number";
    }
}
