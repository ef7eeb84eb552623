using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;
using FastBackprop.Kernels.Optimizers;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// AdamUpdate: Adam (Kingma & Ba 2015, Algorithm 1) and AdamW (Loshchilov & Hutter 2019), with
// the bias correction and the epsilon placement of torch.optim.Adam / AdamW:
//
//   g'_i = g_i + lambda w_i                          (Adam: coupled L2 decay, if lambda > 0)
//   w_i  = w_i (1 - eta lambda)                      (AdamW: decoupled decay, instead)
//   m_i  = beta1 m_i + (1 - beta1) g'_i
//   v_i  = beta2 v_i + (1 - beta2) g'_i^2
//   w_i  = w_i - (eta / (1 - beta1^t)) m_i / (sqrt(v_i) / sqrt(1 - beta2^t) + epsilon)
//
// t is the 1-based step number. The scalars eta/(1-beta1^t) and 1/sqrt(1-beta2^t) are computed
// once per call in double and rounded to float; the division by sqrt(1 - beta2^t) becomes a
// multiplication by its reciprocal (one rounding either way).
// Operands: w, g, m, v share one length and layout. Caller guarantees: no two overlap.
// Kernel handles any length, every tail. Kernel never allocates, reads past a span, or writes g.
// ---------------------------------------------------------------------------------------------

/// <summary>The Adam and AdamW updates over a flat parameter buffer.</summary>
public static class AdamUpdate
{
    /// <summary>Effectively computes, for every i, the Adam step of PyTorch (see the file header):
    /// <c>m[i] = beta1 m[i] + (1-beta1) g</c>, <c>v[i] = beta2 v[i] + (1-beta2) g²</c>,
    /// <c>w[i] -= eta/(1-beta1^t) · m[i] / (√v[i] / √(1-beta2^t) + epsilon)</c>, where
    /// <c>g = gradient[i] + weightDecay · w[i]</c> (coupled) or, with <paramref name="decoupledWeightDecay"/>,
    /// <c>g = gradient[i]</c> and <c>w[i] *= 1 - eta · weightDecay</c> first (AdamW).</summary>
    /// <param name="parameters">The flat parameter buffer, updated in place.</param>
    /// <param name="gradient">dE/dw in the layout of <paramref name="parameters"/>; same length.</param>
    /// <param name="firstMoment">m, one per parameter, updated in place (zero before step 1).</param>
    /// <param name="secondMoment">v, one per parameter, updated in place (zero before step 1; never negative).</param>
    /// <param name="learningRate">eta. Hyper-parameters are not validated here (the optimizer classes validate).</param>
    /// <param name="beta1">Decay of the first moment, in [0, 1).</param>
    /// <param name="beta2">Decay of the second moment, in [0, 1).</param>
    /// <param name="epsilon">Added to the bias-corrected √v (outside the root, as PyTorch).</param>
    /// <param name="step">t, the 1-based number of this step (the bias correction uses it).</param>
    /// <param name="weightDecay">lambda.</param>
    /// <param name="decoupledWeightDecay">false: Adam's coupled L2 (added to the gradient); true: AdamW.</param>
    /// <exception cref="ArgumentException">A span's length differs from <paramref name="parameters"/>'s.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is less than 1.</exception>
    /// <remarks>NaN propagates element-wise. Every operation is one correctly rounded IEEE operation per element
    /// (the multiply-adds fused at every width, square root and division exact), the same in the registers and in
    /// the scalar tail: the result is the same bits on every CPU and vector tier.</remarks>
    public static void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> firstMoment, Span<float> secondMoment,
        float learningRate, float beta1, float beta2, float epsilon, long step, float weightDecay = 0f, bool decoupledWeightDecay = false) =>
        ApplyChecked(parameters, gradient, firstMoment, secondMoment, learningRate, beta1, beta2, epsilon, step, weightDecay, decoupledWeightDecay);

    /// <summary>As <see cref="Apply"/>, the same bits; returns whether every element of <paramref name="gradient"/> and
    /// every updated parameter is finite (checked in the same pass).</summary>
    internal static bool ApplyChecked(Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> firstMoment, Span<float> secondMoment,
        float learningRate, float beta1, float beta2, float epsilon, long step, float weightDecay, bool decoupledWeightDecay)
    {
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, $"{nameof(step)} is {step}; expected at least 1.");
        double stepSize = learningRate / (1.0 - PortableMath.Pow(beta1, step));
        double inverseRootCorrection = 1.0 / Math.Sqrt(1.0 - PortableMath.Pow(beta2, step));
        var op = new AdamOperator(
            beta1, beta2, epsilon, (float)stepSize, (float)inverseRootCorrection,
            coupledDecay: decoupledWeightDecay ? 0f : weightDecay,
            decayFactor: decoupledWeightDecay ? (float)(1.0 - (double)learningRate * weightDecay) : 1f);
        return ParameterUpdateDriver.Run(op, parameters, gradient, firstMoment, nameof(firstMoment), secondMoment, nameof(secondMoment));
    }

    internal readonly struct AdamOperator(
        float beta1, float beta2, float epsilon, float stepSize, float inverseRootCorrection, float coupledDecay, float decayFactor)
        : IParameterUpdateOperator2
    {
        private readonly float beta1 = beta1, oneMinusBeta1 = 1f - beta1;
        private readonly float beta2 = beta2, oneMinusBeta2 = 1f - beta2;
        private readonly float epsilon = epsilon;
        private readonly float negativeStepSize = -stepSize;
        private readonly float inverseRootCorrection = inverseRootCorrection;
        private readonly float coupledDecay = coupledDecay;
        private readonly float decayFactor = decayFactor;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]

        public TVector Invoke<TSimd, TVector>(TVector w, TVector g, ref TVector m, ref TVector v) where TSimd : ISimd<TVector> where TVector : struct
        {
            if (coupledDecay != 0f) g = TSimd.FusedMultiplyAdd(TSimd.Create(coupledDecay), w, g);   // g' = g + lambda w
            if (decayFactor != 1f) w = TSimd.Multiply(w, TSimd.Create(decayFactor));            // w (1 - eta lambda)
            TVector scaled = TSimd.Multiply(TSimd.Create(oneMinusBeta1), g);
            m = TSimd.FusedMultiplyAdd(TSimd.Create(beta1), m, scaled);                                // m = b1 m + (1-b1) g'
            TVector scaledSquare = TSimd.Multiply(TSimd.Multiply(TSimd.Create(oneMinusBeta2), g), g);
            v = TSimd.FusedMultiplyAdd(TSimd.Create(beta2), v, scaledSquare);                          // v = b2 v + (1-b2) g'^2
            TVector denominator = TSimd.FusedMultiplyAdd(
                SimdMath.Sqrt(v), TSimd.Create(inverseRootCorrection), TSimd.Create(epsilon));   // sqrt(v)/sqrt(1-b2^t) + eps
            return TSimd.FusedMultiplyAdd(TSimd.Create(negativeStepSize), SimdMath.Divide(m, denominator), w);
        }
    }
}
