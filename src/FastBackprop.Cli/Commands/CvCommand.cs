using System.CommandLine;
using System.Diagnostics;
using FastBackprop.Cli.Commands.Cv;
using FastBackprop.Cli.Commands.Train;
using FastBackprop.Data;
using FastBackprop.Ensembles;
using FastBackprop.Training;

namespace FastBackprop.Cli.Commands;

/// <summary>`fastbackprop cv`: k-fold cross-validation (Ensembles.CrossValidation) of the network and training that
/// `train`'s options describe; prints each fold's held-out loss and accuracy (or MSE) and their mean ± sd. The options
/// are train's (Commands/Train), less those about one saved model; the report lives in Commands/Cv.</summary>
internal static class CvCommand
{
    public static string[] Examples { get; } =
    [
        "fastbackprop cv                                      # embedded digits, 5 stratified folds, train's defaults",
        "fastbackprop cv --folds 10 --epochs 10 --out cv.csv   # per-fold table and mean ± sd, also as CSV",
        "fastbackprop cv --data iris.csv --header --label-column 4 --folds 3 --json",
    ];

    private const string Description = """
        Cross-validate a network: split the data (the embedded digits unless --data is given) into --folds folds by a
        seeded shuffle (stratified by class for classification), train a network with train's options on every fold but
        one and evaluate it on that one, for each fold; print each fold's held-out loss and accuracy (MSE for regression)
        and their mean ± population standard deviation (ddof 0, as scikit-learn's std_test_score). Every fold starts from the same initial weights (--seed);
        --scaling and --target-scaling are fitted on each fold's training rows only, and --validation holds out a share of
        them. Nothing is saved but --out.
        """;

    public static Command Build(CliContext context)
    {
        var options = new CvCommandOptions();
        var command = new Command("cv", Description);
        options.AddTo(command);
        command.SetAction(parse => Execute(parse, options, context));
        return command;
    }

    private static int Execute(ParseResult parse, CvCommandOptions cv, CliContext context)
    {
        TrainCommandOptions o = cv.Train;
        string? outPath = parse.GetValue(cv.Out);
        if (outPath is not null) OutputFiles.CheckWritable(outPath, cv.Out.Name);
        LoadedData loaded = o.Data.Load(parse, context, preferTest: false);
        int folds = parse.GetValue(cv.Folds);
        if (folds > loaded.Data.Count) throw new UserException($"{cv.Folds.Name} {folds}: {loaded.Source} has only {loaded.Data.Count} samples; expected at most one fold per sample.");
        bool stratify = cv.Stratified(parse, loaded);
        Network network = NetworkFactory.Build(parse, o, loaded.Data, loaded.Data.HasLabels);
        ulong seed = parse.GetValue(o.Seed);
        network.InitializeWeights(seed);

        string optimizerName = parse.GetValue(o.Optimizer)!;
        float rate = OptimizerFactory.Rate(optimizerName, parse.GetValue(o.LearningRate));
        double validation = parse.GetValue(o.Validation);
        // The folds' training sets differ by up to one row: the smallest (the largest fold's complement) sizes the default
        // epochs, and each fold gets its own schedule length and, for a full-batch method, every row of its own set per step.
        int foldTraining = loaded.Data.Count - (loaded.Data.Count + folds - 1) / folds;
        int trainingCount = Math.Max(1, foldTraining - Dataset.SplitCount(validation, foldTraining));
        (int batchSize, int epochs) = TrainCommand.BatchAndEpochs(parse, o, trainingCount);
        bool wholeSet = TrainCommand.WholeSetPerStep(parse, o);
        int stepRows = wholeSet ? int.MaxValue : batchSize;
        NetworkDefinition definition = network.Definition;
        TrainingOptions options = TrainingOptionsFactory.Create(parse, o, loaded, definition, rate, batchSize, epochs, trainingCount) with
        {
            BatchSize = stepRows,
            ValidationFraction = validation,
            StratifiedValidation = stratify,
        };
        var display = new CvDisplay(context, folds, epochs, loaded.Data.HasLabels);
        var settings = new CrossValidationOptions
        {
            Folds = folds,
            Seed = seed,
            Stratify = stratify,
            InputScaling = ScalingFactory.KindFor(parse.GetValue(o.Scaling)!, loaded),
            StandardizeTargets = TargetScalingFactory.Wanted(parse.GetValue(o.TargetScaling)!, o.TargetScaling.Name, loaded, definition),
            CreateOptimizer = () => OptimizerFactory.Create(parse, o, definition.ParameterCount),
            CreateSchedule = rows => ScheduleFactory.Create(parse, o, rate, epochs, ScheduleFactory.StepsPerEpoch(rows, stepRows)),
            DegreeOfParallelism = parse.GetValue(o.Threads) ?? 0,
            Progress = display.Progress,
        };
        display.Header(loaded.Source, loaded.Data.Count, definition, stratify, seed, validation,
            (OptimizerFactory.UsesRate(optimizerName) ? Fmt.Inv($"{optimizerName}, learning rate {rate}") : $"{optimizerName} (no learning rate)")
                + (options.Regularization is { } r ? $", regularization {r}" : ""), wholeSet ? "the whole training set" : Fmt.Inv($"{batchSize}"));

        var clock = Stopwatch.StartNew();
        CrossValidationResult? result = null;
        display.Run(() => result = Run(network, loaded, options, settings, context));
        clock.Stop();
        foreach (string warning in result!.Warnings) context.Warn(warning);
        var report = new CvReport(loaded, definition, result, seed, validation, clock.Elapsed);
        display.Table(result, clock.Elapsed);
        if (context.Json) Json.Write(context, report.ToJson());
        if (outPath is not null) report.Write(outPath, cv.Out.Name);
        if (context.Cancellation.IsCancellationRequested) return context.Interruption.ExitCode;
        return result.Folds.FirstOrDefault(f => f.Failure is not null) is { } failed
            ? throw new UserException($"{Fmt.Count(result.Folds.Count(f => f.Failure is not null), "fold")} of {folds} failed; fold {failed.Fold + 1}: {failed.Failure!.Message} Try a smaller --learning-rate, --clip-norm, or --on-divergence halve.")
            : ExitCodes.Success;
    }

    private static CrossValidationResult Run(Network network, LoadedData loaded, TrainingOptions options, CrossValidationOptions settings, CliContext context)
    {
        try
        {
            return CrossValidation.Run(network, loaded.Data, options, settings, context.Cancellation);
        }
        catch (ArgumentException e)
        {
            // The options were checked by the parser and the shapes by NetworkFactory: what is left is about the data.
            throw new UserException($"{loaded.Source}: {CommandLine.WithoutParameter(e)}", e);
        }
    }
}
