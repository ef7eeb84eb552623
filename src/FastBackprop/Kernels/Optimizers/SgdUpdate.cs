using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;
using FastBackprop.Kernels.Optimizers;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// SgdUpdate: the derivation's gradient-descent step over the whole parameter buffer.
//
//   g'_i = g_i + lambda w_i             (coupled L2 weight decay; skipped when lambda = 0)
//   w_i  = w_i - eta g'_i
//
// Operands: w (parameters) and g (gradient, the batch mean of dE/dw) have the same length and
// layout. Caller guarantees: w and g do not overlap. Kernel handles any length, every tail.
// Kernel never allocates, reads past a span, or writes g.
// ---------------------------------------------------------------------------------------------

/// <summary>Plain stochastic gradient descent with optional coupled L2 weight decay.</summary>
public static class SgdUpdate
{
    /// <summary>Effectively computes, for every i, <c>parameters[i] -= learningRate * (gradient[i] + weightDecay * parameters[i])</c>
    /// (the decay term is omitted entirely when <paramref name="weightDecay"/> is 0, so the plain step is
    /// <c>fma(-eta, g, w)</c>, w - eta g rounded once).</summary>
    /// <param name="parameters">The flat parameter buffer, updated in place.</param>
    /// <param name="gradient">dE/dw in the layout of <paramref name="parameters"/>; same length.</param>
    /// <param name="learningRate">eta. Not validated here (the optimizer classes validate).</param>
    /// <param name="weightDecay">lambda, the coupled L2 coefficient (E + lambda/2 |w|^2).</param>
    /// <exception cref="ArgumentException"><paramref name="gradient"/> has a different length.</exception>
    /// <remarks>NaN or infinity in a gradient element propagates to that parameter only. The multiply-add is fused
    /// at every width (one rounding), in the registers and in the scalar tail alike: the result is the same bits on
    /// every CPU and vector tier.</remarks>
    public static void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate, float weightDecay = 0f) =>
        ParameterUpdateDriver.Run(new SgdOperator(learningRate, weightDecay), parameters, gradient);

    internal readonly struct SgdOperator(float learningRate, float weightDecay) : IParameterUpdateOperator
    {
        private readonly float negativeRate = -learningRate;
        private readonly float decay = weightDecay;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]

        public TVector Invoke<TSimd, TVector>(TVector w, TVector g) where TSimd : ISimd<TVector> where TVector : struct
        {
            if (decay != 0f) g = TSimd.FusedMultiplyAdd(TSimd.Create(decay), w, g);    // g' = g + lambda w
            return TSimd.FusedMultiplyAdd(TSimd.Create(negativeRate), g, w);             // w - eta g'
        }
    }
}
