using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using FastBackprop.Kernels;
using FastBackprop.Kernels.Operators;
using FastBackprop.Kernels.Optimizers;
using FastBackprop.Tests.Support;
using Xunit;

namespace FastBackprop.Tests.Kernels.Optimizers;

/// <summary>Every optimizer's update operator run through the driver at every register width (Vector512, Vector256,
/// Vector128 and scalar, called explicitly; a width the hardware lacks runs emulated), for every length 0..70 and a
/// few large ones: each must give the bits of the scalar width, element by element, parameters and state alike. The
/// scalar width applies the operator's formula to one element at a time, so this says that no width and no tail
/// changes an operation. The public Apply methods run the same operators (checked for SGD and momentum).</summary>
public class ParameterUpdateDriverProperties
{
    public static TheoryData<int> SweepLengths() => new(Generators.SweepLengths);

    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void Optimizers_SameBitsAtEveryWidth_EveryLength(int n)
    {
        Check(n, (ulong)(100 + n), hard: false);
        Check(n, (ulong)(200 + n), hard: true);
    }

    [Fact]
    public void Optimizers_PublicApply_IsTheOperatorElementByElement()
    {
        const int n = 37;
        float[] w = Canonical.Operand(n, 7, 0, hard: false), g = Canonical.Operand(n, 7, 1, hard: false), v = Canonical.Operand(n, 7, 2, hard: false);
        float[] expected = Run<SgdUpdate.SgdOperator, SimdScalar, float>(new SgdUpdate.SgdOperator(0.05f, 1e-3f), w, g), actual = (float[])w.Clone();
        SgdUpdate.Apply(actual, g, 0.05f, 1e-3f);
        Canonical.AssertSameBits(expected, actual, "SgdUpdate.Apply: parameters");

        (float[] expectedW, float[] expectedV) = Run<MomentumUpdate.NesterovOperator, SimdScalar, float>(new MomentumUpdate.NesterovOperator(0.05f, 0.9f, 1e-3f), w, g, v);
        float[] actualW = (float[])w.Clone(), actualV = (float[])v.Clone();
        MomentumUpdate.Apply(actualW, g, actualV, 0.05f, 0.9f, nesterov: true, 1e-3f);
        Canonical.AssertSameBits(expectedW, actualW, "MomentumUpdate.Apply: parameters");
        Canonical.AssertSameBits(expectedV, actualV, "MomentumUpdate.Apply: velocity");
    }

    private static void Check(int n, ulong seed, bool hard)
    {
        float[] w = Canonical.Operand(n, seed, 0, hard), g = Canonical.Operand(n, seed, 1, hard);
        float[] s = Canonical.Operand(n, seed, 2, hard), squares = Canonical.Operand(n, seed, 3, hard);
        for (int i = 0; i < n; i++) squares[i] = MathF.Abs(squares[i]);   // second moments and mean squares are never negative
        float[] signs = new float[n], steps = Canonical.Operand(n, seed, 4, hard: false);
        for (int i = 0; i < n; i++)
        {
            signs[i] = MathF.Sign(s[i]);
            steps[i] = MathF.Abs(steps[i]) + 1e-6f;
        }
        string what = $"n={n} seed={seed}{(hard ? " hard" : "")}";

        Check0(new SgdUpdate.SgdOperator(0.05f, 0f), w, g, $"sgd {what}");
        Check0(new SgdUpdate.SgdOperator(0.05f, 1e-3f), w, g, $"sgd with decay {what}");
        Check1(new MomentumUpdate.HeavyBallOperator(0.05f, 0.9f, 1e-4f), w, g, s, $"heavy ball {what}");
        Check1(new MomentumUpdate.NesterovOperator(0.05f, 0.9f, 0f), w, g, s, $"nesterov {what}");
        Check1(new RmsPropUpdate.RmsPropOperator(1e-3f, 0.99f, 1e-8f, 1e-4f), w, g, squares, $"rmsprop {what}");
        Check2(new AdamUpdate.AdamOperator(0.9f, 0.999f, 1e-8f, 0.0123f, 1.37f, 1e-4f, 1f), w, g, s, squares, $"adam {what}");
        Check2(new AdamUpdate.AdamOperator(0.9f, 0.999f, 1e-8f, 0.0123f, 1.37f, 0f, 0.9999f), w, g, s, squares, $"adamw {what}");
        Check2(new RpropUpdate.RpropOperator(1.2f, 0.5f, 1e-6f, 50f, 1e-4f), w, g, signs, steps, $"rprop {what}");
    }

    private static void Check0<TOp>(TOp op, float[] w, float[] g, string what) where TOp : struct, IParameterUpdateOperator
    {
        float[] expected = Run<TOp, SimdScalar, float>(op, w, g);
        Canonical.AssertSameBits(expected, Run<TOp, Simd512, Vector512<float>>(op, w, g), $"Simd512 {what}: parameters");
        Canonical.AssertSameBits(expected, Run<TOp, Simd256, Vector256<float>>(op, w, g), $"Simd256 {what}: parameters");
        Canonical.AssertSameBits(expected, Run<TOp, Simd128, Vector128<float>>(op, w, g), $"Simd128 {what}: parameters");
    }

    private static void Check1<TOp>(TOp op, float[] w, float[] g, float[] s, string what) where TOp : struct, IParameterUpdateOperator1
    {
        (float[] W, float[] S) expected = Run<TOp, SimdScalar, float>(op, w, g, s);
        Compare(Run<TOp, Simd512, Vector512<float>>(op, w, g, s), "Simd512");
        Compare(Run<TOp, Simd256, Vector256<float>>(op, w, g, s), "Simd256");
        Compare(Run<TOp, Simd128, Vector128<float>>(op, w, g, s), "Simd128");

        void Compare((float[] W, float[] S) actual, string width)
        {
            Canonical.AssertSameBits(expected.W, actual.W, $"{width} {what}: parameters");
            Canonical.AssertSameBits(expected.S, actual.S, $"{width} {what}: state");
        }
    }

    private static void Check2<TOp>(TOp op, float[] w, float[] g, float[] s, float[] t, string what) where TOp : struct, IParameterUpdateOperator2
    {
        (float[] W, float[] S, float[] T) expected = Run<TOp, SimdScalar, float>(op, w, g, s, t);
        Compare(Run<TOp, Simd512, Vector512<float>>(op, w, g, s, t), "Simd512");
        Compare(Run<TOp, Simd256, Vector256<float>>(op, w, g, s, t), "Simd256");
        Compare(Run<TOp, Simd128, Vector128<float>>(op, w, g, s, t), "Simd128");

        void Compare((float[] W, float[] S, float[] T) actual, string width)
        {
            Canonical.AssertSameBits(expected.W, actual.W, $"{width} {what}: parameters");
            Canonical.AssertSameBits(expected.S, actual.S, $"{width} {what}: first state");
            Canonical.AssertSameBits(expected.T, actual.T, $"{width} {what}: second state");
        }
    }

    private static float[] Run<TOp, TSimd, TVector>(TOp op, float[] w, float[] g)
        where TOp : struct, IParameterUpdateOperator where TSimd : ISimd<TVector> where TVector : struct
    {
        float[] parameters = (float[])w.Clone();
        ParameterUpdateDriver.Run<TOp, TSimd, TVector>(op, ref MemoryMarshal.GetArrayDataReference(parameters), ref MemoryMarshal.GetArrayDataReference(g), w.Length);
        return parameters;
    }

    private static (float[] W, float[] S) Run<TOp, TSimd, TVector>(TOp op, float[] w, float[] g, float[] s)
        where TOp : struct, IParameterUpdateOperator1 where TSimd : ISimd<TVector> where TVector : struct
    {
        float[] parameters = (float[])w.Clone(), state = (float[])s.Clone();
        ParameterUpdateDriver.Run<TOp, TSimd, TVector>(op, ref MemoryMarshal.GetArrayDataReference(parameters), ref MemoryMarshal.GetArrayDataReference(g),
            ref MemoryMarshal.GetArrayDataReference(state), w.Length);
        return (parameters, state);
    }

    private static (float[] W, float[] S, float[] T) Run<TOp, TSimd, TVector>(TOp op, float[] w, float[] g, float[] s, float[] t)
        where TOp : struct, IParameterUpdateOperator2 where TSimd : ISimd<TVector> where TVector : struct
    {
        float[] parameters = (float[])w.Clone(), state0 = (float[])s.Clone(), state1 = (float[])t.Clone();
        ParameterUpdateDriver.Run<TOp, TSimd, TVector>(op, ref MemoryMarshal.GetArrayDataReference(parameters), ref MemoryMarshal.GetArrayDataReference(g),
            ref MemoryMarshal.GetArrayDataReference(state0), ref MemoryMarshal.GetArrayDataReference(state1), w.Length);
        return (parameters, state0, state1);
    }
}
