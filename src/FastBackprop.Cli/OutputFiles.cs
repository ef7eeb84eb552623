using FastBackprop.IO;

namespace FastBackprop.Cli;

/// <summary>Every file a command writes: each output path is checked before any work starts (so a
/// long run cannot fail at its end on a folder it cannot write), and written atomically through
/// <see cref="AtomicFile"/>, which also removes the temporary files that killed runs left behind.</summary>
internal static class OutputFiles
{
    /// <summary>Throws a one-line UserException naming <paramref name="option"/> unless <paramref name="path"/>
    /// is a file path in an existing folder that lets us create files.</summary>
    public static void CheckWritable(string path, string option)
    {
        if (Directory.Exists(path)) throw new UserException($"{path}: is a folder, not a file ({option}).");
        string folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        if (File.Exists(folder)) throw new UserException($"{path}: {folder} is a file, not a folder ({option}).");
        if (!Directory.Exists(folder)) throw new UserException($"{path}: the folder {folder} does not exist ({option}).");
        Explained(option, () => AtomicFile.CheckWritable(path));
    }

    /// <summary>Throws when two outputs name the same file: one would overwrite the other.</summary>
    public static void CheckDistinct(params ReadOnlySpan<(string? Path, string Option)> outputs)
    {
        for (int i = 0; i < outputs.Length; i++)
        {
            for (int j = i + 1; j < outputs.Length; j++)
            {
                if (outputs[i].Path is string a && outputs[j].Path is string b && SameFile(a, b))
                {
                    throw new UserException($"{outputs[i].Option} and {outputs[j].Option} both name {a}; give them different paths.");
                }
            }
        }
    }

    public static void Write(string path, string option, byte[] bytes) => Explained(option, () => AtomicFile.Write(path, bytes));

    public static void WriteText(string path, string option, string text) => Explained(option, () => AtomicFile.WriteAllText(path, text));

    public static void WriteModel(string path, string option, Model model) => Explained(option, () => ModelFile.Save(path, model));

    private static bool SameFile(string a, string b) => string.Equals(Path.GetFullPath(a), Path.GetFullPath(b),
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    private static void Explained(string option, Action write)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserException($"{e.Message} ({option})", e);
        }
    }
}
