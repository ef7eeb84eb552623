using System.Globalization;

namespace FastBackprop;

// ---------------------------------------------------------------------------------------------
// The check a user-defined element-wise function passes before a layer uses it or the registry
// takes it: its Derivative against central differences of its Function, in double.
//
// Points: 96 in (-6, 6), x_i = -6 + (i + 1/2) / 8 + 0.003, which keep at least 0.059 from every
// multiple of 1/8 (0, ±1, ±0.5, ... where kinks sit) and 0.009 from every multiple of 0.1, far more
// than the step (h <= 7.3e-4 there); plus ±8.3, ±13.7, ±31.1 and ±97.3 for the tails.
// A point where f is not finite on the stencil is skipped (outside the function's domain).
//
// Estimate: D(h) = (f(x + h) - f(x - h)) / 2h with h = 2^-13 max(1, |x|), D(h/2) likewise, and the
// Richardson value (4 D(h/2) - D(h)) / 3, whose truncation error is O(h^4). |D(h) - D(h/2)| (three
// quarters of D(h)'s truncation error, to first order) is added to the tolerance: it comes from f
// alone, so it cannot excuse a wrong f', and it absorbs what smooth but steep functions (sin 100x)
// and a kink inside the stencil would otherwise fail on. Rounding: about 2^-53 |f| / h ~ 1e-12 |f|.
// Tolerance: |numeric - f'| <= 1e-4 |numeric| + 1e-7 (1 + |f(x)|) + |D(h) - D(h/2)|, 1e4 above the
// rounding and truncation of smooth functions and far below what a wrong formula gives (a wrong
// sign, factor or term is off by O(|f'|) somewhere on the points).
// ---------------------------------------------------------------------------------------------

/// <summary>Checks a user-defined function's derivative against central differences of the function.</summary>
internal static class DerivativeCheck
{
    internal const double RelativeTolerance = 1e-4, AbsoluteTolerance = 1e-7;
    private const double RelativeStep = 1.0 / 8192;

    /// <summary>The points checked: a spread over (-6, 6) off every multiple of 1/8, and a few large ones.</summary>
    internal static readonly double[] Points = BuildPoints();

    /// <summary>Throws unless <paramref name="f"/>'s Derivative matches central differences of its Function at every
    /// point where the function is finite; the message names the worst point and both values.</summary>
    /// <exception cref="ArgumentException">The derivative is wrong (named <paramref name="paramName"/>).</exception>
    public static void Verify(ElementwiseTransferFunction f, string paramName)
    {
        Mismatch worst = Compare(f.Function, f.Derivative);
        if (worst.Failures > 0)
        {
            var c = CultureInfo.InvariantCulture;
            throw new ArgumentException(string.Create(c,
                $"transfer function '{f.Name}' has a wrong Derivative: at x = {worst.X:R} (the worst of {worst.Failures} of {Points.Length} points checked " +
                $"in (-6, 6) and ±8.3, ±13.7, ±31.1, ±97.3) Derivative(x) is {worst.Analytic:R}, but central differences of Function give {worst.Numeric:R} " +
                $"(tolerance {worst.Tolerance:E2})."), paramName);
        }
    }

    /// <summary>The worst point of <paramref name="derivative"/> against central differences of <paramref name="function"/>
    /// over <see cref="Points"/>, and how many points fail (0: the derivative passes).</summary>
    internal static Mismatch Compare(Func<double, double> function, Func<double, double> derivative)
    {
        var worst = new Mismatch(0, 0, 0, 0, 0, 0);
        foreach (double x in Points)
        {
            double h = RelativeStep * Math.Max(1.0, Math.Abs(x));
            double fx = function(x), plus = function(x + h), minus = function(x - h), plusHalf = function(x + h / 2), minusHalf = function(x - h / 2);
            if (!(double.IsFinite(fx) && double.IsFinite(plus) && double.IsFinite(minus) && double.IsFinite(plusHalf) && double.IsFinite(minusHalf))) continue;
            double d1 = (plus - minus) / (2 * h), d2 = (plusHalf - minusHalf) / h;
            double numeric = (4 * d2 - d1) / 3;
            double analytic = derivative(x);
            double tolerance = RelativeTolerance * Math.Abs(numeric) + AbsoluteTolerance * (1 + Math.Abs(fx)) + Math.Abs(d1 - d2);
            double error = Math.Abs(numeric - analytic);
            double ratio = double.IsNaN(error) ? double.PositiveInfinity : error / tolerance;
            int failures = worst.Failures + (ratio > 1 ? 1 : 0);
            worst = ratio > worst.Ratio ? new Mismatch(failures, ratio, x, analytic, numeric, tolerance) : worst with { Failures = failures };
        }
        return worst;
    }

    /// <summary>The worst point of a comparison: its error over the tolerance, the point, both derivatives, and the count of failing points.</summary>
    internal readonly record struct Mismatch(int Failures, double Ratio, double X, double Analytic, double Numeric, double Tolerance);

    private static double[] BuildPoints()
    {
        var points = new List<double>();
        for (int i = 0; i < 96; i++) points.Add(-6.0 + (i + 0.5) / 8 + 0.003);
        foreach (double x in new[] { 8.3, 13.7, 31.1, 97.3 })
        {
            points.Add(-x);
            points.Add(x);
        }
        return [.. points];
    }
}
