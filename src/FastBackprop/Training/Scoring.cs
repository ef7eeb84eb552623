using System.Numerics.Tensors;

namespace FastBackprop.Training;

/// <summary>How outputs are scored against the data: the predicted class is the largest output, and the
/// regression error is the squared difference. Shared by the epoch metrics and <see cref="Trainer.Evaluate(Network, Data.Dataset)"/>.</summary>
internal static class Scoring
{
    /// <summary>How many of the rows of <paramref name="outputs"/> (rows of <paramref name="width"/>) predict their
    /// label; each (label, prediction) pair is also counted in <paramref name="counts"/> when given.</summary>
    public static long CountCorrect(ReadOnlySpan<float> outputs, ReadOnlySpan<int> labels, int width, ClassCounts? counts)
    {
        long correct = 0;
        for (int p = 0; p < labels.Length; p++)
        {
            int predicted = TensorPrimitives.IndexOfMax(outputs.Slice(p * width, width));
            counts?.Add(labels[p], predicted);
            if (predicted == labels[p]) correct++;
        }
        return correct;
    }

    /// <summary>Σ_i (y_i - d_i)², in double.</summary>
    public static double SquaredError(ReadOnlySpan<float> y, ReadOnlySpan<float> d)
    {
        double sum = 0;
        for (int i = 0; i < y.Length; i++) sum += (double)(y[i] - d[i]) * (y[i] - d[i]);
        return sum;
    }
}
