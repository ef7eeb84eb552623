using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;
using FastBackprop.Kernels.Optimizers;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// QuickpropUpdate: Quickprop (Fahlman 1988, "An empirical study of learning speed in
// back-propagation networks") as FANN's fann_update_weights_quickprop applies it, written in the
// slope S = -(dE/dw + lambda w) (FANN accumulates -dE/dw and adds decay · w with decay = -lambda):
//
//   S_i = -(g_i + lambda w_i)                      (FANN's decay -1e-4 is added to slopes summed over N patterns:
//                                                   lambda = 1e-4 / N on this mean gradient)
//   shrink = mu / (1 + mu)                          (mu: the maximum growth factor, 1.75)
//   if  Δ_i(t-1) >  0.001:  Δ = (S > 0 ? eps S : 0) + (S > shrink S(t-1) ? mu Δ(t-1) : Δ(t-1) S / (S(t-1) - S))
//   if  Δ_i(t-1) < -0.001:  Δ = (S < 0 ? eps S : 0) + (S < shrink S(t-1) ? mu Δ(t-1) : Δ(t-1) S / (S(t-1) - S))
//   otherwise:              Δ = eps S                (the previous step was ~0: a gradient step)
//   w_i = clamp(w_i + Δ, -1500, 1500);  remember Δ and S
//
// eps is the learning rate (FANN's learning_rate / num_data: FANN sums the slopes over the data,
// our gradient is their mean). One guard FANN lacks: where S(t-1) = S exactly, the quadratic step
// divides by zero; this kernel takes the maximum growth step mu Δ(t-1) there, the bound Fahlman
// places on the quadratic step, instead of FANN's infinity (which its clamp then turns into ±1500).
// Every comparison is exact (a difference of two floats is positive exactly when one exceeds the
// other), so the branches are the same at every width.
// Operands: w, g, the previous steps and slopes share one length and layout. Caller guarantees:
// no two overlap. Kernel handles any length, every tail. Kernel never allocates or writes g.
// ---------------------------------------------------------------------------------------------

/// <summary>The Quickprop update over a flat parameter buffer.</summary>
public static class QuickpropUpdate
{
    /// <summary>The weights Quickprop keeps in [-<see cref="WeightLimit"/>, <see cref="WeightLimit"/>] (FANN's clamp).</summary>
    public const float WeightLimit = 1500f;

    /// <summary>|Δ(t-1)| at or below which the previous step counts as zero: FANN compares its float step with the double
    /// 0.001, so a float step counts as positive from 0.001f (the first float above 0.001) up.</summary>
    public const double StepThreshold = 0.001;

    // The largest float at or below 0.001: Δ > 0.001 (in double) exactly when Δ - this > 0 (in float).
    private static readonly float FloatThreshold = MathF.BitDecrement(0.001f);

    /// <summary>Effectively computes one Quickprop step for every i (see the file header).</summary>
    /// <param name="parameters">The flat parameter buffer, updated in place.</param>
    /// <param name="gradient">dE/dw in the layout of <paramref name="parameters"/>; same length.</param>
    /// <param name="previousStep">Δ(t-1), the last change of each weight (0 before step 1), updated in place.</param>
    /// <param name="previousSlope">S(t-1) (0 before step 1), updated in place.</param>
    /// <param name="learningRate">eps, the gradient step's rate. Not validated here (the optimizer class validates).</param>
    /// <param name="maximumGrowth">mu, the largest factor of one step over the last (1.75 in FANN).</param>
    /// <param name="weightDecay">lambda, on the mean gradient. FANN adds its quickprop_decay (-1e-4) to slopes summed over
    /// its N patterns, which is lambda = 1e-4 / N here.</param>
    /// <exception cref="ArgumentException">A span's length differs from <paramref name="parameters"/>'s.</exception>
    /// <remarks>NaN propagates element-wise into the weight (and then its clamp keeps NaN).</remarks>
    public static void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> previousStep, Span<float> previousSlope,
        float learningRate, float maximumGrowth = 1.75f, float weightDecay = 0f) =>
        ParameterUpdateDriver.Run(new QuickpropOperator(learningRate, maximumGrowth, weightDecay),
            parameters, gradient, previousStep, nameof(previousStep), previousSlope, nameof(previousSlope));

    private readonly struct QuickpropOperator(float learningRate, float maximumGrowth, float weightDecay) : IParameterUpdateOperator2
    {
        private readonly float shrink = (float)(maximumGrowth / (1.0 + maximumGrowth));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVector Invoke<TSimd, TVector>(TVector w, TVector g, ref TVector step, ref TVector slope) where TSimd : ISimd<TVector> where TVector : struct
        {
            TVector zero = TSimd.Zero;
            TVector s = TSimd.Subtract(zero, weightDecay != 0f ? TSimd.FusedMultiplyAdd(TSimd.Create(weightDecay), w, g) : g);   // S = -(g + lambda w)
            TVector linear = TSimd.Multiply(TSimd.Create(learningRate), s);                                                  // eps S
            TVector growth = TSimd.Multiply(TSimd.Create(maximumGrowth), step);                                              // mu Δ(t-1)
            TVector shrunk = TSimd.Multiply(TSimd.Create(shrink), slope);                                                    // shrink S(t-1)
            TVector denominator = TSimd.Subtract(slope, s);                                                                  // S(t-1) - S
            TVector quadratic = SimdMath.Divide(TSimd.Multiply(step, s), denominator);                                       // Δ(t-1) S / (S(t-1) - S)
            quadratic = TSimd.WherePositive(denominator, quadratic, TSimd.WherePositive(TSimd.Subtract(zero, denominator), quadratic, growth));

            // Δ(t-1) > 0.001
            TVector upLinear = TSimd.WherePositive(s, linear, zero);
            TVector upCurve = TSimd.WherePositive(TSimd.Subtract(s, shrunk), growth, quadratic);
            // Δ(t-1) < -0.001
            TVector downLinear = TSimd.WherePositive(TSimd.Subtract(zero, s), linear, zero);
            TVector downCurve = TSimd.WherePositive(TSimd.Subtract(shrunk, s), growth, quadratic);

            TVector threshold = TSimd.Create(FloatThreshold);
            TVector next = TSimd.WherePositive(TSimd.Subtract(step, threshold), TSimd.Add(upLinear, upCurve),
                TSimd.WherePositive(TSimd.Subtract(TSimd.Subtract(zero, threshold), step), TSimd.Add(downLinear, downCurve), linear));
            step = next;
            slope = s;
            TVector limit = TSimd.Create(WeightLimit), negativeLimit = TSimd.Create(-WeightLimit);
            TVector moved = TSimd.Add(w, next);
            moved = TSimd.WherePositive(TSimd.Subtract(moved, limit), limit, moved);                                       // min(w + Δ, 1500)
            return TSimd.WherePositive(TSimd.Subtract(negativeLimit, moved), negativeLimit, moved);                         // max(..., -1500)
        }
    }
}
