using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using FastBackprop.Data;
using FastBackprop.Kernels;
using FastBackprop.Training;

namespace FastBackprop.Cli.Commands.Train;

/// <summary>What a training run leaves behind besides the weights: the metadata stored in the model
/// (shown by `fastbackprop info`) and the --json document.</summary>
internal sealed record TrainingRecord(LoadedData Loaded, bool Classify, string Optimizer, float Rate, TrainingOptions Options,
    TrainingHistory History, SavedWeights? Saved, int? ResumedAt, TimeSpan Elapsed)
{
    public const string DataKey = "data";
    public const string SavedLossKey = "saved-loss";
    public const string SavedLossKindKey = "saved-loss-of";

    /// <summary>The standardisation of the regression targets trained on, or null: the losses are on the
    /// standardised targets, the mean squared errors (MSE) are reported in the targets' units.</summary>
    public TargetScaling? Targets { get; init; }

    public Dictionary<string, string> Metadata(ParseResult parse)
    {
        var history = new StringBuilder("epoch,train_loss,train_accuracy,validation_loss,validation_accuracy,seconds\n");
        foreach (EpochReport e in History.Epochs)
        {
            history.Append(CultureInfo.InvariantCulture, $"{e.Epoch},{e.TrainingLoss:G6},{e.TrainingAccuracy:G6},{e.Validation?.Loss:G6},{e.Validation?.Accuracy:G6},{e.Elapsed.TotalSeconds:F3}\n");
        }
        var metadata = new Dictionary<string, string>
        {
            [ModelFiles.TaskKey] = Classify ? ModelFiles.Classification : ModelFiles.Regression,
            [DataKey] = Loaded.Source,
            ["trained-at"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture),
            ["tool"] = $"{CommandLine.Name} {CommandLine.Version}",
            ["command"] = CommandLine.Name + " " + string.Join(' ', parse.Tokens.Select(t => t.Value)),
            ["optimizer"] = Optimizer,
            ["optimizer-settings"] = OptimizerFactory.Describe(Optimizer, Options.Optimizer, Rate),
            ["learning-rate"] = Rate.ToString(CultureInfo.InvariantCulture),
            ["batch-size"] = Options.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["seed"] = Options.Seed.ToString(CultureInfo.InvariantCulture),
            ["vector-tier"] = VectorTiers.Active.ToString(),
            ["epochs-run"] = History.Epochs.Count.ToString(CultureInfo.InvariantCulture),
            ["epochs-planned"] = Options.Epochs.ToString(CultureInfo.InvariantCulture),
            ["stop-reason"] = History.StopReason.ToString(),
            ["best-epoch"] = History.BestEpoch.ToString(CultureInfo.InvariantCulture),
            ["saved-weights"] = Saved?.Label ?? "",
            ["history"] = history.ToString(),
        };
        if (Options.Regularization is { } regularization) metadata["regularization"] = regularization.ToString();
        if (ResumedAt is int resumed) metadata["resumed-in-epoch"] = (resumed + 1).ToString(CultureInfo.InvariantCulture);
        if (Saved is not null)
        {
            metadata["saved-epoch"] = Saved.Report.Epoch.ToString(CultureInfo.InvariantCulture);
            metadata[SavedLossKey] = Fmt.G(Saved.Loss);
            metadata[SavedLossKindKey] = Saved.LossKind;
        }
        if (History.Epochs.Count > 0)
        {
            EpochReport last = History.Epochs[^1];
            metadata["final-train-loss"] = Fmt.G(last.TrainingLoss);
            if (last.TrainingAccuracy is double ta) metadata["final-train-accuracy"] = Fmt.G(ta);
            if (Mse(last.TrainingMeanSquaredError) is double tm) metadata["final-train-mse"] = Fmt.G(tm);
            if (Mse(last.Validation?.MeanSquaredError) is double vm) metadata["final-validation-mse"] = Fmt.G(vm);
            if (Targets is not null) metadata["target-scaling"] = "standardization; losses on standardised targets, MSE" + TrainingMetrics.MseUnits(Targets);
            if (last.Validation is not null)
            {
                metadata["final-validation-loss"] = Fmt.G(last.Validation.Loss);
                if (last.Validation.Accuracy is double va) metadata["final-validation-accuracy"] = Fmt.G(va);
            }
        }
        return metadata;
    }

    public JsonObject ToJson(NetworkDefinition definition, string? modelPath, string? curvePath, string? checkpointPath)
    {
        var epochs = new JsonArray();
        foreach (EpochReport e in History.Epochs)
        {
            epochs.Add((JsonNode)new JsonObject
            {
                ["epoch"] = e.Epoch,
                ["trainLoss"] = Json.Number(e.TrainingLoss),
                ["trainAccuracy"] = Json.Number(e.TrainingAccuracy),
                ["validationLoss"] = Json.Number(e.Validation?.Loss),
                ["validationAccuracy"] = Json.Number(e.Validation?.Accuracy),
                ["trainMeanSquaredError"] = Json.Number(Mse(e.TrainingMeanSquaredError)),
                ["validationMeanSquaredError"] = Json.Number(Mse(e.Validation?.MeanSquaredError)),
                ["learningRate"] = Json.Number(e.LearningRate),
                ["seconds"] = Json.Number(e.Elapsed.TotalSeconds),
                ["samplesPerSecond"] = Json.Number(e.PatternsPerSecond),
            });
        }
        return new JsonObject
        {
            ["command"] = "train",
            ["data"] = Loaded.Source,
            ["shape"] = ModelFiles.Shape(definition),
            ["parameters"] = definition.ParameterCount,
            ["vectorTier"] = VectorTiers.Active.ToString(),
            ["stopReason"] = History.StopReason.ToString(),
            ["bestEpoch"] = History.BestEpoch,
            ["savedWeights"] = Saved?.Label,
            ["savedEpoch"] = Saved?.Report.Epoch,
            ["model"] = modelPath is null ? null : Path.GetFullPath(modelPath),
            ["learningCurve"] = curvePath,
            ["checkpoint"] = checkpointPath is null ? null : Path.GetFullPath(checkpointPath),
            ["resumedInEpoch"] = ResumedAt + 1,
            ["seconds"] = Json.Number(Elapsed.TotalSeconds),
            ["epochs"] = epochs,
        };
    }

    private double? Mse(double? meanSquaredError) => TrainingMetrics.InTargetUnits(meanSquaredError, Targets);
}
