using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;
using FastBackprop.Kernels.Optimizers;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// RpropUpdate: iRPROP- (Igel & Hüsken 2000, "Improving the Rprop learning algorithm", Fig. 3),
// sign-based with one adaptive step size per weight, for full-batch training:
//
//   g'_i = g_i + lambda w_i                                   (coupled L2 decay; skipped when lambda = 0)
//   if      g'_i(t-1) g'_i(t) > 0:  Delta_i = min(Delta_i eta+, Delta_max)
//   else if g'_i(t-1) g'_i(t) < 0:  Delta_i = max(Delta_i eta-, Delta_min);  g'_i(t) = 0
//   w_i = w_i - sign(g'_i(t)) Delta_i                          (no step where g'_i(t) was set to 0)
//   remember g'_i(t) for the next step
//
// Only the sign of the remembered gradient is ever used, so the state keeps sign(g'_i) in
// {-1, 0, +1} instead of g'_i itself: the same algorithm, and the product of two signs is exact
// where the product of two tiny gradients would underflow to 0 and hide a sign change.
// Operands: w, g, the sign buffer and the step sizes share one length and layout. Caller
// guarantees: no two overlap. Kernel handles any length, every tail. Kernel never allocates,
// reads past a span, or writes g. Every operation is exact or one correctly rounded multiply
// (Delta eta) or subtraction, so the kernel gives the same bits on every tier.
// ---------------------------------------------------------------------------------------------

/// <summary>The iRPROP- update over a flat parameter buffer.</summary>
public static class RpropUpdate
{
    /// <summary>Effectively computes one iRPROP- step for every i (see the file header), with
    /// <c>g = gradient[i] + weightDecay · parameters[i]</c> and <c>p = previousSign[i] · sign(g)</c>:
    /// where p &gt; 0, <c>stepSize[i] = min(stepSize[i] · increase, maxStep)</c>; where p &lt; 0,
    /// <c>stepSize[i] = max(stepSize[i] · decrease, minStep)</c> and g is taken as 0;
    /// then <c>parameters[i] -= sign(g) · stepSize[i]</c> and <c>previousSign[i] = sign(g)</c>.</summary>
    /// <param name="parameters">The flat parameter buffer, updated in place.</param>
    /// <param name="gradient">dE/dw in the layout of <paramref name="parameters"/>; same length. Only its sign is used.</param>
    /// <param name="previousSign">The sign (-1, 0 or +1) of the previous step's gradient after the iRPROP- reset;
    /// all 0 before the first step. Updated in place.</param>
    /// <param name="stepSize">Delta, one per parameter, updated in place (the initial step size before the first step).</param>
    /// <param name="increase">eta+ (1.2 in the paper).</param>
    /// <param name="decrease">eta- (0.5 in the paper).</param>
    /// <param name="minStep">Delta_min (1e-6 in the paper).</param>
    /// <param name="maxStep">Delta_max (50 in the paper).</param>
    /// <param name="weightDecay">lambda, the coupled L2 coefficient.</param>
    /// <exception cref="ArgumentException">A span's length differs from <paramref name="parameters"/>'s.</exception>
    /// <remarks>sign(NaN) is taken as 0: a NaN gradient element moves nothing and leaves its step size
    /// alone (detecting divergence is the caller's job). Results are identical on every tier.</remarks>
    public static void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> previousSign, Span<float> stepSize,
        float increase = 1.2f, float decrease = 0.5f, float minStep = 1e-6f, float maxStep = 50f, float weightDecay = 0f) =>
        ParameterUpdateDriver.Run(new RpropOperator(increase, decrease, minStep, maxStep, weightDecay),
            parameters, gradient, previousSign, nameof(previousSign), stepSize, nameof(stepSize));

    /// <summary>sign(g): +1, -1, or 0 where g is ±0 or NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVector Sign<TSimd, TVector>(TVector g) where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector zero = TSimd.Zero;
        return TSimd.WherePositive(g, TSimd.Create(1f), TSimd.WherePositive(TSimd.Subtract(zero, g), TSimd.Create(-1f), zero));
    }

    /// <summary>The step-size rule of the whole Rprop family (here and in <see cref="RpropPlusUpdate"/>): with
    /// p = <paramref name="previousSign"/> · <paramref name="sign"/> (exact: -1, 0 or +1), Delta = min(Delta eta+, Delta_max)
    /// where p &gt; 0, max(Delta eta-, Delta_min) where p &lt; 0, unchanged where p = 0. Returns -p, positive exactly where
    /// the sign changed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVector AdaptStep<TSimd, TVector>(ref TVector step, TVector previousSign, TVector sign, float increase, float decrease, float minStep, float maxStep)
        where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector agreement = TSimd.Multiply(previousSign, sign);                             // exact: -1, 0 or +1
        TVector disagreement = TSimd.Subtract(TSimd.Zero, agreement);

        TVector maxv = TSimd.Create(maxStep), minv = TSimd.Create(minStep);
        TVector grown = TSimd.Multiply(step, TSimd.Create(increase));
        grown = TSimd.WherePositive(TSimd.Subtract(grown, maxv), maxv, grown);             // min(Delta eta+, Delta_max)
        TVector shrunk = TSimd.Multiply(step, TSimd.Create(decrease));
        shrunk = TSimd.WherePositive(TSimd.Subtract(minv, shrunk), minv, shrunk);          // max(Delta eta-, Delta_min)
        step = TSimd.WherePositive(agreement, grown, TSimd.WherePositive(disagreement, shrunk, step));
        return disagreement;
    }

    internal readonly struct RpropOperator(float increase, float decrease, float minStep, float maxStep, float weightDecay) : IParameterUpdateOperator2
    {
        private readonly float increase = increase, decrease = decrease;
        private readonly float minStep = minStep, maxStep = maxStep;
        private readonly float decay = weightDecay;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]

        public TVector Invoke<TSimd, TVector>(TVector w, TVector g, ref TVector previousSign, ref TVector step)
            where TSimd : ISimd<TVector> where TVector : struct
        {
            if (decay != 0f) g = TSimd.FusedMultiplyAdd(TSimd.Create(decay), w, g);                 // g' = g + lambda w
            TVector sign = Sign<TSimd, TVector>(g);                                             // sign(g'), NaN -> 0
            TVector disagreement = AdaptStep<TSimd, TVector>(ref step, previousSign, sign, increase, decrease, minStep, maxStep);
            sign = TSimd.WherePositive(disagreement, TSimd.Zero, sign);                         // sign change: g'(t) = 0
            previousSign = sign;
            return TSimd.Subtract(w, TSimd.Multiply(sign, step));                               // w - sign(g') Delta
        }
    }
}
