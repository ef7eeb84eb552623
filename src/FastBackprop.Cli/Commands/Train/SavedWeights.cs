using FastBackprop.Training;

namespace FastBackprop.Cli.Commands.Train;

/// <summary>Keeps a copy of the weights of this run's best epoch by --monitor (the lowest loss or the highest
/// accuracy; validation figure, else training figure), an epoch counting as better only by more than --min-delta, as
/// the trainer's early stopping counts it: what a stopped run saves.</summary>
internal sealed class BestWeights(Network network, MonitoredMetric monitor = MonitoredMetric.Loss, double minDelta = 0)
{
    private float[]? best;
    private double bestScore = double.PositiveInfinity;   // lower is better: the loss, or minus the accuracy

    /// <summary>The best epoch's report, or null before an epoch has finished.</summary>
    public EpochReport? Report { get; private set; }

    /// <summary>The loss the choice of the best epoch is made on.</summary>
    public static double Monitored(EpochReport report) => report.Validation?.Loss ?? report.TrainingLoss;

    public void Observe(EpochReport report)
    {
        double score = monitor == MonitoredMetric.Accuracy ? -(report.Validation is null ? report.TrainingAccuracy : report.Validation.Accuracy).GetValueOrDefault(double.NaN) : Monitored(report);
        if (!(score < bestScore - minDelta)) return;   // +inf - delta is +inf: the first finite epoch is the best so far
        bestScore = score;
        Report = report;
        best ??= new float[network.Parameters.Length];
        network.Parameters.CopyTo(best);
    }

    /// <summary>Puts the best epoch's weights back into the network; false if no epoch has finished.</summary>
    public bool Restore()
    {
        if (best is null) return false;
        best.CopyTo(network.Parameters);
        return true;
    }
}

/// <summary>The weights a run leaves in --out, by one rule (train --help and the README state it):
/// <list type="bullet">
/// <item>the run ended (all epochs ran, or early stopping): its final weights, which --restore-best (on by default)
/// sets to the best epoch's when there is validation data or a --patience (TrainingHistory.Weights says which);</item>
/// <item>stopped by Ctrl+C or SIGTERM after at least one of its epochs finished: the weights of its
/// best epoch so far (never the half-trained weights of the interrupted epoch);</item>
/// <item>stopped before any of its epochs finished: none. --out is not written, so an existing model
/// stays as it was.</item>
/// </list>
/// And a model that replaces one which, by its own record, did better on the same data says so (ModelReplacement).</summary>
internal sealed record SavedWeights(EpochReport Report, string Label)
{
    /// <summary>The weights to save (already in the network), or null to leave --out alone.
    /// <paramref name="resumedAt"/> is the 0-based epoch a resumed run continued in.</summary>
    public static SavedWeights? Choose(TrainingHistory history, BestWeights best, int? resumedAt)
    {
        if (history.StopReason == StopReason.Cancelled)
        {
            if (!best.Restore()) return null;
            string which = resumedAt is int epoch ? $"the best since resuming in epoch {epoch + 1}" : "the best so far";
            return new SavedWeights(best.Report!, $"weights of epoch {best.Report!.Epoch}, {which}");
        }
        if (history.Weights == FinalWeights.BestEpoch && history.Epochs.FirstOrDefault(e => e.Epoch == history.BestEpoch) is EpochReport bestEpoch)
        {
            return new SavedWeights(bestEpoch, $"weights of epoch {bestEpoch.Epoch}, the best");
        }
        return new SavedWeights(history.Epochs[^1], "final weights");
    }

    /// <summary>"validation" or "training": which loss <see cref="Loss"/> is.</summary>
    public string LossKind => Report.Validation is null ? "training" : "validation";

    public double Loss => BestWeights.Monitored(Report);
}
