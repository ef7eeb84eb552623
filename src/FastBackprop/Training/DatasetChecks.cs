using FastBackprop.Data;

namespace FastBackprop.Training;

/// <summary>The checks of a data set bound to a network, made once per call of <see cref="Trainer.Fit"/> or
/// <see cref="Trainer.Evaluate(Network, Dataset)"/> (never per step). Each names the data set as <c>name</c>.</summary>
internal static class DatasetChecks
{
    /// <summary>At least one pattern.</summary>
    public static void NotEmpty(DatasetRows data, string name)
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

    /// <summary>Each pattern's targets suit the network's loss (Loss.TargetProblem): finite for every loss; in [0, 1] for the
    /// cross-entropies, and over a softmax output a distribution summing to 1 within 1e-4; at least 0 for Poisson.
    /// Otherwise the gradient is not the gradient of the loss that is reported. Labelled data is one-hot by construction
    /// and not scanned. A bad pattern is named by its place in the view <paramref name="rows"/> and, when the view is not
    /// the whole data set, by its row.</summary>
    public static void Targets(NetworkDefinition definition, DatasetRows rows, string name)
    {
        Dataset data = rows.Data;
        if (data.HasLabels || rows.Count == 0) return;
        Loss loss = definition.Loss;
        TransferFunction output = definition.OutputLayer.Transfer;
        int width = data.TargetWidth;
        ReadOnlySpan<float> targets = data.Targets;
        for (int p = 0; p < rows.Count; p++)
        {
            if (loss.TargetProblem(output, targets.Slice(rows.RowAt(p) * width, width)) is string problem)
            {
                string which = rows.IsWhole ? $"pattern {p}" : $"pattern {p} (row {rows.RowAt(p)} of the data set)";
                throw new ArgumentException($"{name} {which}: {problem}", name);
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
