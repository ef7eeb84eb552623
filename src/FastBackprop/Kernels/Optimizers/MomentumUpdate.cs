using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;
using FastBackprop.Kernels.Optimizers;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// MomentumUpdate: gradient descent with heavy-ball or Nesterov momentum, in PyTorch's form
// (torch.optim.SGD with dampening 0):
//
//   g'_i = g_i + lambda w_i                   (coupled L2 weight decay; skipped when lambda = 0)
//   v_i  = mu v_i + g'_i                      (velocity)
//   w_i  = w_i - eta v_i                      (heavy ball)
//   w_i  = w_i - eta (g'_i + mu v_i)          (Nesterov, with the new v_i: Sutskever et al. 2013
//                                              rewritten in the look-ahead-free form PyTorch uses)
//
// Operands: w, g and v have one length and layout. Caller guarantees: no two overlap.
// Kernel handles any length, every tail. Kernel never allocates, reads past a span, or writes g.
// ---------------------------------------------------------------------------------------------

/// <summary>Gradient descent with momentum (heavy ball or Nesterov) and optional coupled L2 weight decay.</summary>
public static class MomentumUpdate
{
    /// <summary>Effectively computes, for every i, <c>g = gradient[i] + weightDecay * parameters[i]</c>;
    /// <c>velocity[i] = momentum * velocity[i] + g</c>; then <c>parameters[i] -= learningRate * velocity[i]</c>,
    /// or with <paramref name="nesterov"/> <c>parameters[i] -= learningRate * (g + momentum * velocity[i])</c>.</summary>
    /// <param name="parameters">The flat parameter buffer, updated in place.</param>
    /// <param name="gradient">dE/dw in the layout of <paramref name="parameters"/>; same length.</param>
    /// <param name="velocity">v, one per parameter, updated in place (all zero before the first step).</param>
    /// <param name="learningRate">eta. Hyper-parameters are not validated here (the optimizer classes validate).</param>
    /// <param name="momentum">mu.</param>
    /// <param name="nesterov">Use Nesterov's update instead of the heavy ball.</param>
    /// <param name="weightDecay">lambda, the coupled L2 coefficient.</param>
    /// <exception cref="ArgumentException">A span's length differs from <paramref name="parameters"/>'s.</exception>
    /// <remarks>NaN propagates element-wise, into both the parameter and its velocity. Each step is a fused
    /// multiply-add at every width (one rounding), in the registers and in the scalar tail alike: the result is the
    /// same bits on every CPU and vector tier.</remarks>
    public static void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> velocity,
        float learningRate, float momentum, bool nesterov, float weightDecay = 0f)
    {
        if (nesterov)
        {
            ParameterUpdateDriver.Run(new NesterovOperator(learningRate, momentum, weightDecay), parameters, gradient, velocity, nameof(velocity));
        }
        else
        {
            ParameterUpdateDriver.Run(new HeavyBallOperator(learningRate, momentum, weightDecay), parameters, gradient, velocity, nameof(velocity));
        }
    }

    internal readonly struct HeavyBallOperator(float learningRate, float momentum, float weightDecay) : IParameterUpdateOperator1
    {
        private readonly float negativeRate = -learningRate;
        private readonly float mu = momentum;
        private readonly float decay = weightDecay;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]

        public TVector Invoke<TSimd, TVector>(TVector w, TVector g, ref TVector v) where TSimd : ISimd<TVector> where TVector : struct
        {
            if (decay != 0f) g = TSimd.FusedMultiplyAdd(TSimd.Create(decay), w, g);    // g' = g + lambda w
            v = TSimd.FusedMultiplyAdd(TSimd.Create(mu), v, g);                          // v = mu v + g'
            return TSimd.FusedMultiplyAdd(TSimd.Create(negativeRate), v, w);             // w - eta v
        }
    }

    internal readonly struct NesterovOperator(float learningRate, float momentum, float weightDecay) : IParameterUpdateOperator1
    {
        private readonly float negativeRate = -learningRate;
        private readonly float mu = momentum;
        private readonly float decay = weightDecay;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]

        public TVector Invoke<TSimd, TVector>(TVector w, TVector g, ref TVector v) where TSimd : ISimd<TVector> where TVector : struct
        {
            if (decay != 0f) g = TSimd.FusedMultiplyAdd(TSimd.Create(decay), w, g);    // g' = g + lambda w
            TVector muv = TSimd.Create(mu);
            v = TSimd.FusedMultiplyAdd(muv, v, g);                                       // v = mu v + g'
            TVector direction = TSimd.FusedMultiplyAdd(muv, v, g);                       // g' + mu v
            return TSimd.FusedMultiplyAdd(TSimd.Create(negativeRate), direction, w);     // w - eta (g' + mu v)
        }
    }
}
