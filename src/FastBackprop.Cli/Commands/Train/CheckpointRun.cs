using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using FastBackprop.Data;
using FastBackprop.Training;

namespace FastBackprop.Cli.Commands.Train;

// ---------------------------------------------------------------------------------------------
// --checkpoint and --resume. The trainer writes the whole training state to the checkpoint after
// every epoch and when it is stopped (TrainingOptions.CheckpointPath, atomically). Beside it,
// "<checkpoint>.run" describes the run that writes it: the value of every option that shapes the
// weights, and a SHA-256 of the training and validation samples as trained on (after the split
// and the scaling). --resume compares that description with its own, and refuses a checkpoint of
// another run in one line that names the first difference.
//
// Invariant: a checkpoint is always one written by the run its description describes. A new run
// starts only where there is no checkpoint (an existing one is never silently replaced), writes
// its description first, and the trainer writes the checkpoint only after that.
// ---------------------------------------------------------------------------------------------

/// <summary>Starts or resumes the run a --checkpoint file belongs to.</summary>
internal static class CheckpointRun
{
    private const string DataKey = "data";

    /// <summary>The run description's path beside <paramref name="checkpoint"/>.</summary>
    public static string DescriptionPath(string checkpoint) => checkpoint + ".run";

    /// <summary>The description of this run: every option in <paramref name="runOptions"/> and the data's digest.</summary>
    public static List<KeyValuePair<string, string>> Describe(ParseResult parse, IEnumerable<Option> runOptions, Dataset training, Dataset? validation)
    {
        var description = new List<KeyValuePair<string, string>>();
        foreach (Option option in runOptions)
        {
            object? value = parse.GetResult(option)?.GetValueOrDefault<object>();
            description.Add(new(option.Name, value is null ? "(default)" : Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""));
        }
        description.Add(new(DataKey, Digest(training, validation)));
        return description;
    }

    /// <summary>The checkpoint to continue from, or null for a new run (whose description is written now).</summary>
    /// <exception cref="UserException">A checkpoint exists but --resume was not given, or it belongs to another run.</exception>
    public static TrainingCheckpoint? Begin(string path, bool resume, List<KeyValuePair<string, string>> description, string option)
    {
        string runPath = DescriptionPath(path);
        if (!File.Exists(path))
        {
            OutputFiles.WriteText(runPath, option, Format(description));
            return null;
        }
        if (!resume)
        {
            throw new UserException($"{path} already holds a checkpoint ({option}): add --resume to continue that run, or delete {path} and {runPath} to start a new one.");
        }
        CheckSameRun(path, runPath, description);
        return TrainingCheckpoint.Load(path);   // DataFormatException names the file and the problem
    }

    private static void CheckSameRun(string path, string runPath, List<KeyValuePair<string, string>> description)
    {
        if (!File.Exists(runPath))
        {
            throw new UserException($"--resume: {path} has no run description beside it ({runPath} is missing), so it cannot be checked against this run; it was not written by {CommandLine.Name} train --checkpoint.");
        }
        Dictionary<string, string> recorded = Parse(File.ReadAllLines(runPath));
        foreach ((string key, string value) in description)
        {
            if (recorded.TryGetValue(key, out string? was) && was == value) continue;
            string difference = key == DataKey ? "it was trained on other data (the training or validation samples differ)"
                : was is null ? $"it was written by a version without {key}, which this run sets to {value}"
                : $"it was written with {key} {was}, this run has {key} {value}";
            throw new UserException($"--resume: {path} belongs to another run: {difference}. Resume with the same options and data, or give another --checkpoint to start a new run.");
        }
    }

    private static string Format(List<KeyValuePair<string, string>> description)
    {
        var text = new StringBuilder($"# {CommandLine.Name} train: the run that writes the checkpoint beside this file; --resume compares it with its own.\n");
        foreach ((string key, string value) in description) text.Append(key).Append(" = ").Append(value).Append('\n');
        return text.ToString();
    }

    private static Dictionary<string, string> Parse(string[] lines)
    {
        var recorded = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in lines)
        {
            int separator = line.IndexOf(" = ", StringComparison.Ordinal);
            if (line.StartsWith('#') || separator < 0) continue;
            recorded[line[..separator]] = line[(separator + 3)..];
        }
        return recorded;
    }

    // The samples exactly as the trainer sees them: widths, counts and the float bits of every input and target, and of
    // every sample weight when there are any (--weight-column, --class-weight; nothing is added without weights, so
    // the digests of unweighted runs are those they always were).
    internal static string Digest(Dataset training, Dataset? validation)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (Dataset? d in (ReadOnlySpan<Dataset?>)[training, validation])
        {
            if (d is null)
            {
                hash.AppendData([0]);
                continue;
            }
            Span<int> shape = [d.Count, d.InputWidth, d.TargetWidth];
            hash.AppendData(MemoryMarshal.AsBytes(shape));
            hash.AppendData(MemoryMarshal.AsBytes(d.Inputs));
            hash.AppendData(MemoryMarshal.AsBytes(d.Targets));
            if (d.HasWeights)
            {
                hash.AppendData("weights"u8);
                hash.AppendData(MemoryMarshal.AsBytes(d.Weights));
            }
        }
        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
