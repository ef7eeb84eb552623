using FastBackprop.Training;

namespace FastBackprop.Sweeps;

/// <summary>The validation figures of one training of a sweep (one configuration, one seed).</summary>
/// <param name="Seed">The training's seed.</param>
/// <param name="ValidationLoss">The validation loss (mean E per pattern) of the scored epoch; NaN when the training failed.</param>
/// <param name="ValidationAccuracy">Its validation accuracy (labelled data), else null; NaN when the training failed.</param>
/// <param name="ValidationMeanSquaredError">Its validation MSE (regression data), else null; NaN when the training failed.</param>
/// <param name="EpochsRun">Epochs the training ran (fewer than asked when early stopping ended it).</param>
/// <param name="ScoredEpoch">The epoch scored: the one whose weights the network was left with
/// (<see cref="TrainingHistory.BestEpoch"/> when the best weights were restored, else the last); 0 when it failed.</param>
/// <param name="Seconds">Wall time of its epochs (the sum of <see cref="EpochReport.Elapsed"/>): the one figure of a
/// sweep that differs between runs.</param>
/// <param name="Failure">Why the training failed (it diverged), or null.</param>
public sealed record SweepRun(ulong Seed, double ValidationLoss, double? ValidationAccuracy, double? ValidationMeanSquaredError, int EpochsRun, int ScoredEpoch,
    double Seconds, string? Failure)
{
    /// <summary>The figures of one FitMany outcome.</summary>
    /// <exception cref="ArgumentException">The training succeeded without validation figures.</exception>
    public static SweepRun From(ulong seed, TrainingOutcome outcome, bool labelled)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.History is not { } history)
        {
            double? nan = double.NaN;
            return new SweepRun(seed, double.NaN, labelled ? nan : null, labelled ? null : nan, 0, 0, 0, outcome.Failure?.Message ?? "failed");
        }
        double seconds = 0;
        foreach (EpochReport e in history.Epochs) seconds += e.Elapsed.TotalSeconds;
        int scored = history.Weights == FinalWeights.BestEpoch ? history.BestEpoch : history.Epochs.Count;
        Evaluation validation = scored >= 1 ? history.Epochs[scored - 1].Validation
            ?? throw new ArgumentException("the training has no validation figures; a sweep needs a validation split.", nameof(outcome))
            : throw new ArgumentException("the training ran no epoch.", nameof(outcome));
        return new SweepRun(seed, validation.Loss, validation.Accuracy, validation.MeanSquaredError, history.Epochs.Count, scored, seconds, null);
    }
}
