namespace FastBackprop.Training;

/// <summary>A network's metrics on a data set (see <see cref="Trainer.Evaluate(Network, Data.Dataset)"/>).</summary>
public sealed class Evaluation
{
    internal Evaluation(int count, double loss, double? accuracy, double? meanSquaredError, int[,]? confusion)
    {
        Count = count;
        Loss = loss;
        Accuracy = accuracy;
        MeanSquaredError = meanSquaredError;
        ConfusionMatrix = confusion;
    }

    /// <summary>Number of patterns evaluated.</summary>
    public int Count { get; }

    /// <summary>Mean error E per pattern (the network's <see cref="Loss"/>).</summary>
    public double Loss { get; }

    /// <summary>Fraction of patterns whose largest output is the labelled class; null without labels.</summary>
    public double? Accuracy { get; }

    /// <summary>Mean of (y - d)² over patterns and outputs; null for classification data.</summary>
    public double? MeanSquaredError { get; }

    /// <summary>[actual class, predicted class] counts; null without labels.</summary>
    public int[,]? ConfusionMatrix { get; }

    /// <summary>Precision of class <paramref name="c"/>: right predictions of c / all predictions of c (NaN if none).</summary>
    /// <exception cref="InvalidOperationException">The data had no labels.</exception>
    public double Precision(int c)
    {
        int[,] m = ConfusionMatrix ?? throw new InvalidOperationException("precision needs class labels; this evaluation has none.");
        int predicted = 0;
        for (int a = 0; a < m.GetLength(0); a++) predicted += m[a, c];
        return predicted == 0 ? double.NaN : (double)m[c, c] / predicted;
    }

    /// <summary>Recall of class <paramref name="c"/>: right predictions of c / all patterns of class c (NaN if none).</summary>
    /// <exception cref="InvalidOperationException">The data had no labels.</exception>
    public double Recall(int c)
    {
        int[,] m = ConfusionMatrix ?? throw new InvalidOperationException("recall needs class labels; this evaluation has none.");
        int actual = 0;
        for (int p = 0; p < m.GetLength(1); p++) actual += m[c, p];
        return actual == 0 ? double.NaN : (double)m[c, c] / actual;
    }
}
