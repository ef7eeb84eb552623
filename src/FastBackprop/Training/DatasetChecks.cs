using FastBackprop.Data;

namespace FastBackprop.Training;

/// <summary>The checks of a data set bound to a network, made once per call of <see cref="Trainer.Fit"/> or
/// <see cref="Trainer.Evaluate(Network, Dataset)"/> (never per step). Each names the data set as <c>name</c>.</summary>
internal static class DatasetChecks
{
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
            throw new ArgumentException($"{name} has {data.ClassCount} classes; the network has {definition.OutputWidth} outputs.", name);
        }
    }
}
