namespace FastBackprop.Cli.Tests.Support;

/// <summary>The CLI's contract for a user error: exit code 1 and one line on standard error, prefixed
/// "fastbackprop: ", naming what is wrong, with no stack trace.</summary>
internal static class UserErrorAssert
{
    public static void OneLine(CliResult result, string expected)
    {
        Assert.True(result.ExitCode == 1, result.ToString());
        string[] lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, result.ToString());
        Assert.StartsWith("fastbackprop: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }
}
