namespace FastBackprop;

/// <summary>How a layer's initial weights are drawn (biases start at zero).</summary>
public enum WeightInitialization
{
    /// <summary>Xavier/Glorot uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out)). Suits logistic, tanh, identity, softmax.</summary>
    XavierUniform,

    /// <summary>He/Kaiming uniform: U(-a, a), a = sqrt(6 / fan_in). Suits ReLU and leaky ReLU.</summary>
    HeUniform,
}
