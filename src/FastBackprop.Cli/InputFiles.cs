namespace FastBackprop.Cli;

/// <summary>The checks of a file a command reads, before it opens it: a folder or a missing file is the user's
/// one-line error naming the path and the option.</summary>
internal static class InputFiles
{
    /// <summary>Throws "{path}: is a folder; expected {expected} ({option})." or "{path}: no such {noun} ({option})."</summary>
    public static void CheckExists(string path, string option, string expected, string noun)
    {
        if (Directory.Exists(path)) throw new UserException($"{path}: is a folder; expected {expected} ({option}).");
        if (!File.Exists(path)) throw new UserException($"{path}: no such {noun} ({option}).");
    }
}
