namespace FastBackprop.Data;

/// <summary>How an <see cref="InputScaling"/> was fitted. The stored numbers are the same for both
/// kinds (an offset and a multiplier per feature); the kind records where they came from.</summary>
public enum InputScalingKind
{
    /// <summary>Min-max: offset = column minimum, scale = 1 / (max - min), so the training data maps
    /// onto [0, 1]; also the fixed ranges the loaders scale by (digits counts 0..16, IDX pixels 0..255).</summary>
    MinMax = 1,

    /// <summary>Standardisation: offset = column mean, scale = 1 / standard deviation (population,
    /// divisor n), so the training data has mean 0 and standard deviation 1.</summary>
    Standardization = 2,
}
