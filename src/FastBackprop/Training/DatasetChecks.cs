using FastBackprop.Data;

namespace FastBackprop.Training;

/// <summary>The checks of a data set bound to a network, made once per call of <see cref="Trainer.Fit"/> or
/// <see cref="Trainer.Evaluate(Network, Dataset)"/> (never per step). Each names the data set as <c>name</c>.</summary>
internal static class DatasetChecks
{
    /// <summary>How far the targets of a pattern may sum from 1 for cross-entropy over a softmax output: a bound
    /// that soft targets printed with 6 decimals meet for up to about a hundred classes.</summary>
    public const double DistributionTolerance = 1e-4;

    /// <summary>At least one pattern.</summary>
    public static void NotEmpty(Dataset data, string name)
    {
        if (data.Count == 0) throw new ArgumentException($"{name} has 0 patterns; expected at least 1.", name);
    }

    /// <summary>Labelled (classification) data has at least two classes: with one, every prediction is right and the
    /// accuracy says 100% whatever the network learns.</summary>
    public static void Classes(Dataset data, string name)
    {
        if (data.HasLabels && data.ClassCount < 2)
        {
            throw new ArgumentException($"{name} is labelled with a single class; classification needs at least 2 classes (with one, every prediction is right).", name);
        }
    }

    /// <summary>For a cross-entropy network, each target is in [0, 1] and, over a softmax output, each pattern's targets
    /// sum to 1 within <see cref="DistributionTolerance"/>; otherwise the gradient y - d is not the gradient of the loss
    /// that is reported. Labelled data is one-hot by construction and not scanned.</summary>
    public static void CrossEntropyTargets(NetworkDefinition definition, Dataset data, string name)
    {
        if (definition.Loss != Loss.CrossEntropy || data.HasLabels || data.Count == 0) return;
        bool softmax = definition.OutputLayer.Transfer is SoftmaxFunction;
        int width = data.TargetWidth;
        ReadOnlySpan<float> targets = data.GetTargets(0, data.Count);
        for (int p = 0; p < data.Count; p++)
        {
            ReadOnlySpan<float> row = targets.Slice(p * width, width);
            double sum = 0;
            for (int k = 0; k < width; k++)
            {
                if (!(row[k] >= 0f && row[k] <= 1f))
                {
                    throw new ArgumentException($"{name} pattern {p}: target {k} is {row[k]}; cross-entropy expects targets in [0, 1].", name);
                }
                sum += row[k];
            }
            if (softmax && Math.Abs(sum - 1) > DistributionTolerance)
            {
                throw new ArgumentException(
                    $"{name} pattern {p}: the targets sum to {sum}; cross-entropy over a softmax output expects a probability distribution (summing to 1 within {DistributionTolerance}), such as a one-hot code.", name);
            }
        }
    }

    /// <summary>Input and target widths (and class count, with labels) match the network.</summary>
    public static void Widths(NetworkDefinition definition, Dataset data, string name)
    {
        if (data.InputWidth != definition.InputWidth || data.TargetWidth != definition.OutputWidth)
        {
            throw new ArgumentException(
                $"{name} has {data.InputWidth} inputs and {data.TargetWidth} targets per pattern; the network expects {definition.InputWidth} and {definition.OutputWidth}.", name);
        }
        if (data.HasLabels && data.ClassCount != definition.OutputWidth)
        {
            throw new ArgumentException($"{name} has {data.ClassCount} {(data.ClassCount == 1 ? "class" : "classes")}; the network has {definition.OutputWidth} {(definition.OutputWidth == 1 ? "output" : "outputs")}.", name);
        }
    }
}
