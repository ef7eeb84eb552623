namespace FastBackprop.Training;

/// <summary>A network's metrics on a data set (see <see cref="Trainer.Evaluate(Network, Data.Dataset)"/>).</summary>
public sealed class Evaluation
{
    /// <summary>The largest class count for which <see cref="ConfusionMatrix"/> is kept: 1,024 classes make a
    /// 4 MiB matrix. Above it the matrix (which grows with the square of the class count: 16 GiB at 65,536) is
    /// not built, and the per-class counts are all there is.</summary>
    public const int MaxConfusionMatrixClasses = 1024;

    private readonly ClassCounts? counts;

    internal Evaluation(int count, double loss, double? accuracy, double? meanSquaredError, ClassCounts? counts)
    {
        Count = count;
        Loss = loss;
        Accuracy = accuracy;
        MeanSquaredError = meanSquaredError;
        this.counts = counts;
    }

    /// <summary>This evaluation with another <see cref="MeanSquaredError"/> (the same figure in the targets'
    /// own units, when the network was trained on standardised targets), and the same <see cref="WeightSum"/>.</summary>
    internal Evaluation WithMeanSquaredError(double? meanSquaredError) => new(Count, Loss, Accuracy, meanSquaredError, counts) { WeightSum = WeightSum };

    /// <summary>Number of patterns evaluated.</summary>
    public int Count { get; }

    /// <summary>Σ_p w_p of the patterns evaluated when the data has sample weights (Data.Dataset.Weights); null without
    /// weights. When it is given, <see cref="Loss"/>, <see cref="Accuracy"/> and <see cref="MeanSquaredError"/> are weighted
    /// means (each pattern counts w_p times; the denominator is this sum), while <see cref="Count"/>, the confusion matrix,
    /// <see cref="Support"/>, <see cref="Precision"/> and <see cref="Recall"/> count patterns.</summary>
    public double? WeightSum { get; init; }

    /// <summary>Mean error E per pattern (the network's <see cref="Loss"/>); the weighted mean Σ_p w_p E_p / Σ_p w_p
    /// when the data has sample weights (<see cref="WeightSum"/>).</summary>
    public double Loss { get; }

    /// <summary>Fraction of patterns whose largest output is the labelled class (weighted by the sample weights, if any);
    /// null without labels.</summary>
    public double? Accuracy { get; }

    /// <summary>Mean of (y - d)² over patterns and outputs (Σ_p w_p Σ_k (y - d)² / (Σ_p w_p K) with sample weights);
    /// null for classification data.</summary>
    public double? MeanSquaredError { get; }

    /// <summary>Number of classes (the data's class count); 0 without labels.</summary>
    public int ClassCount => counts?.Classes ?? 0;

    /// <summary>[actual class, predicted class] counts; null without labels, or with more than
    /// <see cref="MaxConfusionMatrixClasses"/> classes.</summary>
    public int[,]? ConfusionMatrix => counts?.Matrix;

    /// <summary>Patterns whose label is class <paramref name="c"/>.</summary>
    /// <exception cref="InvalidOperationException">The data had no labels.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="c"/> is not a class.</exception>
    public int Support(int c) => Counts("support", c).Actual[c];

    /// <summary>Precision of class <paramref name="c"/>: right predictions of c / all predictions of c (NaN if none).</summary>
    /// <exception cref="InvalidOperationException">The data had no labels.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="c"/> is not a class.</exception>
    public double Precision(int c)
    {
        ClassCounts k = Counts("precision", c);
        return k.Predicted[c] == 0 ? double.NaN : (double)k.Correct[c] / k.Predicted[c];
    }

    /// <summary>Recall of class <paramref name="c"/>: right predictions of c / all patterns of class c (NaN if none).</summary>
    /// <exception cref="InvalidOperationException">The data had no labels.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="c"/> is not a class.</exception>
    public double Recall(int c)
    {
        ClassCounts k = Counts("recall", c);
        return k.Actual[c] == 0 ? double.NaN : (double)k.Correct[c] / k.Actual[c];
    }

    private ClassCounts Counts(string what, int c)
    {
        ClassCounts k = counts ?? throw new InvalidOperationException($"{what} needs class labels; this evaluation has none.");
        if ((uint)c >= (uint)k.Classes)
        {
            throw new ArgumentOutOfRangeException(nameof(c), c, $"c is {c}; expected a class from 0 to {k.Classes - 1}.");
        }
        return k;
    }
}
