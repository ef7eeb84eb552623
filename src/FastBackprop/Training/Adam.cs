namespace FastBackprop.Training;

/// <summary>Adam (Kingma and Ba 2015) with PyTorch's bias correction and epsilon outside the square root, and
/// optional coupled L2 weight decay (torch.optim.Adam's weight_decay). For decoupled decay use <see cref="AdamW"/>.
/// See <see cref="Kernels.AdamUpdate"/> for the equations.</summary>
public sealed class Adam : AdamBase
{
    /// <summary>Creates the optimizer.</summary>
    /// <param name="parameterCount">The length of the parameter buffer; at least 1.</param>
    /// <param name="beta1">Decay of the first moment, in [0, 1).</param>
    /// <param name="beta2">Decay of the second moment, in [0, 1).</param>
    /// <param name="epsilon">Added to √v̂; finite, &gt; 0.</param>
    /// <param name="weightDecay">lambda, coupled: the gradient becomes g + lambda w; finite, &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is NaN or outside its range.</exception>
    public Adam(int parameterCount, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f)
        : base(parameterCount, beta1, beta2, epsilon, weightDecay, decoupled: false)
    {
    }
}
