using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels.Optimizers;

// ---------------------------------------------------------------------------------------------
// PenaltyGradient: the gradient of the L1 and L2 penalties added to a gradient buffer, element by
// element, over one range of penalised parameters (the trainer calls it per layer's weight block,
// or once over the whole buffer when biases are penalised too):
//
//   P(w)  = lambda1 Σ_i |w_i| + (lambda2 / 2) Σ_i w_i²
//   g'_i  = fma(lambda2, w_i, g_i)                    (skipped when lambda2 = 0)
//   g''_i = g'_i + lambda1 sign(w_i), sign(0) = 0     (skipped when lambda1 = 0)
//
// The L2 line is, to the bit, the coupled weight decay of the optimizers' kernels (SgdUpdate,
// MomentumUpdate, AdamUpdate, RmsPropUpdate, RpropUpdate: g' = fma(lambda, w, g)), so an L2
// penalty over every parameter followed by an optimizer without decay is the same step as that
// optimizer with weightDecay = lambda2. Every operation is one correctly rounded IEEE operation
// (FusedMultiplyAdd is exact at every width), so the result is the same bits at every tier.
// NaN weights: sign(NaN) is taken as 0; the L2 term carries the NaN into g.
//
// Operands: g (gradient) and w (parameters) of equal length, the same layout. Caller guarantees:
// g and w do not overlap. Kernel handles any length, every tail. Kernel never allocates, reads
// past a span or writes w.
// ---------------------------------------------------------------------------------------------

/// <summary>Adds the gradient of the L1 and L2 penalties to a gradient range (see the file header).</summary>
internal static class PenaltyGradient
{
    /// <summary>For every i: <c>gradient[i] = fma(l2, weights[i], gradient[i]) + l1 · sign(weights[i])</c>, each term
    /// left out when its coefficient is 0.</summary>
    /// <param name="gradient">The gradient range, updated in place.</param>
    /// <param name="weights">The parameters of that range; same length.</param>
    /// <param name="l1">lambda1 &gt;= 0 (not validated here).</param>
    /// <param name="l2">lambda2 &gt;= 0 (not validated here).</param>
    public static void Add(Span<float> gradient, ReadOnlySpan<float> weights, float l1, float l2)
    {
        ThrowHelper.CheckLength(weights.Length, gradient.Length, nameof(weights));
        if (l1 == 0f && l2 == 0f) return;
        ParameterUpdateDriver.Run(new PenaltyOperator(l1, l2), gradient, weights);
    }

    /// <summary>As <see cref="Add(Span{float}, ReadOnlySpan{float}, float, float)"/> into a double gradient (the
    /// Gauss-Newton objective's), each term in double: g + lambda2 w + lambda1 sign(w).</summary>
    public static void Add(Span<double> gradient, ReadOnlySpan<float> weights, float l1, float l2)
    {
        ThrowHelper.CheckLength(weights.Length, gradient.Length, nameof(weights));
        for (int i = 0; i < gradient.Length; i++)
        {
            float w = weights[i];
            gradient[i] += (double)l2 * w + (w > 0 ? l1 : w < 0 ? -(double)l1 : 0.0);
        }
    }

    /// <summary>The penalty's value over one range, in double: <c>l1 Σ|w| + l2/2 Σ w²</c>, each sum taken in the
    /// canonical order of <see cref="ParameterReductions"/> (the same bits at every tier).</summary>
    public static double Value(ReadOnlySpan<float> weights, float l1, float l2)
    {
        double value = 0;
        if (l1 != 0f) value += (double)l1 * ParameterReductions.SumOfMagnitudes(weights);
        if (l2 != 0f) value += 0.5 * l2 * ParameterReductions.SumOfSquares(weights);
        return value;
    }

    // g is the span the driver updates, w the one it reads.
    private readonly struct PenaltyOperator(float l1, float l2) : IParameterUpdateOperator
    {
        private readonly float l1 = l1, l2 = l2;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVector Invoke<TSimd, TVector>(TVector g, TVector w) where TSimd : ISimd<TVector> where TVector : struct
        {
            if (l2 != 0f) g = TSimd.FusedMultiplyAdd(TSimd.Create(l2), w, g);                       // g + lambda2 w
            if (l1 != 0f)
            {
                TVector negativeW = TSimd.Subtract(TSimd.Zero, w);
                TVector step = TSimd.WherePositive(w, TSimd.Create(l1), TSimd.WherePositive(negativeW, TSimd.Create(-l1), TSimd.Zero));
                g = TSimd.Add(g, step);                                                               // + lambda1 sign(w)
            }
            return g;
        }
    }
}
