namespace FastBackprop.Training;

/// <summary>AdamW (Loshchilov and Hutter 2019): Adam with decoupled weight decay <c>w -= eta lambda w</c> applied
/// before the Adam step, as torch.optim.AdamW. See <see cref="Kernels.AdamUpdate"/> for the equations.</summary>
public sealed class AdamW : AdamBase
{
    /// <summary>Creates the optimizer.</summary>
    /// <param name="parameterCount">The length of the parameter buffer; at least 1.</param>
    /// <param name="beta1">Decay of the first moment, in [0, 1).</param>
    /// <param name="beta2">Decay of the second moment, in [0, 1).</param>
    /// <param name="epsilon">Added to √v̂; finite, &gt; 0.</param>
    /// <param name="weightDecay">lambda, decoupled; finite, &gt;= 0 (PyTorch's default 0.01).</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is NaN or outside its range.</exception>
    public AdamW(int parameterCount, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0.01f)
        : base(parameterCount, beta1, beta2, epsilon, weightDecay, decoupled: true)
    {
    }
}
