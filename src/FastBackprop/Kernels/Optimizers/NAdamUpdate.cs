using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;
using FastBackprop.Kernels.Optimizers;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// NAdamUpdate: NAdam (Dozat 2016, Nesterov momentum in Adam) in torch.optim.NAdam's form, with
// the momentum schedule mu_t = beta1 (1 - 0.5 · 0.96^(t psi)):
//
//   g'_i = g_i + lambda w_i                        (coupled L2 decay; skipped when lambda = 0)
//   m_i  = beta1 m_i + (1 - beta1) g'_i
//   v_i  = beta2 v_i + (1 - beta2) g'_i^2
//   d_i  = sqrt(v_i) / sqrt(1 - beta2^t) + epsilon
//   w_i  = w_i - eta (1 - mu_t) / (1 - Π_{j<=t} mu_j) · g'_i / d_i
//   w_i  = w_i - eta mu_{t+1} / (1 - Π_{j<=t+1} mu_j) · m_i / d_i
//
// The products Π mu_j are the one scalar state besides the moments (PyTorch's mu_product): the
// caller passes Π_{j<t} and keeps the returned Π_{j<=t}. Every scalar is computed once per call in
// double and rounded to float.
// Operands: w, g, m, v share one length and layout. Caller guarantees: no two overlap.
// Kernel handles any length, every tail. Kernel never allocates, reads past a span, or writes g.
// ---------------------------------------------------------------------------------------------

/// <summary>The NAdam update over a flat parameter buffer.</summary>
public static class NAdamUpdate
{
    // ln 0.96, for mu_t = beta1 (1 - 0.5 * 0.96^(t psi)) = beta1 (1 - 0.5 e^(t psi ln 0.96)) by PortableMath (not the
    // C library's pow, which may round differently on another platform).
    private static readonly double Ln096 = PortableMath.Log(0.96);

    /// <summary>Effectively computes, for every i, the NAdam step of PyTorch (see the file header) with
    /// <c>g = gradient[i] + weightDecay · parameters[i]</c>, and returns the new momentum product.</summary>
    /// <param name="parameters">The flat parameter buffer, updated in place.</param>
    /// <param name="gradient">dE/dw in the layout of <paramref name="parameters"/>; same length.</param>
    /// <param name="firstMoment">m, updated in place (zero before step 1).</param>
    /// <param name="secondMoment">v, updated in place (zero before step 1; never negative).</param>
    /// <param name="learningRate">eta. Hyper-parameters are not validated here (the optimizer classes validate).</param>
    /// <param name="beta1">beta1, in [0, 1).</param>
    /// <param name="beta2">beta2, in [0, 1).</param>
    /// <param name="epsilon">Added to the bias-corrected √v.</param>
    /// <param name="momentumDecay">psi (PyTorch's momentum_decay, 0.004 by default).</param>
    /// <param name="step">t, the 1-based number of this step.</param>
    /// <param name="momentumProduct">Π_{j&lt;t} mu_j, 1 before step 1.</param>
    /// <param name="weightDecay">lambda, the coupled L2 coefficient.</param>
    /// <returns>Π_{j&lt;=t} mu_j, to pass as <paramref name="momentumProduct"/> to step t + 1.</returns>
    /// <exception cref="ArgumentException">A span's length differs from <paramref name="parameters"/>'s.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is less than 1.</exception>
    public static double Apply(Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> firstMoment, Span<float> secondMoment,
        float learningRate, float beta1, float beta2, float epsilon, float momentumDecay, long step, double momentumProduct, float weightDecay = 0f)
    {
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, $"{nameof(step)} is {step}; expected at least 1.");
        double mu = beta1 * (1 - 0.5 * PortableMath.Exp(Ln096 * (step * (double)momentumDecay)));
        double muNext = beta1 * (1 - 0.5 * PortableMath.Exp(Ln096 * ((step + 1) * (double)momentumDecay)));
        double product = momentumProduct * mu;
        double gradientStep = learningRate * (1 - mu) / (1 - product);
        double momentStep = learningRate * muNext / (1 - product * muNext);
        double inverseRootCorrection = 1.0 / Math.Sqrt(1.0 - PortableMath.Pow(beta2, step));
        ParameterUpdateDriver.Run(new NAdamOperator(beta1, beta2, epsilon, (float)inverseRootCorrection, (float)gradientStep, (float)momentStep, weightDecay),
            parameters, gradient, firstMoment, nameof(firstMoment), secondMoment, nameof(secondMoment));
        return product;
    }

    private readonly struct NAdamOperator(float beta1, float beta2, float epsilon, float inverseRootCorrection, float gradientStep, float momentStep, float weightDecay)
        : IParameterUpdateOperator2
    {
        private readonly float oneMinusBeta1 = 1f - beta1, oneMinusBeta2 = 1f - beta2;
        private readonly float negativeGradientStep = -gradientStep, negativeMomentStep = -momentStep;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVector Invoke<TSimd, TVector>(TVector w, TVector g, ref TVector m, ref TVector v) where TSimd : ISimd<TVector> where TVector : struct
        {
            if (weightDecay != 0f) g = TSimd.FusedMultiplyAdd(TSimd.Create(weightDecay), w, g);                         // g' = g + lambda w
            m = TSimd.FusedMultiplyAdd(TSimd.Create(beta1), m, TSimd.Multiply(TSimd.Create(oneMinusBeta1), g));         // m = b1 m + (1-b1) g'
            v = TSimd.FusedMultiplyAdd(TSimd.Create(beta2), v, TSimd.Multiply(TSimd.Multiply(TSimd.Create(oneMinusBeta2), g), g)); // v = b2 v + (1-b2) g'^2
            TVector denominator = TSimd.FusedMultiplyAdd(SimdMath.Sqrt(v), TSimd.Create(inverseRootCorrection), TSimd.Create(epsilon)); // sqrt(v/(1-b2^t)) + eps
            w = TSimd.FusedMultiplyAdd(TSimd.Create(negativeGradientStep), SimdMath.Divide(g, denominator), w);        // w - eta(1-mu_t)/(1-P_t) g'/d
            return TSimd.FusedMultiplyAdd(TSimd.Create(negativeMomentStep), SimdMath.Divide(m, denominator), w);       // w - eta mu_t+1/(1-P_t+1) m/d
        }
    }
}
