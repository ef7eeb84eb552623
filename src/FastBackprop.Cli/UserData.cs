namespace FastBackprop.Cli;

/// <summary>Where the user's data reaches the library, an ArgumentException is about that data (an
/// input far outside the fitted scaling, targets a loss cannot take, an empty set): it becomes a
/// UserException that names the data's source. Elsewhere an ArgumentException stays a bug (exit 2).</summary>
internal static class UserData
{
    public static T About<T>(string source, Func<T> call)
    {
        try
        {
            return call();
        }
        catch (ArgumentException e)
        {
            throw new UserException($"{source}: {CommandLine.WithoutParameter(e)}", e);
        }
    }
}
