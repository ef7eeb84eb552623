using FastBackprop.Training;

namespace FastBackprop.Ensembles;

/// <summary>An <see cref="Ensemble"/>'s metrics on a data set (see <see cref="Ensemble.Evaluate"/>).</summary>
public sealed class EnsembleEvaluation
{
    internal EnsembleEvaluation(int count, double? accuracy, double? meanSquaredError, Evaluation[] members)
    {
        Count = count;
        Accuracy = accuracy;
        MeanSquaredError = meanSquaredError;
        Members = members;
        double sum = 0;
        foreach (Evaluation e in members) sum += e.Loss;
        MeanMemberLoss = sum / members.Length;
    }

    /// <summary>Number of patterns evaluated.</summary>
    public int Count { get; }

    /// <summary>Fraction of patterns whose ensemble class (<see cref="Ensemble.PredictClass"/>) is the label (weighted by the
    /// sample weights, if any); null without labels.</summary>
    public double? Accuracy { get; }

    /// <summary>Mean of (y - d)² over patterns and outputs of the ensemble's outputs (<see cref="Ensemble.Predict"/>, in the
    /// targets' units; weighted mean with sample weights); null for labelled data.</summary>
    public double? MeanSquaredError { get; }

    /// <summary>The mean of the members' losses (<see cref="Evaluation.Loss"/>): a loss is a function of one network's
    /// pre-activations, so the ensemble's own combined outputs have none; this is the members' average.</summary>
    public double MeanMemberLoss { get; }

    /// <summary>Each member's own evaluation (<see cref="IO.Model.Evaluate"/>), in member order.</summary>
    public IReadOnlyList<Evaluation> Members { get; }
}
