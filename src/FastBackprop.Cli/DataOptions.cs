using System.CommandLine;
using FastBackprop.Data;

namespace FastBackprop.Cli;

/// <summary>A data set and what to call it in messages.</summary>
internal sealed record LoadedData(Dataset Data, string Source, bool IsEmbedded, bool IsCsv);

/// <summary>The options that choose a data set (--data, --label-column, ...), shared by train and eval,
/// and the loader behind them: the embedded digits, an IDX folder or file pair, or a CSV file.</summary>
internal sealed class DataOptions
{
    public const string EmbeddedName = "digits (embedded UCI optdigits, 1797 samples, 8x8)";

    public Option<string[]> Data { get; } = new("--data", "-d")
    {
        Description = "Data: an IDX folder (train-*/t10k-* files, plain or .gz), an IDX images and labels file pair, or a CSV file. Default: the embedded 8x8 digits.",
        HelpName = "path",
        Arity = new ArgumentArity(1, 2),
        AllowMultipleArgumentsPerToken = true,
    };

    public Option<int> LabelColumn { get; } = new("--label-column")
    {
        Description = "CSV: the label (first target) column, 0-based; negative counts from the end.",
        DefaultValueFactory = _ => -1,
    };

    public Option<bool> Header { get; } = new("--header") { Description = "CSV: the first line is a header." };

    public Option<bool> Regression { get; } = new("--regression") { Description = "CSV: real-valued targets instead of class labels." };

    public Option<int> Targets { get; } = new("--targets")
    {
        Description = "CSV with --regression: number of target columns, starting at --label-column.",
        DefaultValueFactory = _ => 1,
    };

    public Option<int?> Classes { get; } = new("--classes") { Description = "CSV: number of classes (default: largest label + 1)." };

    public void AddTo(Command command)
    {
        command.Add(Data);
        command.Add(LabelColumn);
        command.Add(Header);
        command.Add(Regression);
        command.Add(Targets);
        command.Add(Classes);
        Targets.Check(v => v < 1 ? "--targets must be at least 1." : null);
        Classes.Check(v => v is < 2 ? "--classes must be at least 2." : null);
    }

    /// <summary>Loads the data the options name. <paramref name="preferTest"/> picks the t10k/test pair
    /// of an IDX folder (eval) instead of the train pair.</summary>
    public LoadedData Load(ParseResult parse, bool preferTest)
    {
        string[]? paths = parse.GetValue(Data);
        if (paths is null || paths.Length == 0) return new LoadedData(EmbeddedData.Digits(), EmbeddedName, true, false);
        if (paths.Length == 1 && paths[0].Contains(',', StringComparison.Ordinal)) paths = paths[0].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

        foreach (string p in paths)
        {
            if (!File.Exists(p) && !Directory.Exists(p)) throw new UserException($"{p}: no such file or folder (--data).");
        }
        if (paths.Length == 2) return LoadIdx(paths[0], paths[1]);
        if (paths.Length != 1) throw new UserException("--data takes one path (folder or CSV file) or two (IDX images and labels).");

        string path = paths[0];
        if (Directory.Exists(path))
        {
            (string images, string labels) = FindIdxPair(path, preferTest);
            return LoadIdx(images, labels);
        }
        var options = new CsvOptions
        {
            LabelColumn = parse.GetValue(LabelColumn),
            HasHeader = parse.GetValue(Header),
            TargetKind = parse.GetValue(Regression) ? CsvTargetKind.Regression : CsvTargetKind.Classification,
            TargetColumnCount = parse.GetValue(Regression) ? parse.GetValue(Targets) : 1,
            ClassCount = parse.GetValue(Classes),
        };
        try
        {
            return new LoadedData(Dataset.FromCsv(path, options), Path.GetFileName(path), false, true);
        }
        catch (ArgumentException e)
        {
            throw new UserException($"{Path.GetFileName(path)}: {CommandLine.WithoutParameter(e)}", e);
        }
    }

    private static LoadedData LoadIdx(string first, string second)
    {
        // Accept the pair in either order: the labels file is the one whose name says so.
        (string images, string labels) = Path.GetFileName(first).Contains("label", StringComparison.OrdinalIgnoreCase) ? (second, first) : (first, second);
        return new LoadedData(Dataset.FromIdx(images, labels), $"{Path.GetFileName(images)} + {Path.GetFileName(labels)}", false, false);
    }

    private static (string Images, string Labels) FindIdxPair(string folder, bool preferTest)
    {
        string[] files = Directory.GetFiles(folder);
        string[] trainPrefixes = ["train-"], testPrefixes = ["t10k-", "test-"];
        string[][] order = preferTest ? [testPrefixes, trainPrefixes] : [trainPrefixes, testPrefixes];
        foreach (string[] prefixes in order)
        {
            string? images = Find(files, prefixes, "images"), labels = Find(files, prefixes, "labels");
            if (images is not null && labels is not null) return (images, labels);
        }
        throw new UserException($"{folder}: no IDX pair found; expected train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz] (or t10k-*).");

        static string? Find(string[] files, string[] prefixes, string kind) =>
            files.Where(f => prefixes.Any(p => Path.GetFileName(f).StartsWith(p, StringComparison.OrdinalIgnoreCase))
                          && Path.GetFileName(f).Contains(kind, StringComparison.OrdinalIgnoreCase))
                 .Order(StringComparer.Ordinal).FirstOrDefault();
    }
}
