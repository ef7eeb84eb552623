using System.CommandLine;
using FastBackprop.Data;
using FastBackprop.IO;
using FastBackprop.Parquet;

namespace FastBackprop.Cli;

/// <summary>A data set and what to call it in messages.</summary>
internal sealed record LoadedData(Dataset Data, string Source, bool IsEmbedded, bool IsCsv)
{
    /// <summary>The data as <paramref name="model"/>'s network takes it (<see cref="Model.ScaleInputs"/>),
    /// with the library's complaints as one-line user errors.</summary>
    public Dataset ScaledFor(Model model, string modelPath, CliContext context)
    {
        model = DataOptions.WithUnrecordedScaling(model, modelPath, context);
        try
        {
            return model.ScaleInputs(Data);
        }
        catch (ArgumentException e)
        {
            throw new UserException($"{Source} with the model {Path.GetFileName(modelPath)}: {CommandLine.WithoutParameter(e)}", e);
        }
    }
}

/// <summary>The options that choose a data set (--data, --label-column, --separator, ...), shared by
/// train and eval, and the loader behind them: the embedded digits, an IDX folder or file pair, or
/// a CSV file (plain or .gz). The library's messages name its own properties (CsvOptions.HasHeader);
/// <see cref="ForCli"/> turns them into the flags a user of the command line has.</summary>
internal sealed class DataOptions
{
    public const string EmbeddedName = "digits (embedded UCI optdigits, 1797 samples, 8x8)";

    // The library property a message names, and the flag that sets it here.
    private static readonly (string Property, string Flag)[] Flags =
    [
        ("CsvOptions.HasHeader", "--header"),
        ("CsvOptions.ClassCount", "--classes"),
        ("CsvOptions.Separator", "--separator"),
        ("CsvOptions.LabelColumn", "--label-column"),
        ("CsvOptions.TargetColumnCount", "--targets"),
        ("CsvOptions.WeightColumnName", "--weight-column"),
        ("CsvOptions.WeightColumn", "--weight-column"),
    ];

    public Option<string[]> Data { get; } = new("--data", "-d")
    {
        Description = "Data: an IDX folder (train-*/t10k-* files, plain or .gz), an IDX images and labels file pair, a CSV file (plain or .gz) or a Parquet file (.parquet). Default: the embedded 8x8 digits.",
        HelpName = "path",
        Arity = new ArgumentArity(1, 2),
        AllowMultipleArgumentsPerToken = true,
    };

    public Option<int> LabelColumn { get; } = new("--label-column")
    {
        Description = "CSV: the label (first target) column, 0-based; negative counts from the end.",
        DefaultValueFactory = _ => -1,
    };

    public Option<bool> Header { get; } = new("--header") { Description = "CSV: the first line is a header (skipped whole; its field count may differ from the rows')." };

    public Option<bool> Regression { get; } = new("--regression") { Description = "CSV: real-valued targets instead of class labels." };

    public Option<int> Targets { get; } = new("--targets")
    {
        Description = "CSV with --regression: number of target columns, starting at --label-column.",
        DefaultValueFactory = _ => 1,
    };

    public Option<int?> Classes { get; } = new("--classes") { Description = "CSV: number of classes (default: largest label + 1)." };

    public Option<string?> Separator { get; } = SeparatorOption();

    public Option<string?> WeightColumn { get; } = new("--weight-column")
    {
        Description = "CSV: the column holding each sample's weight (0-based index, negative from the end, or its header name with --header); not an input. " +
            "Training and evaluation use the weighted mean loss, as scikit-learn's sample_weight does.",
        HelpName = "name|index",
    };

    /// <summary>The --separator option (train, eval and predict).</summary>
    public static Option<string?> SeparatorOption()
    {
        var option = new Option<string?>("--separator")
        {
            Description = "CSV field separator: one character, or comma, semicolon, tab, space (any run of blanks), pipe. Default: detected on the first data line.",
            HelpName = "char",
        };
        option.Check(v => TryParseSeparator(v, out _) ? null : $"--separator '{v}': expected one character, or comma, semicolon, tab, space, pipe or auto.");
        return option;
    }

    public void AddTo(Command command)
    {
        command.Add(Data);
        command.Add(LabelColumn);
        command.Add(Header);
        command.Add(Separator);
        command.Add(Regression);
        command.Add(Targets);
        command.Add(Classes);
        command.Add(WeightColumn);
        Targets.Check(v => v < 1 ? "--targets must be at least 1." : null);
        Classes.Check(v => v is < 2 or > CsvOptions.MaxInferredClassCount ? $"--classes must be 2 to {CsvOptions.MaxInferredClassCount}." : null);
    }

    /// <summary>Loads the data the options name, with the loaders' scaling (digits / 16, pixels / 255)
    /// recorded in <see cref="Dataset.Scaling"/>; <paramref name="raw"/> loads the numbers as the files
    /// hold them instead (eval: the model's scaling is applied to raw data). <paramref name="preferTest"/>
    /// picks the t10k/test pair of an IDX folder (eval) instead of the train pair. The data's warnings
    /// go to standard error.</summary>
    public LoadedData Load(ParseResult parse, CliContext context, bool preferTest, bool raw = false)
    {
        LoadedData loaded;
        try
        {
            loaded = Read(parse, preferTest, raw);
        }
        catch (DataFormatException e)
        {
            throw new UserException(ForCli(e.Message), e);
        }
        foreach (string warning in loaded.Data.Warnings) context.Error.WriteLine($"fastbackprop: warning: {ForCli(warning)}");
        return loaded;
    }

    /// <summary>A model saved by an older fastbackprop from the embedded digits or an IDX pair stores
    /// no scaling although its network was trained on digits / 16 or pixels / 255. The CLI now
    /// always stores the loader's scaling for those sources (and only the CLI writes the "data"
    /// metadata), so a null scaling there means exactly that unrecorded division: restore it, and
    /// say so, rather than let raw rows give wrong answers quietly.</summary>
    public static Model WithUnrecordedScaling(Model model, string modelPath, CliContext context)
    {
        if (model.Scaling is not null || !model.Metadata.TryGetValue("data", out string? data)) return model;
        bool embedded = data == EmbeddedName, idx = data.Contains(" + ", StringComparison.Ordinal);
        if (!embedded && !idx) return model;
        int maximum = embedded ? 16 : 255;
        context.Error.WriteLine($"fastbackprop: warning: {Path.GetFileName(modelPath)} was saved by an older fastbackprop without its input scaling; " +
            $"applying the / {maximum} its training data had. Retrain it to store the scaling.");
        var offset = new float[model.Network.Definition.InputWidth];
        var scale = new float[offset.Length];
        Array.Fill(scale, 1f / maximum);
        return new Model(model.Network, new InputScaling(InputScalingKind.MinMax, offset, scale), model.Metadata) { TargetScaling = model.TargetScaling };
    }

    /// <summary>A library message with its CsvOptions properties replaced by this tool's flags.</summary>
    public static string ForCli(string message)
    {
        foreach ((string property, string flag) in Flags) message = message.Replace(property, flag, StringComparison.Ordinal);
        return message;
    }

    /// <summary>Parses a --separator value: null or "auto" detects (null), a name or one character.</summary>
    public static bool TryParseSeparator(string? value, out char? separator)
    {
        separator = value?.ToLowerInvariant() switch
        {
            null or "auto" => null,
            "comma" => ',',
            "semicolon" => ';',
            "tab" or "\\t" => '\t',
            "space" => ' ',
            "pipe" => '|',
            _ => value.Length == 1 && value[0] is not ('"' or '\r' or '\n') ? value[0] : '"',
        };
        return separator != '"';
    }

    private LoadedData Read(ParseResult parse, bool preferTest, bool raw)
    {
        string[]? paths = parse.GetValue(Data);
        string? weightColumn = parse.GetValue(WeightColumn);
        if (weightColumn is not null && (paths is null || paths.Length == 0 || SplitPair(paths).Length == 2 || Directory.Exists(paths[0])))
        {
            throw new UserException("--weight-column reads a column of a CSV file; the embedded digits and IDX data have none.");
        }
        if (paths is null || paths.Length == 0) return new LoadedData(EmbeddedData.Digits(scaleToUnit: !raw), EmbeddedName, true, false);
        paths = SplitPair(paths);

        foreach (string p in paths)
        {
            if (!File.Exists(p) && !Directory.Exists(p)) throw new UserException($"{p}: no such file or folder (--data).");
        }
        if (paths.Length == 2) return LoadIdx(paths[0], paths[1], raw);
        if (paths.Length != 1) throw new UserException("--data takes one path (folder or CSV file) or two (IDX images and labels).");

        string path = paths[0];
        if (Directory.Exists(path))
        {
            (string images, string labels) = FindIdxPair(path, preferTest);
            return LoadIdx(images, labels, raw);
        }
        TryParseSeparator(parse.GetValue(Separator), out char? separator);
        var options = new CsvOptions
        {
            LabelColumn = parse.GetValue(LabelColumn),
            HasHeader = parse.GetValue(Header),
            TargetKind = parse.GetValue(Regression) ? CsvTargetKind.Regression : CsvTargetKind.Classification,
            TargetColumnCount = parse.GetValue(Regression) ? parse.GetValue(Targets) : 1,
            ClassCount = parse.GetValue(Classes),
            Separator = separator,
            WeightColumn = int.TryParse(weightColumn, System.Globalization.CultureInfo.InvariantCulture, out int index) ? index : null,
            WeightColumnName = weightColumn is null || int.TryParse(weightColumn, System.Globalization.CultureInfo.InvariantCulture, out _) ? null : weightColumn,
        };
        try
        {
            // A Parquet table is read with the CSV options and is treated as a CSV one after (standardised inputs by default).
            Dataset data = IsParquet(path) ? ParquetDataset.Read(path, options) : Dataset.FromCsv(path, options);
            return new LoadedData(data, Path.GetFileName(path), false, true);
        }
        catch (ArgumentException e)
        {
            throw new UserException($"{Path.GetFileName(path)}: {ForCli(CommandLine.WithoutParameter(e))}", e);
        }
    }

    /// <summary>Whether <paramref name="path"/> names a Parquet file: by its extension, as .gz names a gzip-compressed CSV.</summary>
    public static bool IsParquet(string path) => path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase);

    /// <summary>"images,labels" in one token is an IDX pair, unless that whole token names a file or
    /// folder (a path may contain a comma).</summary>
    private static string[] SplitPair(string[] paths)
    {
        if (paths.Length != 1 || !paths[0].Contains(',', StringComparison.Ordinal) || File.Exists(paths[0]) || Directory.Exists(paths[0])) return paths;
        return paths[0].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
    }

    private static LoadedData LoadIdx(string first, string second, bool raw)
    {
        // Accept the pair in either order: the labels file is the one whose name says so.
        (string images, string labels) = Path.GetFileName(first).Contains("label", StringComparison.OrdinalIgnoreCase) ? (second, first) : (first, second);
        return new LoadedData(Dataset.FromIdx(images, labels, scaleToUnit: !raw), $"{Path.GetFileName(images)} + {Path.GetFileName(labels)}", false, false);
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
