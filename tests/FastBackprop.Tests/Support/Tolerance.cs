using Xunit;

namespace FastBackprop.Tests.Support;

// ---------------------------------------------------------------------------------------------
// Tolerance: how far a float kernel may be from the double reference.
//
// The bound is the standard forward error bound for floating-point sums (Higham, "Accuracy and
// Stability of Numerical Algorithms", 2nd ed., §3.1 and Lemma 3.1): if every term of
// s = Σ_{i=1..n} a_i b_i passes through at most k roundings on its way into the result - one for
// its product (none when fused), one per addition on its path through *any* summation tree -
// then, with u = 2^-24 the unit roundoff of float and γ_k = k u / (1 - k u),
//
//     |fl(s) - s| <= γ_k · Σ_i |a_i b_i|.
//
// The factor Σ|a_i b_i| is the condition of the sum, not |s|: a sum with cancellation is accurate
// only relative to its terms. k is at most the tree height + 1 <= n + 1 whatever the order, so
// the bound does not depend on which order a kernel uses. The kernels use one (Lanes16.cs): a term
// of an n-long sum passes through at most ceil(n / 16) fused multiply-adds in its lane (the first,
// onto -0, is the exact product rounded once), at most min(4, ceil(log2 n)) tree additions that can
// round (adding an untouched -0 lane is exact) and the bias: never more than n + 1. An FMA only
// removes roundings.
// For a Gemv row k = cols + 1 (cols products, cols additions including the bias; the tree height
// is at most cols). For an element-wise chain of m operations k = m. The bits of those sums are
// checked separately, against the order itself (Canonical.cs); these bounds check the values.
//
// The reference is computed in double, so its own error, γ_k(2^-53) · Σ|a_i b_i|, is added too.
// Gradual underflow adds at most half the smallest subnormal, 2^-150, per rounding, hence the
// absolute floor k · 2^-149. With the bounded generators (|values| <= 64, products >= ~1e-19)
// nothing underflows and the floor is only a formality; it matters for exact zeros.
//
// These are worst-case bounds, not fudge factors: a failure means an error larger than any
// summation order can produce, i.e. a wrong term, a term counted twice or missed, or a NaN.
// Functions evaluated by library code (exp, tanh) carry an accuracy in ulps instead; see Ulps.
// ---------------------------------------------------------------------------------------------

/// <summary>Error bounds for comparing float kernels with the double reference, and the asserts that use them.</summary>
public static class Tolerance
{
    /// <summary>Unit roundoff of float, 2^-24 (half of <c>float.Epsilon</c>'s ulp-of-one, 2^-23).</summary>
    public const double FloatUnitRoundoff = 1.0 / (1 << 24);

    /// <summary>Unit roundoff of double, 2^-53.</summary>
    public const double DoubleUnitRoundoff = 1.0 / (1L << 53);

    /// <summary>Smallest positive subnormal float, 2^-149.</summary>
    public const double SmallestSubnormal = 1.4012984643248171e-45;

    /// <summary>Smallest positive normal float, 2^-126. Library exp/tanh implementations may flush
    /// results below this to zero, so transcendental comparisons use it as their absolute floor.</summary>
    public const double SmallestNormal = 1.1754943508222875e-38;

    /// <summary>γ_k = k u / (1 - k u) for unit roundoff u.</summary>
    public static double Gamma(int roundings, double unitRoundoff) =>
        roundings * unitRoundoff / (1 - roundings * unitRoundoff);

    /// <summary>Bound on |float result - double reference| when every term passes through at most
    /// <paramref name="roundings"/> float roundings and the reference's terms through at most as many
    /// double roundings: (γ_k(float) + γ_k(double)) · condition + k · 2^-149.</summary>
    /// <param name="roundings">k: roundings on the longest path of a term into the result.</param>
    /// <param name="condition">Σ |term|: for a dot product Σ |a_i b_i|, plus |bias|.</param>
    public static double Sum(int roundings, double condition) => Sum(roundings, condition, roundings);

    /// <summary>As <see cref="Sum(int, double)"/> with a separate count of double roundings in the reference
    /// (for kernels that themselves compute in double and round once to float at the end).</summary>
    public static double Sum(int floatRoundings, double condition, int doubleRoundings) =>
        (Gamma(floatRoundings, FloatUnitRoundoff) + Gamma(doubleRoundings, DoubleUnitRoundoff)) * condition
        + Math.Max(floatRoundings, 1) * SmallestSubnormal;

    /// <summary>Bound for a function evaluated to within <paramref name="ulps"/> units in the last place of
    /// the float result: one ulp of x is at most 2u|x| = 2^-23 |x|, so the bound is ulps · 2^-23 · |expected|,
    /// with the normal-range floor <see cref="SmallestNormal"/> (flush-to-zero of tiny results).</summary>
    public static double Ulps(int ulps, double expected) =>
        ulps * 2 * FloatUnitRoundoff * Math.Abs(expected) + SmallestNormal;

    /// <summary>Fails unless |actual - expected| &lt;= bound. NaN in either fails. <paramref name="what"/>
    /// names the element and is only evaluated on failure (formatting it per element would dominate the run time).</summary>
    public static void AssertWithin(double expected, float actual, double bound, Func<string> what)
    {
        double error = Math.Abs(actual - expected);
        if (!(error <= bound))
        {
            Assert.Fail($"{what()}: expected {expected:R}, got {actual:R}; error {error:E3} exceeds bound {bound:E3}.");
        }
    }

    /// <summary>Fails unless <paramref name="actual"/> and <paramref name="expected"/> have the same bits,
    /// up to the sign of zero (for single IEEE operations, whose result is exactly determined).</summary>
    public static void AssertExact(float expected, float actual, Func<string> what)
    {
        bool same = expected == actual || (float.IsNaN(expected) && float.IsNaN(actual));
        if (!same) Assert.Fail($"{what()}: expected {expected:R}, got {actual:R}.");
    }
}
