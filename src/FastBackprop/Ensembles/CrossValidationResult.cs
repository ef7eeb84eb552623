using FastBackprop.Training;

namespace FastBackprop.Ensembles;

/// <summary>The folds of a <see cref="CrossValidation.Run"/> and the mean ± standard deviation of their metrics.</summary>
public sealed class CrossValidationResult
{
    internal CrossValidationResult(FoldResult[] folds, bool stratified, bool classify, IReadOnlyList<string> warnings)
    {
        Folds = folds;
        Stratified = stratified;
        Warnings = warnings;
        Loss = Summarise(folds, e => e.Loss);
        if (classify) Accuracy = Summarise(folds, e => e.Accuracy!.Value);
        else MeanSquaredError = Summarise(folds, e => e.MeanSquaredError!.Value);
    }

    /// <summary>The folds, in fold order.</summary>
    public IReadOnlyList<FoldResult> Folds { get; }

    /// <summary>Whether the folds were stratified by class.</summary>
    public bool Stratified { get; }

    /// <summary>Notes about folds that work but may mislead, one sentence each (e.g. a class with fewer rows than folds).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The held-out loss over the folds (see <see cref="MetricSummary"/> for the conventions).</summary>
    public MetricSummary Loss { get; }

    /// <summary>The held-out accuracy over the folds; null for regression data.</summary>
    public MetricSummary? Accuracy { get; }

    /// <summary>The held-out mean squared error over the folds; null for labelled data.</summary>
    public MetricSummary? MeanSquaredError { get; }

    private static MetricSummary Summarise(FoldResult[] folds, Func<Evaluation, double> metric)
    {
        var values = new double[folds.Length];
        for (int f = 0; f < folds.Length; f++) values[f] = folds[f].Evaluation is { } e ? metric(e) : double.NaN;
        return MetricSummary.Of(values);
    }
}
