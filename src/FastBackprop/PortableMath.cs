namespace FastBackprop;

/// <summary>The double-precision functions whose results feed the weights (the Adam family's bias corrections, the
/// learning-rate schedules, the Gaussian initialisation), computed from +, -, *, / and the IEEE-exact square root,
/// rounding and scaling only.</summary>
/// <remarks>Math.Exp, Log, Pow and Cos come from the platform's C library, which glibc, the Windows CRT and Apple's
/// libm may round differently in the last bit; a learning rate that moves one bit moves every weight. These are
/// accurate to a few ulp (their tests measure it against Math.*), which no use here can see, and are the same bits
/// on every machine.</remarks>
internal static class PortableMath
{
    // ln 2 / 32 split so that k * Ln2By32High is exact for |k| < 2^16 (27 significant bits), and 32 / ln 2.
    private const double Ln2By32High = 0.021660849219188094, Ln2By32Low = 1.733101967801894e-10, ThirtyTwoByLn2 = 46.16624130844683;

    // 2^(j/32) for j = 0..31, each correctly rounded (from 60-digit decimals).
    private static ReadOnlySpan<double> PowersOfTwo =>
    [
        1.0, 1.0218971486541166, 1.0442737824274138, 1.0671404006768237,
        1.0905077326652577, 1.1143867425958924, 1.1387886347566916, 1.1637248587775775,
        1.189207115002721, 1.215247359980469, 1.241857812073484, 1.2690509571917332,
        1.2968395546510096, 1.3252366431597413, 1.3542555469368927, 1.383909881963832,
        1.4142135623730951, 1.4451808069770467, 1.4768261459394993, 1.5091644275934228,
        1.5422108254079407, 1.5759808451078865, 1.6104903319492543, 1.645755478153965,
        1.681792830507429, 1.718619298122478, 1.7562521603732995, 1.7947090750031072,
        1.8340080864093424, 1.8741676341103, 1.9152065613971474, 1.9571441241754002,
    ];

    /// <summary>e^x: x = (32 m + j) ln 2 / 32 + r with |r| ≤ ln 2 / 64, e^r by its Taylor series to r^6/6! (the
    /// first term left out is below 2^-58 of the result), times the tabulated 2^(j/32), then an exact scaling by
    /// 2^m (one rounding for subnormal results): within 2 ulp. NaN gives NaN, +∞ gives +∞, -∞ gives 0.</summary>
    public static double Exp(double x)
    {
        if (double.IsNaN(x)) return x;
        x = Math.Clamp(x, -1100.0, 1100.0);   // e^±1100 is past the overflow and the underflow to 0 already
        double k = Math.Round(x * ThirtyTwoByLn2);
        double r = x - k * Ln2By32High - k * Ln2By32Low;
        double p = r * (1.0 / 720) + 1.0 / 120;
        p = p * r + 1.0 / 24;
        p = p * r + 1.0 / 6;
        p = p * r + 0.5;
        p = p * r + 1.0;
        p = p * r + 1.0;
        int n = (int)k, m = n >> 5;
        double t = PowersOfTwo[n & 31] * p;
        // 2^m from its bits where both it and the result are normal; the edges go through ScaleB.
        return m > -1000 && m < 1000 ? t * BitConverter.Int64BitsToDouble((long)(m + 1023) << 52) : Math.ScaleB(t, m);
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
