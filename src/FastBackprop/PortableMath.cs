namespace FastBackprop;

/// <summary>The double-precision functions whose results feed training (the losses, Adam's bias correction, the
/// learning-rate schedules, the Gaussian initialisation), computed from +, -, *, / and the IEEE-exact square root,
/// rounding and scaling only.</summary>
/// <remarks>Math.Exp, Log, Pow and Cos come from the platform's C library, and glibc, the Windows CRT and Apple's
/// libm may round them differently in the last bit: a reported loss that moves one bit can move an early stop or a
/// divergence halving, and a learning rate that moves one bit moves every weight. These are accurate to a few ulp
/// (their tests measure it against Math.*), which no use here can see, and are the same bits on every machine.</remarks>
internal static class PortableMath
{
    // ln 2 split so that k * Ln2High is exact for |k| < 2^11 (fdlibm's constants).
    private const double Ln2High = 6.93147180369123816490e-01, Ln2Low = 1.90821492927058770002e-10;

    // 1/n! for n = 0..13, each rounded once: e^r's Taylor coefficients, by Horner's rule without a division.
    private static ReadOnlySpan<double> InverseFactorials =>
    [
        1.0, 1.0, 0.5, 0.16666666666666666, 0.041666666666666664,
        0.008333333333333333, 0.001388888888888889, 0.0001984126984126984, 2.48015873015873e-05, 2.7557319223985893e-06,
        2.755731922398589e-07, 2.505210838544172e-08, 2.08767569878681e-09, 1.6059043836821613e-10,
    ];

    /// <summary>e^x: x = k ln 2 + r with |r| ≤ ln 2 / 2, e^r by its Taylor series to r^13/13! (the first term left
    /// out is below 2^-60 of the result), then one exact scaling by 2^k (which rounds once for subnormal results).
    /// NaN gives NaN, +∞ gives +∞, -∞ gives 0.</summary>
    public static double Exp(double x)
    {
        if (double.IsNaN(x)) return x;
        x = Math.Clamp(x, -1100.0, 1100.0);   // e^±1100 is past the overflow and the underflow to 0 already
        double k = Math.Round(x * 1.4426950408889634);
        double r = x - k * Ln2High - k * Ln2Low;
        double p = InverseFactorials[13];
        for (int n = 12; n >= 0; n--) p = p * r + InverseFactorials[n];
        return Math.ScaleB(p, (int)k);
    }

    /// <summary>ln x: x = m 2^e with m in [√½, √2), then ln m = 2 atanh(t) = 2 (t + t^3/3 + t^5/5 + ...),
    /// t = (m - 1)/(m + 1), |t| &lt; 0.172, so 15 terms reach double precision. Subnormal x is scaled into the normal
    /// range first. 0 gives -∞, a negative x or NaN gives NaN, +∞ gives +∞.</summary>
    public static double Log(double x)
    {
        if (!(x > 0)) return x == 0 ? double.NegativeInfinity : double.NaN;
        if (double.IsPositiveInfinity(x)) return x;
        int exponentBias = 0;
        if (x < double.Epsilon * 4503599627370496.0)   // below 2^-1022: subnormal
        {
            x *= 18014398509481984.0;                  // 2^54
            exponentBias = -54;
        }
        long bits = BitConverter.DoubleToInt64Bits(x);
        int e = (int)((bits >> 52) & 0x7FF) - 1023 + exponentBias;
        double m = BitConverter.Int64BitsToDouble((bits & 0x000FFFFFFFFFFFFFL) | 0x3FF0000000000000L);   // [1, 2)
        if (m >= 1.4142135623730951)
        {
            m *= 0.5;
            e++;
        }
        double t = (m - 1) / (m + 1), t2 = t * t, term = t, sum = 0;
        for (int k = 1; k <= 29; k += 2)
        {
            sum += term / k;
            term *= t2;
        }
        return 2 * sum + e * 0.6931471805599453;
    }

    /// <summary>b^n for an integer n ≥ 0, by repeated squaring in double-double arithmetic (a product's error term
    /// by one fused multiply-add, exact everywhere): the relative error stays near 2^-100 per step, so the result is
    /// within an ulp of b^n for any step count (1 for n = 0, whatever b is). Plain squaring would double the relative
    /// error at each step, to n ulp.</summary>
    public static double Pow(double b, long n)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, $"{nameof(n)} is {n}; expected at least 0.");
        (double High, double Low) result = (1.0, 0.0), power = (b, 0.0);
        for (; n != 0; n >>= 1)
        {
            if ((n & 1) != 0) result = Multiply(result, power);
            if (n > 1) power = Multiply(power, power);
        }
        return result.High + result.Low;
    }

    // (a.High + a.Low)(b.High + b.Low) to about 2^-104 relative: the exact error of the high product by FMA, the
    // cross terms in plain arithmetic (their own error is below 2^-106), then the sum renormalised (Fast2Sum).
    private static (double High, double Low) Multiply((double High, double Low) a, (double High, double Low) b)
    {
        double p = a.High * b.High;
        if (!double.IsFinite(p)) return (p, 0.0);   // overflowed (b > 1 and a large n): the power is +∞ anyway
        double e = Math.FusedMultiplyAdd(a.High, b.High, -p) + (a.High * b.Low + a.Low * b.High);
        double high = p + e;
        return double.IsFinite(high) ? (high, e - (high - p)) : (high, 0.0);
    }

    /// <summary>cos(π t) for t in [0, 1], to an absolute error of a few 2^-53: by symmetry an argument of at most
    /// π/4 for the cosine or sine Taylor series (to x^20/20! and x^21/21!, the first term left out below 2^-75).</summary>
    public static double CosPi(double t)
    {
        if (!(t >= 0 && t <= 1)) throw new ArgumentOutOfRangeException(nameof(t), t, $"{nameof(t)} is {t}; expected a value in [0, 1].");
        if (t > 0.5) return -CosPi(1 - t);   // 1 - t is exact here (Sterbenz)
        return t > 0.25 ? Sine(Math.PI * (0.5 - t)) : Cosine(Math.PI * t);
    }

    // Taylor series by Horner's rule for |x| ≤ π/4.
    private static double Cosine(double x)
    {
        double x2 = x * x, p = 1.0;
        for (int n = 20; n >= 2; n -= 2) p = 1.0 - x2 * p / (n * (n - 1));
        return p;
    }

    private static double Sine(double x)
    {
        double x2 = x * x, p = 1.0;
        for (int n = 21; n >= 3; n -= 2) p = 1.0 - x2 * p / (n * (n - 1));
        return x * p;
    }
}
