using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;
using FastBackprop.Kernels.Optimizers;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// AdaGradUpdate: AdaGrad (Duchi, Hazan & Singer 2011) in torch.optim.Adagrad's form:
//
//   g'_i   = g_i + lambda w_i                      (coupled L2 decay; skipped when lambda = 0)
//   clr    = eta / (1 + (t - 1) eta_decay)         (once per call, in double, rounded to float)
//   s_i    = s_i + g'_i^2                          (state_sum.addcmul_(grad, grad))
//   w_i    = w_i - clr g'_i / (sqrt(s_i) + epsilon)
//
// Operands: w, g, s share one length and layout. Caller guarantees: no two overlap.
// Kernel handles any length, every tail. Kernel never allocates, reads past a span, or writes g.
// ---------------------------------------------------------------------------------------------

/// <summary>The AdaGrad update over a flat parameter buffer.</summary>
public static class AdaGradUpdate
{
    /// <summary>Effectively computes, for every i, with <c>g = gradient[i] + weightDecay · parameters[i]</c> and
    /// <c>clr = learningRate / (1 + (step - 1) · learningRateDecay)</c>: <c>sumOfSquares[i] += g²</c>;
    /// <c>parameters[i] -= clr · g / (√sumOfSquares[i] + epsilon)</c>.</summary>
    /// <param name="parameters">The flat parameter buffer, updated in place.</param>
    /// <param name="gradient">dE/dw in the layout of <paramref name="parameters"/>; same length.</param>
    /// <param name="sumOfSquares">s, the running sum of g², one per parameter, updated in place (the initial
    /// accumulator value before step 1, 0 by default; never negative).</param>
    /// <param name="learningRate">eta. Hyper-parameters are not validated here (the optimizer classes validate).</param>
    /// <param name="epsilon">Added to √s.</param>
    /// <param name="step">t, the 1-based number of this step (the rate decay uses it).</param>
    /// <param name="learningRateDecay">eta_decay (PyTorch's lr_decay).</param>
    /// <param name="weightDecay">lambda, the coupled L2 coefficient.</param>
    /// <exception cref="ArgumentException">A span's length differs from <paramref name="parameters"/>'s.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is less than 1.</exception>
    /// <remarks>NaN propagates element-wise.</remarks>
    public static void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> sumOfSquares,
        float learningRate, float epsilon, long step, float learningRateDecay = 0f, float weightDecay = 0f)
    {
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, $"{nameof(step)} is {step}; expected at least 1.");
        double rate = learningRate / (1.0 + (step - 1) * (double)learningRateDecay);
        ParameterUpdateDriver.Run(new AdaGradOperator((float)rate, epsilon, weightDecay), parameters, gradient, sumOfSquares, nameof(sumOfSquares));
    }

    private readonly struct AdaGradOperator(float rate, float epsilon, float weightDecay) : IParameterUpdateOperator1
    {
        private readonly float negativeRate = -rate;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVector Invoke<TSimd, TVector>(TVector w, TVector g, ref TVector s) where TSimd : ISimd<TVector> where TVector : struct
        {
            if (weightDecay != 0f) g = TSimd.FusedMultiplyAdd(TSimd.Create(weightDecay), w, g);               // g' = g + lambda w
            s = TSimd.FusedMultiplyAdd(g, g, s);                                                                // s = s + g'^2
            TVector denominator = TSimd.Add(SimdMath.Sqrt(s), TSimd.Create(epsilon));                   // sqrt(s) + eps
            return TSimd.FusedMultiplyAdd(TSimd.Create(negativeRate), SimdMath.Divide(g, denominator), w);    // w - clr g'/(...)
        }
    }
}
