using System.Numerics.Tensors;

namespace FastBackprop.Training;

/// <summary><see cref="Scoring"/> with sample weights (Dataset.Weights): each pattern counts w_p times, the sums in
/// double, patterns in order.</summary>
internal static class WeightedScoring
{
    /// <summary>Σ_p w_p in double.</summary>
    public static double Sum(ReadOnlySpan<float> weights)
    {
        double sum = 0;
        foreach (float w in weights) sum += w;
        return sum;
    }

    /// <summary>Σ_p w_p [the largest output of row p is its label] over the rows of <paramref name="outputs"/>.</summary>
    public static double Correct(ReadOnlySpan<float> outputs, ReadOnlySpan<int> labels, int width, ReadOnlySpan<float> weights)
    {
        double correct = 0;
        for (int p = 0; p < labels.Length; p++)
        {
            if (TensorPrimitives.IndexOfMax(outputs.Slice(p * width, width)) == labels[p]) correct += weights[p];
        }
        return correct;
    }

    /// <summary>Σ_p w_p Σ_k (y_pk - d_pk)² over rows of <paramref name="width"/>.</summary>
    public static double SquaredError(ReadOnlySpan<float> y, ReadOnlySpan<float> d, int width, ReadOnlySpan<float> weights)
    {
        double sum = 0;
        for (int p = 0; p < weights.Length; p++)
        {
            sum += weights[p] * Scoring.SquaredError(y.Slice(p * width, width), d.Slice(p * width, width));
        }
        return sum;
    }
}
