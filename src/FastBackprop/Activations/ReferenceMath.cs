namespace FastBackprop;

/// <summary>The double-precision functions the built-in transfer functions' references need beyond <see cref="Math"/>:
/// e^x - 1, log(1 + x) and the normal distribution function Φ, each accurate relative to its result to a few ulp of
/// double (so far below float's rounding that the float kernels can be measured against them).</summary>
internal static class ReferenceMath
{
    /// <summary>e^x - 1, relative also near 0 (Kahan: with u = e^x rounded, (u - 1) x / log u cancels u's rounding).</summary>
    public static double ExpM1(double x)
    {
        double u = Math.Exp(x);
        if (u == 1.0) return x;
        double um1 = u - 1.0;
        if (um1 == -1.0 || double.IsInfinity(u)) return um1;
        return um1 * x / Math.Log(u);
    }

    /// <summary>log(1 + x), relative also near 0 (Goldberg, theorem 4: with u = 1 + x rounded, log(u) x / (u - 1)).</summary>
    public static double LogOnePlus(double x)
    {
        if (double.IsPositiveInfinity(x)) return x;
        double u = 1.0 + x;
        return u == 1.0 ? x : Math.Log(u) * x / (u - 1.0);
    }

    /// <summary>Φ(x) = (1 + erf(x/√2)) / 2, relative to the result also in the lower tail: erfc(|x|/√2) / 2 there.</summary>
    public static double NormalCdf(double x)
    {
        if (double.IsNaN(x)) return x;
        double t = Math.Abs(x) / Math.Sqrt(2.0);
        double tail = 0.5 * Erfc(t);                      // Φ(-|x|)
        return x < 0 ? tail : 1.0 - tail;
    }

    /// <summary>The normal density φ(x) = e^(-x^2/2) / √(2π).</summary>
    public static double NormalDensity(double x) => Math.Exp(-0.5 * x * x) / Math.Sqrt(2.0 * Math.PI);

    /// <summary>erfc(t) for t &gt;= 0: 1 - erf(t) by the Maclaurin series (all terms of one sign after the
    /// first, no cancellation below 2) up to 2, by the continued fraction
    /// erfc t = e^(-t^2)/√π · 1/(t + (1/2)/(t + 1/(t + (3/2)/(t + ...)))) beyond (Lentz's method).</summary>
    private static double Erfc(double t)
    {
        if (double.IsPositiveInfinity(t)) return 0.0;
        if (t <= 2.0)
        {
            // erf t = 2/√π e^(-t^2) Σ_n 2^n t^(2n+1) / (1·3···(2n+1)) (Abramowitz and Stegun 7.1.6): positive terms.
            double term = t, sum = t;
            for (int n = 1; n < 200 && term > 1e-18 * sum; n++)
            {
                term *= 2 * t * t / (2 * n + 1);
                sum += term;
            }
            return 1.0 - 2.0 / Math.Sqrt(Math.PI) * Math.Exp(-t * t) * sum;
        }
        const double Tiny = 1e-300;
        double f = t, c = t, d = 0.0;
        for (int n = 1; n < 500; n++)
        {
            double a = n * 0.5;
            d = t + a * d;
            d = d == 0 ? Tiny : 1.0 / d;
            c = t + a / c;
            if (c == 0) c = Tiny;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1.0) < 1e-17) break;
        }
        return Math.Exp(-t * t) / Math.Sqrt(Math.PI) / f;
    }
}
