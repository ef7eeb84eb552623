using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;
using FastBackprop.Kernels.Optimizers;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// RpropPlusUpdate: RPROP+ and iRPROP+ (Igel & Hüsken 2000, "Improving the Rprop learning
// algorithm", Fig. 1 and Fig. 4): sign-based steps with one adaptive step size per weight and
// weight backtracking:
//
//   g'_i = g_i + lambda w_i                                   (coupled L2 decay; skipped when lambda = 0)
//   if      g'_i(t-1) g'_i(t) > 0:  Delta_i = min(Delta_i eta+, Delta_max);  Δw_i = -sign(g'_i) Delta_i;  w_i += Δw_i
//   else if g'_i(t-1) g'_i(t) < 0:  Delta_i = max(Delta_i eta-, Delta_min);
//                                   RPROP+: w_i -= Δw_i(t-1)      iRPROP+: only if E(t) > E(t-1)
//                                   g'_i(t) = 0
//   else:                           Δw_i = -sign(g'_i) Delta_i;  w_i += Δw_i
//
// The state is Delta and the last weight change Δw instead of the last gradient: whenever a step
// is taken Δw = -sign(g') Delta with Delta > 0, so sign(g'(t-1)) = -sign(Δw(t-1)) exactly, and
// where g'(t) is set to 0 the kernel stores Δw = 0, whose sign is the 0 the next step must see.
// (The paper leaves Δw(t) undefined there; it is never read before being set again.)
// Every operation is exact or one correctly rounded multiply or add, so the kernel gives the same
// bits on every tier.
// Operands: w, g, the step sizes and the last changes share one length and layout. Caller
// guarantees: no two overlap. Kernel handles any length, every tail. Never allocates or writes g.
// ---------------------------------------------------------------------------------------------

/// <summary>The RPROP+ and iRPROP+ updates over a flat parameter buffer.</summary>
public static class RpropPlusUpdate
{
    /// <summary>Effectively computes one RPROP+ step for every i (see the file header), with
    /// <c>g = gradient[i] + weightDecay · parameters[i]</c> and the previous sign taken from
    /// <paramref name="previousChange"/>.</summary>
    /// <param name="parameters">The flat parameter buffer, updated in place.</param>
    /// <param name="gradient">dE/dw in the layout of <paramref name="parameters"/>; same length. Only its sign is used.</param>
    /// <param name="stepSize">Delta, updated in place (the initial step size before step 1).</param>
    /// <param name="previousChange">Δw(t-1), updated in place (0 before step 1).</param>
    /// <param name="backtrack">Whether a sign change takes the last change back: always for RPROP+; for iRPROP+ when
    /// the error grew, E(t) &gt; E(t-1).</param>
    /// <param name="increase">eta+.</param>
    /// <param name="decrease">eta-.</param>
    /// <param name="minStep">Delta_min.</param>
    /// <param name="maxStep">Delta_max.</param>
    /// <param name="weightDecay">lambda, the coupled L2 coefficient.</param>
    /// <exception cref="ArgumentException">A span's length differs from <paramref name="parameters"/>'s.</exception>
    /// <remarks>sign(NaN) is taken as 0, as in <see cref="RpropUpdate"/>.</remarks>
    public static void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> stepSize, Span<float> previousChange, bool backtrack,
        float increase = 1.2f, float decrease = 0.5f, float minStep = 1e-6f, float maxStep = 50f, float weightDecay = 0f) =>
        ParameterUpdateDriver.Run(new RpropPlusOperator(increase, decrease, minStep, maxStep, weightDecay, backtrack),
            parameters, gradient, stepSize, nameof(stepSize), previousChange, nameof(previousChange));

    private readonly struct RpropPlusOperator(float increase, float decrease, float minStep, float maxStep, float weightDecay, bool backtrack) : IParameterUpdateOperator2
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVector Invoke<TSimd, TVector>(TVector w, TVector g, ref TVector step, ref TVector change) where TSimd : ISimd<TVector> where TVector : struct
        {
            if (weightDecay != 0f) g = TSimd.FusedMultiplyAdd(TSimd.Create(weightDecay), w, g);                 // g' = g + lambda w
            TVector zero = TSimd.Zero, one = TSimd.Create(1f), minusOne = TSimd.Create(-1f);
            TVector sign = RpropUpdate.Sign<TSimd, TVector>(g);                                             // sign(g'), NaN -> 0
            TVector previousSign = TSimd.WherePositive(change, minusOne, TSimd.WherePositive(TSimd.Subtract(zero, change), one, zero)); // -sign(Δw(t-1))
            TVector disagreement = RpropUpdate.AdaptStep<TSimd, TVector>(ref step, previousSign, sign, increase, decrease, minStep, maxStep);

            TVector taken = TSimd.Subtract(zero, TSimd.Multiply(sign, step));                               // Δw = -sign(g') Delta (exact)
            TVector back = backtrack ? TSimd.Subtract(w, change) : w;                                       // w - Δw(t-1)
            TVector moved = TSimd.Add(w, taken);                                                            // w + Δw
            w = TSimd.WherePositive(disagreement, back, moved);
            change = TSimd.WherePositive(disagreement, zero, taken);                                        // g'(t) = 0: no sign for t+1
            return w;
        }
    }
}
