using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;
using FastBackprop.Kernels.Optimizers;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// RmsPropUpdate: RMSProp (Tieleman & Hinton 2012, lecture 6e) in torch.optim.RMSprop's form
// (no momentum, not centred):
//
//   g'_i = g_i + lambda w_i                      (coupled L2 weight decay; skipped when lambda = 0)
//   s_i  = rho s_i + (1 - rho) g'_i^2
//   w_i  = w_i - eta g'_i / (sqrt(s_i) + epsilon)
//
// Operands: w, g, s share one length and layout. Caller guarantees: no two overlap.
// Kernel handles any length, every tail. Kernel never allocates, reads past a span, or writes g.
// ---------------------------------------------------------------------------------------------

/// <summary>The RMSProp update over a flat parameter buffer.</summary>
public static class RmsPropUpdate
{
    /// <summary>Effectively computes, for every i, with <c>g = gradient[i] + weightDecay · parameters[i]</c>:
    /// <c>meanSquare[i] = rho · meanSquare[i] + (1 - rho) g²</c>;
    /// <c>parameters[i] -= learningRate · g / (√meanSquare[i] + epsilon)</c>.</summary>
    /// <param name="parameters">The flat parameter buffer, updated in place.</param>
    /// <param name="gradient">dE/dw in the layout of <paramref name="parameters"/>; same length.</param>
    /// <param name="meanSquare">s, the running mean of g², one per parameter, updated in place (zero before step 1).</param>
    /// <param name="learningRate">eta. Hyper-parameters are not validated here (the optimizer classes validate).</param>
    /// <param name="rho">Decay of the running mean, in [0, 1).</param>
    /// <param name="epsilon">Added to √s (outside the root, as PyTorch).</param>
    /// <param name="weightDecay">lambda, the coupled L2 coefficient.</param>
    /// <exception cref="ArgumentException">A span's length differs from <paramref name="parameters"/>'s.</exception>
    /// <remarks>NaN propagates element-wise. Every operation is one correctly rounded IEEE operation per element
    /// (the multiply-adds fused at every width, square root and division exact): the result is the same bits on
    /// every CPU and vector tier.</remarks>
    public static void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> meanSquare,
        float learningRate, float rho, float epsilon, float weightDecay = 0f) =>
        ParameterUpdateDriver.Run(new RmsPropOperator(learningRate, rho, epsilon, weightDecay), parameters, gradient, meanSquare, nameof(meanSquare));

    internal readonly struct RmsPropOperator(float learningRate, float rho, float epsilon, float weightDecay) : IParameterUpdateOperator1
    {
        private readonly float negativeRate = -learningRate;
        private readonly float rho = rho, oneMinusRho = 1f - rho;
        private readonly float epsilon = epsilon;
        private readonly float decay = weightDecay;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]

        public TVector Invoke<TSimd, TVector>(TVector w, TVector g, ref TVector s) where TSimd : ISimd<TVector> where TVector : struct
        {
            if (decay != 0f) g = TSimd.FusedMultiplyAdd(TSimd.Create(decay), w, g);                       // g' = g + lambda w
            TVector scaledSquare = TSimd.Multiply(TSimd.Multiply(TSimd.Create(oneMinusRho), g), g);
            s = TSimd.FusedMultiplyAdd(TSimd.Create(rho), s, scaledSquare);                                 // s = rho s + (1-rho) g'^2
            TVector denominator = TSimd.Add(SimdMath.Sqrt(s), TSimd.Create(epsilon));                // sqrt(s) + eps
            return TSimd.FusedMultiplyAdd(TSimd.Create(negativeRate), SimdMath.Divide(g, denominator), w); // w - eta g'/(...)
        }
    }
}
