using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;
using FastBackprop.Kernels.Optimizers;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// RAdamUpdate: Rectified Adam (Liu et al. 2020) in torch.optim.RAdam's form:
//
//   g'_i  = g_i + lambda w_i                        (coupled L2 decay; skipped when lambda = 0)
//   m_i   = beta1 m_i + (1 - beta1) g'_i
//   v_i   = beta2 v_i + (1 - beta2) g'_i^2
//   rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
//   rho_t > 5:  r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
//               w_i = w_i - eta r_t sqrt(1 - beta2^t) / (1 - beta1^t) · m_i / (sqrt(v_i) + epsilon)
//   otherwise:  w_i = w_i - eta / (1 - beta1^t) · m_i   (the variance is not yet tractable: momentum SGD)
//
// The scalars (rho_t, r_t and the step sizes) are computed once per call in double and rounded.
// Operands: w, g, m, v share one length and layout. Caller guarantees: no two overlap.
// Kernel handles any length, every tail. Kernel never allocates, reads past a span, or writes g.
// ---------------------------------------------------------------------------------------------

/// <summary>The RAdam update over a flat parameter buffer.</summary>
public static class RAdamUpdate
{
    /// <summary>Effectively computes, for every i, the RAdam step of PyTorch (see the file header) with
    /// <c>g = gradient[i] + weightDecay · parameters[i]</c>.</summary>
    /// <param name="parameters">The flat parameter buffer, updated in place.</param>
    /// <param name="gradient">dE/dw in the layout of <paramref name="parameters"/>; same length.</param>
    /// <param name="firstMoment">m, updated in place (zero before step 1).</param>
    /// <param name="secondMoment">v, updated in place (zero before step 1; never negative).</param>
    /// <param name="learningRate">eta. Hyper-parameters are not validated here (the optimizer classes validate).</param>
    /// <param name="beta1">beta1, in [0, 1).</param>
    /// <param name="beta2">beta2, in [0, 1).</param>
    /// <param name="epsilon">Added to √v.</param>
    /// <param name="step">t, the 1-based number of this step.</param>
    /// <param name="weightDecay">lambda, the coupled L2 coefficient.</param>
    /// <exception cref="ArgumentException">A span's length differs from <paramref name="parameters"/>'s.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is less than 1.</exception>
    public static void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> firstMoment, Span<float> secondMoment,
        float learningRate, float beta1, float beta2, float epsilon, long step, float weightDecay = 0f)
    {
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, $"{nameof(step)} is {step}; expected at least 1.");
        double correction1 = 1 - PortableMath.Pow(beta1, step), correction2 = 1 - PortableMath.Pow(beta2, step);
        double rhoInfinity = 2 / (1 - (double)beta2) - 1;
        double rho = rhoInfinity - 2 * step * PortableMath.Pow(beta2, step) / correction2;
        bool rectified = rho > 5;
        double stepSize = rectified
            ? learningRate * Math.Sqrt((rho - 4) * (rho - 2) * rhoInfinity / ((rhoInfinity - 4) * (rhoInfinity - 2) * rho)) * Math.Sqrt(correction2) / correction1
            : learningRate / correction1;
        ParameterUpdateDriver.Run(new RAdamOperator(beta1, beta2, epsilon, (float)stepSize, rectified, weightDecay),
            parameters, gradient, firstMoment, nameof(firstMoment), secondMoment, nameof(secondMoment));
    }

    private readonly struct RAdamOperator(float beta1, float beta2, float epsilon, float stepSize, bool rectified, float weightDecay) : IParameterUpdateOperator2
    {
        private readonly float oneMinusBeta1 = 1f - beta1, oneMinusBeta2 = 1f - beta2;
        private readonly float negativeStepSize = -stepSize;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVector Invoke<TSimd, TVector>(TVector w, TVector g, ref TVector m, ref TVector v) where TSimd : ISimd<TVector> where TVector : struct
        {
            if (weightDecay != 0f) g = TSimd.FusedMultiplyAdd(TSimd.Create(weightDecay), w, g);                         // g' = g + lambda w
            m = TSimd.FusedMultiplyAdd(TSimd.Create(beta1), m, TSimd.Multiply(TSimd.Create(oneMinusBeta1), g));         // m = b1 m + (1-b1) g'
            v = TSimd.FusedMultiplyAdd(TSimd.Create(beta2), v, TSimd.Multiply(TSimd.Multiply(TSimd.Create(oneMinusBeta2), g), g)); // v = b2 v + (1-b2) g'^2
            if (!rectified) return TSimd.FusedMultiplyAdd(TSimd.Create(negativeStepSize), m, w);                        // w - eta/(1-b1^t) m
            TVector denominator = TSimd.Add(SimdMath.Sqrt(v), TSimd.Create(epsilon));                              // sqrt(v) + eps
            return TSimd.FusedMultiplyAdd(TSimd.Create(negativeStepSize), SimdMath.Divide(m, denominator), w);         // w - eta r_t sqrt(1-b2^t)/(1-b1^t) m/(...)
        }
    }
}
