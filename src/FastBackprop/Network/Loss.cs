namespace FastBackprop;

/// <summary>The error function E a network minimises for one pattern.</summary>
public enum Loss
{
    /// <summary>E = ½ Σ_k (d_k - y_k)²: the derivation's error. Works with every output transfer function.</summary>
    HalfSquaredError,

    /// <summary>Cross-entropy. With a softmax output (one class per pattern, targets summing to 1):
    /// E = -Σ_k d_k ln y_k. With a logistic output (independent labels, multi-label):
    /// E = -Σ_k [d_k ln y_k + (1 - d_k) ln(1 - y_k)]. In both cases ∂E/∂net_k = y_k - d_k.
    /// Other output functions are rejected.</summary>
    CrossEntropy,
}
