namespace FastBackprop;

/// <summary>How a layer's initial weights are drawn (biases start at zero). fan_in is the layer's
/// input width, fan_out its unit count.</summary>
public enum WeightInitialization
{
    /// <summary>Xavier/Glorot uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out)). Suits logistic, tanh, identity, softmax.</summary>
    XavierUniform,

    /// <summary>He/Kaiming uniform: U(-a, a), a = sqrt(6 / fan_in). Suits ReLU and leaky ReLU.</summary>
    HeUniform,

    /// <summary>Xavier/Glorot normal: N(0, σ²), σ = sqrt(2 / (fan_in + fan_out)).</summary>
    XavierNormal,

    /// <summary>He/Kaiming normal: N(0, σ²), σ = sqrt(2 / fan_in).</summary>
    HeNormal,

    /// <summary>U(-r, r) with a range r the caller chooses.</summary>
    Uniform,

    /// <summary>LeCun normal: N(0, σ²), σ = sqrt(1 / fan_in). Suits SELU (its self-normalisation assumes it).</summary>
    LeCunNormal,
}
