using System.CommandLine;
using FastBackprop.Training;

namespace FastBackprop.Cli.Commands.Train;

/// <summary>The TrainingOptions the training options describe, shared by `train` and `cv`: each adds what is its own
/// (train: the validation part, the display, the checkpoint; cv: the per-fold validation split and optimizers).</summary>
internal static class TrainingOptionsFactory
{
    /// <summary>The options for a training on <paramref name="trainingCount"/> patterns (the schedule counts its steps).</summary>
    /// <exception cref="UserException">--monitor accuracy on regression data, --penalize-biases alone, or a trial-point
    /// optimizer with options it cannot honour.</exception>
    public static TrainingOptions Create(ParseResult parse, TrainCommandOptions o, LoadedData loaded, NetworkDefinition definition, float rate, int batchSize, int epochs, int trainingCount)
    {
        MonitoredMetric monitor = o.MonitoredMetric(parse);
        if (monitor == MonitoredMetric.Accuracy && !loaded.Data.HasLabels)
        {
            throw new UserException($"{o.Monitor.Name} accuracy needs class labels, but {loaded.Source} is regression data; use {o.Monitor.Name} loss.");
        }
        var options = new TrainingOptions
        {
            Epochs = epochs,
            BatchSize = batchSize,
            Seed = parse.GetValue(o.Seed),
            LearningRate = rate,
            Schedule = ScheduleFactory.Create(parse, o, rate, epochs, ScheduleFactory.StepsPerEpoch(trainingCount, batchSize)),
            ScheduleUnit = ScheduleFactory.Unit(parse, o),
            Optimizer = OptimizerFactory.Create(parse, o, definition.ParameterCount),
            GradientClipNorm = parse.GetValue(o.ClipNorm),
            Regularization = o.Regularization(parse),
            EarlyStoppingPatience = parse.GetValue(o.Patience),
            RestoreBestWeights = parse.GetValue(o.RestoreBest) == "on",
            EarlyStoppingMinDelta = parse.GetValue(o.MinDelta),
            Monitor = monitor,
            OnDivergence = o.DivergencePolicy(parse),
        };
        OptimizerFactory.CheckTrialPointOptions(parse, o, options.Optimizer, definition);
        return parse.GetValue(o.Threads) is int threads ? options with { DegreeOfParallelism = threads } : options;
    }
}
