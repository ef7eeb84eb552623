using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using FastBackprop.Kernels;
using FastBackprop.Kernels.Operators;
using FsCheck.Xunit;
using Xunit;
using static FastBackprop.Tests.Kernels.TranscendentalTests.TranscendentalCases;

namespace FastBackprop.Tests.Kernels;

/// <summary>The determinism contract for Kernels/Transfer's operators, as TranscendentalWidthTests holds it for the
/// functions they are built from: each forward and derivative operator gives the same bits (NaN payloads included)
/// through Simd512, Simd256, Simd128 and SimdScalar, accelerated or emulated, on edge cases, random bit patterns and
/// values in the working ranges.</summary>
public class TransferOperatorWidthTests
{
    private static readonly string[] Names = ["elu(0.7)", "selu", "softplus", "gelu", "gelu-tanh", "silu", "softsign", "hard-tanh", "gaussian", "sin", "exp"];

    public static TheoryData<string> Functions() => new(Names);

    [Theory]
    [MemberData(nameof(Functions))]
    public void Operators_SameBitsAtEveryWidth_EdgesAndRanges(string name)
    {
        float[] inputs = [.. CommonEdges(), .. RandomBits(17, 1024), .. RandomUniform(18, 1024, -1, 1), .. RandomUniform(19, 1024, -25, 25),
            .. RandomUniform(20, 256, -105, 90), .. RandomUniform(21, 256, -1e-30, 1e-30), .. RandomUniform(22, 256, -1.01, 1.01)];
        AssertSameBits(name, inputs, "edges and ranges");
    }

    [Property(MaxTest = 30)]
    public void Operators_SameBitsAtEveryWidth_RandomBitPatterns(ulong seed)
    {
        foreach (string name in Names) AssertSameBits(name, RandomBits(seed, 256), $"seed {seed}");
    }

    private static void AssertSameBits(string name, float[] inputs, string context)
    {
        float[] x = Padded(inputs);
        float[] delta = Padded(RandomUniform(99, x.Length, -2, 2));
        float[] y512 = Forward(name, VectorTier.Vector512, x), d512 = Backward(name, VectorTier.Vector512, x, y512, delta);
        foreach (VectorTier width in Widths.AsSpan(1))
        {
            float[] y = Forward(name, width, x), d = Backward(name, width, x, y512, delta);
            for (int i = 0; i < x.Length; i++)
            {
                Same(y512[i], y[i], () => $"{name} {context}: f({x[i]:R}) at {width}");
                Same(d512[i], d[i], () => $"{name} {context}: delta {delta[i]:R} f'({x[i]:R}) at {width}");
            }
        }
    }

    private static void Same(float widest, float other, Func<string> what)
    {
        if (BitConverter.SingleToInt32Bits(widest) != BitConverter.SingleToInt32Bits(other))
        {
            Assert.Fail($"{what()}: 0x{BitConverter.SingleToUInt32Bits(other):X8} ({other:R}), but 0x{BitConverter.SingleToUInt32Bits(widest):X8} ({widest:R}) at Vector512.");
        }
    }

    private static float[] Forward(string name, VectorTier width, float[] x) => name switch
    {
        "elu(0.7)" => Map(new ExponentialLinearOperator(1f, 0.7f), width, x),
        "selu" => Map(new ExponentialLinearOperator((float)ExponentialLinearFunction.SeluScale, ExponentialLinearFunction.SeluScaleAlphaSingle), width, x),
        "softplus" => Map(default(SoftplusOperator), width, x),
        "gelu" => Map(default(GeluOperator), width, x),
        "gelu-tanh" => Map(default(GeluTanhOperator), width, x),
        "silu" => Map(default(SiluOperator), width, x),
        "softsign" => Map(default(SoftsignOperator), width, x),
        "hard-tanh" => Map(default(HardTanhOperator), width, x),
        "gaussian" => Map(default(GaussianOperator), width, x),
        "sin" => Map(default(SineOperator), width, x),
        "exp" => Map(default(ExponentialOperator), width, x),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static float[] Backward(string name, VectorTier width, float[] net, float[] y, float[] delta) => name switch
    {
        "elu(0.7)" => Update(new ExponentialLinearDerivativeOperator(1f, 0.7f), width, net, y, delta),
        "selu" => Update(new ExponentialLinearDerivativeOperator((float)ExponentialLinearFunction.SeluScale, ExponentialLinearFunction.SeluScaleAlphaSingle), width, net, y, delta),
        "softplus" => Update(default(SoftplusDerivativeOperator), width, net, y, delta),
        "gelu" => Update(default(GeluDerivativeOperator), width, net, y, delta),
        "gelu-tanh" => Update(default(GeluTanhDerivativeOperator), width, net, y, delta),
        "silu" => Update(default(SiluDerivativeOperator), width, net, y, delta),
        "softsign" => Update(default(SoftsignDerivativeOperator), width, net, y, delta),
        "hard-tanh" => Update(default(HardTanhDerivativeOperator), width, net, y, delta),
        "gaussian" => Update(default(GaussianDerivativeOperator), width, net, y, delta),
        "sin" => Update(default(SineDerivativeOperator), width, net, y, delta),
        "exp" => Update(default(ExponentialDerivativeOperator), width, net, y, delta),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static float[] Map<TOp>(TOp op, VectorTier width, float[] x) where TOp : struct, IUnaryOperator => width switch
    {
        VectorTier.Vector512 => Map<TOp, Simd512, Vector512<float>>(op, x),
        VectorTier.Vector256 => Map<TOp, Simd256, Vector256<float>>(op, x),
        VectorTier.Vector128 => Map<TOp, Simd128, Vector128<float>>(op, x),
        _ => Map<TOp, SimdScalar, float>(op, x),
    };

    private static float[] Map<TOp, TSimd, TVector>(TOp op, float[] x) where TOp : struct, IUnaryOperator where TSimd : ISimd<TVector> where TVector : struct
    {
        var y = new float[x.Length];
        ElementwiseDriver.Map<TOp, TSimd, TVector>(op, ref MemoryMarshal.GetArrayDataReference(x), ref MemoryMarshal.GetArrayDataReference(y), x.Length);
        return y;
    }

    private static float[] Update<TOp>(TOp op, VectorTier width, float[] net, float[] y, float[] delta) where TOp : struct, IDerivativeOperator => width switch
    {
        VectorTier.Vector512 => Update<TOp, Simd512, Vector512<float>>(op, net, y, delta),
        VectorTier.Vector256 => Update<TOp, Simd256, Vector256<float>>(op, net, y, delta),
        VectorTier.Vector128 => Update<TOp, Simd128, Vector128<float>>(op, net, y, delta),
        _ => Update<TOp, SimdScalar, float>(op, net, y, delta),
    };

    // Whole registers only (the lengths are multiples of 16), as the driver's main loop runs them.
    private static float[] Update<TOp, TSimd, TVector>(TOp op, float[] net, float[] y, float[] delta)
        where TOp : struct, IDerivativeOperator where TSimd : ISimd<TVector> where TVector : struct
    {
        var result = new float[net.Length];
        for (int i = 0; i < net.Length; i += TSimd.Count)
        {
            TVector d = op.Invoke<TSimd, TVector>(TSimd.Load(ref delta[i]), TSimd.Load(ref net[i]), TSimd.Load(ref y[i]));
            TSimd.Store(d, ref result[i]);
        }
        return result;
    }
}
