using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using FastBackprop.Kernels;
using FastBackprop.Kernels.Operators;
using FastBackprop.Tests.Support;

namespace FastBackprop.Tests.Kernels.TranscendentalTests;

// ---------------------------------------------------------------------------------------------
// What the transcendental tests share: the functions under test, each runnable at any of the four
// widths in one process (an unaccelerated VectorNNN is emulated in software but still IEEE), their
// double-precision references, the ulp error of a float result against a double one, and the
// input sets (edge cases, uniformly drawn bit patterns, uniform values in a range).
//
// ulp error: |y - f(x)| / ulp(f(x)), with ulp(v) the spacing of floats in the binade of |v| (2^-149
// in the subnormals) and f(x) in double. A double reference is within a few 2^-53 of f(x), which is
// 2^-29 of a float ulp: far below the bounds tested. Infinite results count as exact when f(x)
// rounds to infinity, NaN results when f(x) is NaN; anything else counts as an infinite error.
// ---------------------------------------------------------------------------------------------

/// <summary>The functions of <see cref="Transcendental"/> under test.</summary>
public enum Function
{
    Exp,
    ExpM1,
    Log,
    LogOnePlus,
    Tanh,
    Logistic,
    Erf,
    Sin,
    Cos,
}

/// <summary>Runs the functions at a chosen width, and their double references.</summary>
public static class TranscendentalCases
{
    /// <summary>Every function, in the order of the tables.</summary>
    public static readonly Function[] All = Enum.GetValues<Function>();

    /// <summary>The widths, widest first.</summary>
    public static readonly VectorTier[] Widths = [VectorTier.Vector512, VectorTier.Vector256, VectorTier.Vector128, VectorTier.Scalar];

    /// <summary>The bound, in ulp, that the tests assert. Each function's contract comment states its measured
    /// maximum over every 64th bit pattern of the whole range (TranscendentalSweepTests with FASTBACKPROP_ULP_STEP=64,
    /// and the same patterns without its offsets): exp 0.80, expm1 0.79, log 0.82, log1p 0.87, tanh 0.80, logistic
    /// 1.46, erf 0.80, sin 0.72, cos 0.72. The bound is 1 ulp (0.8 for sin and cos; 2 for logistic, the contract's
    /// limit, as its one-float e^-|x| lets e's error through), so an input the sweeps missed may come closer to it
    /// but a lane that went through a wrong branch or a wrong coefficient (several ulp at least) cannot pass.</summary>
    public static double UlpBound(Function f) => f switch
    {
        Function.Exp => 1.0,
        Function.ExpM1 => 1.0,
        Function.Log => 1.0,
        Function.LogOnePlus => 1.0,
        Function.Tanh => 1.0,
        Function.Logistic => 2.0,
        Function.Erf => 1.0,
        Function.Sin => 0.8,
        Function.Cos => 0.8,
        _ => throw new ArgumentOutOfRangeException(nameof(f)),
    };

    /// <summary>f(x) in double.</summary>
    public static double Exact(Function f, float x) => f switch
    {
        Function.Exp => Math.Exp(x),
        Function.ExpM1 => ReferenceMath.ExpM1(x),
        Function.Log => Math.Log(x),
        Function.LogOnePlus => ReferenceMath.LogOnePlus(x),
        Function.Tanh => Math.Tanh(x),
        Function.Logistic => x >= 0 ? 1 / (1 + Math.Exp(-(double)x)) : Math.Exp(x) / (1 + Math.Exp(x)),
        Function.Erf => ReferenceMath.Erf(x),
        Function.Sin => Math.Sin(x),
        Function.Cos => Math.Cos(x),
        _ => throw new ArgumentOutOfRangeException(nameof(f)),
    };

    /// <summary>y[i] = f(x[i]) computed at <paramref name="width"/>, whether or not it is accelerated;
    /// the length must be a multiple of 16 so that every width runs whole registers.</summary>
    public static void Apply(Function f, VectorTier width, ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.Length % 16 != 0 || y.Length != x.Length) throw new ArgumentException("lengths must be equal multiples of 16");
        switch (width)
        {
            case VectorTier.Vector512: Apply<Simd512, Vector512<float>>(f, x, y); break;
            case VectorTier.Vector256: Apply<Simd256, Vector256<float>>(f, x, y); break;
            case VectorTier.Vector128: Apply<Simd128, Vector128<float>>(f, x, y); break;
            default: Apply<SimdScalar, float>(f, x, y); break;
        }
    }

    private static void Apply<TSimd, TVector>(Function f, ReadOnlySpan<float> x, Span<float> y) where TSimd : ISimd<TVector> where TVector : struct
    {
        ref float source = ref MemoryMarshal.GetReference(x);
        ref float destination = ref MemoryMarshal.GetReference(y);
        for (int i = 0; i < x.Length; i += TSimd.Count)
        {
            TVector v = TSimd.Load(ref Unsafe.Add(ref source, i));
            TSimd.Store(Invoke<TSimd, TVector>(f, v), ref Unsafe.Add(ref destination, i));
        }
    }

    private static TVector Invoke<TSimd, TVector>(Function f, TVector x) where TSimd : ISimd<TVector> where TVector : struct => f switch
    {
        Function.Exp => Transcendental.Exp<TSimd, TVector>(x),
        Function.ExpM1 => Transcendental.ExpM1<TSimd, TVector>(x),
        Function.Log => Transcendental.Log<TSimd, TVector>(x),
        Function.LogOnePlus => Transcendental.LogOnePlus<TSimd, TVector>(x),
        Function.Tanh => Transcendental.Tanh<TSimd, TVector>(x),
        Function.Logistic => Transcendental.Logistic<TSimd, TVector>(x),
        Function.Erf => Transcendental.Erf<TSimd, TVector>(x),
        Function.Sin => Transcendental.Sin<TSimd, TVector>(x),
        Function.Cos => Transcendental.Cos<TSimd, TVector>(x),
        _ => throw new ArgumentOutOfRangeException(nameof(f)),
    };

    /// <summary>f(x) for one x at <paramref name="width"/> (the value in lane 0 of a register of copies).</summary>
    public static float One(Function f, VectorTier width, float x)
    {
        Span<float> input = stackalloc float[16], output = stackalloc float[16];
        input.Fill(x);
        Apply(f, width, input, output);
        return output[0];
    }

    /// <summary>The ulp error of <paramref name="y"/> against the exact <paramref name="exact"/> (see the file comment).</summary>
    public static double UlpError(float y, double exact)
    {
        if (double.IsNaN(exact) || float.IsNaN(y)) return double.IsNaN(exact) && float.IsNaN(y) ? 0 : double.PositiveInfinity;
        if (float.IsInfinity(y))
        {
            // f(x) rounds to ±infinity from 2^128 - 2^103 on (halfway between float.MaxValue and 2^128).
            bool overflows = Math.Abs(exact) >= 3.4028235677973366e38 && Math.Sign(exact) == Math.Sign(y);
            return overflows ? 0 : double.PositiveInfinity;
        }
        if (double.IsInfinity(exact)) return double.PositiveInfinity;
        return Math.Abs(y - exact) / Ulp(exact);
    }

    /// <summary>The spacing of floats at |v|: 2^(e-23) in the binade [2^e, 2^(e+1)), 2^-149 below 2^-126.</summary>
    public static double Ulp(double v)
    {
        double a = Math.Abs(v);
        return a < Tolerance.SmallestNormal ? Tolerance.SmallestSubnormal : Math.ScaleB(1.0, Math.Min(Math.ILogB(a), 127) - 23);
    }

    /// <summary>Inputs every function is checked at: signed zeros, the subnormal and normal extremes, ±1,
    /// infinities and NaNs of several payloads and both signs.</summary>
    public static float[] CommonEdges() =>
    [
        0f, -0f, float.Epsilon, -float.Epsilon, 2 * float.Epsilon, BitConverter.Int32BitsToSingle(0x007F_FFFF), -BitConverter.Int32BitsToSingle(0x007F_FFFF),
        1.17549435e-38f, -1.17549435e-38f, 1e-30f, -1e-30f, 1e-9f, -1e-9f, 1e-5f, -1e-5f, 0.5f, -0.5f, 1f, -1f, 2f, -2f,
        float.MaxValue, float.MinValue, float.PositiveInfinity, float.NegativeInfinity,
        float.NaN, -float.NaN, BitConverter.Int32BitsToSingle(0x7F80_0001), BitConverter.Int32BitsToSingle(unchecked((int)0xFFFF_FFFF)),
        BitConverter.Int32BitsToSingle(0x7FC1_2345),
    ];

    /// <summary><paramref name="count"/> floats whose bit patterns are uniform over all 2^32 (so every binade,
    /// both signs, subnormals, infinities and NaNs turn up in proportion to their share of the patterns).</summary>
    public static float[] RandomBits(ulong seed, int count)
    {
        var random = new SeededRandom(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = BitConverter.UInt32BitsToSingle((uint)random.NextUInt64());
        return values;
    }

    /// <summary><paramref name="count"/> floats uniform in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static float[] RandomUniform(ulong seed, int count, double low, double high)
    {
        var random = new SeededRandom(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(low + ((high - low) * random.NextDouble()));
        return values;
    }

    /// <summary><paramref name="values"/> padded with copies of its first element to a multiple of 16.</summary>
    public static float[] Padded(float[] values)
    {
        int length = (values.Length + 15) / 16 * 16;
        var padded = new float[Math.Max(length, 16)];
        padded.AsSpan().Fill(values.Length > 0 ? values[0] : 0f);
        values.CopyTo(padded, 0);
        return padded;
    }

    /// <summary>The largest ulp error of f over <paramref name="inputs"/> at <paramref name="width"/>, and where.</summary>
    public static (double Error, float Input, float Output) WorstError(Function f, VectorTier width, float[] inputs)
    {
        float[] x = Padded(inputs), y = new float[x.Length];
        Apply(f, width, x, y);
        (double Error, float Input, float Output) worst = (0, x[0], y[0]);
        for (int i = 0; i < x.Length; i++)
        {
            double e = UlpError(y[i], Exact(f, x[i]));
            if (!(e <= worst.Error)) worst = (e, x[i], y[i]);
        }
        return worst;
    }
}
