using System.CommandLine;
using FastBackprop.Cli.Commands.Train;

namespace FastBackprop.Cli.Commands.Cv;

/// <summary>The options of `fastbackprop cv`: train's (TrainCommandOptions) less those about one saved model and its
/// checkpoint, and cv's own --folds, --stratify (the folds', and the validation split's inside each fold) and --out.</summary>
internal sealed class CvCommandOptions
{
    public const int DefaultFolds = 5;

    public TrainCommandOptions Train { get; } = new();

    public Option<int> Folds { get; } = new("--folds", "-k")
    {
        Description = $"Number of folds k (2 to the sample count): each fold is held out once while a network trains on the others (scikit-learn's cv={DefaultFolds} is the default).",
        DefaultValueFactory = _ => DefaultFolds,
        HelpName = "k",
    };

    public Option<string> Stratify { get; } = new("--stratify")
    {
        Description = "on: classification folds keep each class's share (within one sample per fold, as scikit-learn's StratifiedKFold), and so does the --validation split inside each fold; off: plain seeded shuffles. Regression data is split at random.",
        DefaultValueFactory = _ => "on",
    };

    public Option<string?> Out { get; } = new("--out")
    {
        Description = "Also write the results here: a .json path gets the --json document, any other a CSV (one row per fold, then the mean and the sd).",
        HelpName = "path",
    };

    public void AddTo(Command command)
    {
        TrainCommandOptions t = Train;
        t.AddTo(command, [.. t.RunOptions.Except([t.Stratify, t.ClassWeight]), t.Threads]);   // not --out, --no-plot, --checkpoint, --resume
        command.Add(Folds);
        command.Add(Stratify);
        command.Add(Out);
        Folds.Check(k => k < 2 ? $"{Folds.Name} is {k}; expected 2 or more (and at most the sample count)." : null);
        Stratify.AcceptOnlyFromAmong("on", "off");
    }

    // --stratify on (the default) for classification data; an explicit on for regression data is an error, as in train.
    public bool Stratified(ParseResult parse, LoadedData loaded)
    {
        bool on = parse.GetValue(Stratify) == "on";
        if (on && !loaded.Data.HasLabels && parse.GetResult(Stratify) is { Implicit: false })
        {
            throw new UserException($"{Stratify.Name} on keeps each class's share of the folds, but {loaded.Source} is regression data (no classes); leave it off.");
        }
        return on && loaded.Data.HasLabels;
    }
}
