using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;
using FastBackprop.Kernels.Optimizers;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// AdamaxUpdate: Adamax (Kingma & Ba 2015, Algorithm 2, the infinity-norm Adam) in
// torch.optim.Adamax's form:
//
//   g'_i = g_i + lambda w_i                        (coupled L2 decay; skipped when lambda = 0)
//   m_i  = beta1 m_i + (1 - beta1) g'_i
//   u_i  = max(beta2 u_i, |g'_i| + epsilon)        (exp_inf: amax of the two)
//   w_i  = w_i - (eta / (1 - beta1^t)) m_i / u_i
//
// eta / (1 - beta1^t) is computed once per call in double and rounded to float. The maximum
// propagates NaN, as torch.amax does.
// Operands: w, g, m, u share one length and layout. Caller guarantees: no two overlap.
// Kernel handles any length, every tail. Kernel never allocates, reads past a span, or writes g.
// ---------------------------------------------------------------------------------------------

/// <summary>The Adamax update over a flat parameter buffer.</summary>
public static class AdamaxUpdate
{
    /// <summary>Effectively computes, for every i, with <c>g = gradient[i] + weightDecay · parameters[i]</c>:
    /// <c>m[i] = beta1 m[i] + (1-beta1) g</c>, <c>u[i] = max(beta2 u[i], |g| + epsilon)</c>,
    /// <c>parameters[i] -= eta/(1-beta1^t) · m[i] / u[i]</c>.</summary>
    /// <param name="parameters">The flat parameter buffer, updated in place.</param>
    /// <param name="gradient">dE/dw in the layout of <paramref name="parameters"/>; same length.</param>
    /// <param name="firstMoment">m, updated in place (zero before step 1).</param>
    /// <param name="infinityNorm">u, the exponentially weighted infinity norm, updated in place (zero before step 1;
    /// never negative).</param>
    /// <param name="learningRate">eta. Hyper-parameters are not validated here (the optimizer classes validate).</param>
    /// <param name="beta1">Decay of the first moment, in [0, 1).</param>
    /// <param name="beta2">Decay of the infinity norm, in [0, 1).</param>
    /// <param name="epsilon">Added to |g| (&gt; 0, so that u is never 0 after a step).</param>
    /// <param name="step">t, the 1-based number of this step.</param>
    /// <param name="weightDecay">lambda, the coupled L2 coefficient.</param>
    /// <exception cref="ArgumentException">A span's length differs from <paramref name="parameters"/>'s.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is less than 1.</exception>
    public static void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> firstMoment, Span<float> infinityNorm,
        float learningRate, float beta1, float beta2, float epsilon, long step, float weightDecay = 0f)
    {
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, $"{nameof(step)} is {step}; expected at least 1.");
        double stepSize = learningRate / (1.0 - PortableMath.Pow(beta1, step));
        ParameterUpdateDriver.Run(new AdamaxOperator(beta1, beta2, epsilon, (float)stepSize, weightDecay),
            parameters, gradient, firstMoment, nameof(firstMoment), infinityNorm, nameof(infinityNorm));
    }

    private readonly struct AdamaxOperator(float beta1, float beta2, float epsilon, float stepSize, float weightDecay) : IParameterUpdateOperator2
    {
        private readonly float oneMinusBeta1 = 1f - beta1;
        private readonly float negativeStepSize = -stepSize;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVector Invoke<TSimd, TVector>(TVector w, TVector g, ref TVector m, ref TVector u) where TSimd : ISimd<TVector> where TVector : struct
        {
            if (weightDecay != 0f) g = TSimd.FusedMultiplyAdd(TSimd.Create(weightDecay), w, g);                     // g' = g + lambda w
            m = TSimd.FusedMultiplyAdd(TSimd.Create(beta1), m, TSimd.Multiply(TSimd.Create(oneMinusBeta1), g));     // m = b1 m + (1-b1) g'
            TVector magnitude = SimdMath.Max(g, TSimd.Subtract(TSimd.Zero, g));                                 // |g'| (exact)
            u = SimdMath.Max(TSimd.Multiply(TSimd.Create(beta2), u), TSimd.Add(magnitude, TSimd.Create(epsilon))); // u = max(b2 u, |g'| + eps)
            return TSimd.FusedMultiplyAdd(TSimd.Create(negativeStepSize), SimdMath.Divide(m, u), w);                // w - eta/(1-b1^t) m/u
        }
    }
}
