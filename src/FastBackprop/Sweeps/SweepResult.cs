using FastBackprop.Training;

namespace FastBackprop.Sweeps;

/// <summary>One configuration's results: its trainings (one per seed, in the space's seed order) and their mean
/// and standard deviation.</summary>
/// <param name="Configuration">The configuration.</param>
/// <param name="Runs">One training per seed.</param>
public sealed record SweepResult(SweepConfiguration Configuration, IReadOnlyList<SweepRun> Runs)
{
    /// <summary>Whether the data had class labels (the runs have accuracies): then the score is the validation
    /// accuracy (higher is better), else the validation loss (lower is better).</summary>
    public bool Classification => Runs.Count > 0 && Runs[0].ValidationAccuracy is not null;

    /// <summary>Validation loss over the seeds.</summary>
    public MetricSummary ValidationLoss => MetricSummary.Of([.. Runs.Select(r => r.ValidationLoss)]);

    /// <summary>Validation accuracy over the seeds, or null for regression data.</summary>
    public MetricSummary? ValidationAccuracy => Classification ? MetricSummary.Of([.. Runs.Select(r => r.ValidationAccuracy!.Value)]) : null;

    /// <summary>Validation MSE over the seeds, or null for classification data.</summary>
    public MetricSummary? ValidationMeanSquaredError =>
        Runs.Count > 0 && Runs[0].ValidationMeanSquaredError is not null ? MetricSummary.Of([.. Runs.Select(r => r.ValidationMeanSquaredError!.Value)]) : null;

    /// <summary>The figure the best configuration is chosen by: the mean validation accuracy for classification data,
    /// the mean validation loss otherwise; NaN if any of its trainings failed.</summary>
    public double Score => Classification ? ValidationAccuracy!.Value.Mean : ValidationLoss.Mean;

    /// <summary>Whether every training succeeded.</summary>
    public bool Succeeded => Runs.All(r => r.Failure is null);

    /// <summary>Whether this result's score is better than <paramref name="other"/>'s by the sweep's rule (see
    /// <see cref="Sweep.Best"/>): a higher accuracy or a lower loss, then the lower configuration index; a NaN score is
    /// never better.</summary>
    public bool IsBetterThan(SweepResult other)
    {
        ArgumentNullException.ThrowIfNull(other);
        double mine = Score, theirs = other.Score;
        if (double.IsNaN(mine)) return false;
        if (double.IsNaN(theirs)) return true;
        if (mine != theirs) return Classification ? mine > theirs : mine < theirs;
        return Configuration.Index < other.Configuration.Index;
    }
}
