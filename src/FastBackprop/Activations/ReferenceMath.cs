namespace FastBackprop;

/// <summary>The double-precision functions the built-in transfer functions' references need beyond <see cref="Math"/>:
/// e^x - 1, log(1 + x), erf and the normal distribution function Φ, each accurate relative to its result to a few ulp of
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

    /// <summary>erf(x) by Abramowitz and Stegun 7.1.6, erf x = 2/√π e^(-x^2) Σ_n 2^n x^(2n+1) / (1·3·5···(2n+1)): every
    /// term positive, so no cancellation, and relative to the result also for tiny x; ±1 beyond 6, where erfc x &lt; 2^-53.</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return x;
        double a = Math.Abs(x);
        if (a > 6) return Math.Sign(x);
        double term = a, sum = a;
        for (int n = 1; n < 400 && term >= 1e-17 * sum; n++)
        {
            term *= 2 * a * a / (2 * n + 1);
            sum += term;
        }
        double erf = 2 / Math.Sqrt(Math.PI) * Math.Exp(-a * a) * sum;
        return x < 0 ? -erf : erf;
    }

    /// <summary>erfc(t) for t &gt;= 0: 1 - <see cref="Erf"/> up to 2 (where it is at least 0.005, so the subtraction loses
    /// little), by the continued fraction erfc t = e^(-t^2)/√π · 1/(t + (1/2)/(t + 1/(t + (3/2)/(t + ...)))) beyond
    /// (Lentz's method).</summary>
    private static double Erfc(double t)
    {
        if (double.IsPositiveInfinity(t)) return 0.0;
        if (t <= 2.0) return 1.0 - Erf(t);
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
