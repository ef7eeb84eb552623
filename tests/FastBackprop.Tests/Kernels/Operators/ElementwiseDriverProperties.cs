using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastBackprop.Kernels.Operators;
using FastBackprop.Tests.Support;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Kernels.Operators;

/// <summary><see cref="ElementwiseDriver"/> with test operators whose scalar value is exactly known:
/// every element must be computed exactly once (in place included), from the right operands, with
/// nothing written outside the span. Also checks that the guard harness itself detects what it claims to.</summary>
[Properties(Arbitrary = [typeof(Generators)], MaxTest = 150)]
public class ElementwiseDriverProperties
{
    [Property]
    public void ElementwiseDriver_MatchesReference_Map(VectorCase c) => CheckMap(c, inPlace: false);

    [Property]
    public void ElementwiseDriver_MatchesReference_MapInPlace(VectorCase c) => CheckMap(c, inPlace: true);

    [Property]
    public void ElementwiseDriver_MatchesReference_UpdateDelta(VectorCase c) => CheckUpdateDelta(c);

    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void ElementwiseDriver_MatchesReference_EveryLength(int n)
    {
        var c = new VectorCase(n, (ulong)(31000 + n), 4f, 0f);
        CheckMap(c, inPlace: false);
        CheckMap(c, inPlace: true);
        CheckUpdateDelta(c);
    }

    [Fact]
    public void ElementwiseDriver_Throws_MapLengthMismatch()
    {
        var e = Assert.Throws<ArgumentException>(() => ElementwiseDriver.Map(default(AffineOperator), new float[5], new float[4]));
        Assert.Equal("y", e.ParamName);
    }

    [Fact]
    public void ElementwiseDriver_Throws_UpdateDeltaLengthMismatch()
    {
        Assert.Equal("output", Assert.Throws<ArgumentException>(
            () => ElementwiseDriver.UpdateDelta(default(MixOperator), new float[5], new float[4], new float[5])).ParamName);
        Assert.Equal("delta", Assert.Throws<ArgumentException>(
            () => ElementwiseDriver.UpdateDelta(default(MixOperator), new float[5], new float[5], new float[6])).ParamName);
    }

    // ------------------------------------------------------------------ the harness itself

    [Fact]
    public void GuardedBuffer_DetectsWritesPastEitherEnd()
    {
        foreach (int offset in new[] { -1, 0 })
        {
            var buffer = new GuardedBuffer(5, misalignment: 3);
            buffer.AssertGuardsIntact("fresh"); // the signalling-NaN canaries survive loads and stores
            ref float first = ref MemoryMarshal.GetReference(buffer.Span);
            Unsafe.Add(ref first, offset < 0 ? -1 : buffer.Length) = 0f;
            Assert.ThrowsAny<Exception>(() => buffer.AssertGuardsIntact("buffer"));
        }
    }

    [Fact]
    public void GuardedBuffer_OverReadLeaksNaN()
    {
        var buffer = new GuardedBuffer(3).Poison();
        Assert.True(float.IsNaN(Unsafe.Add(ref MemoryMarshal.GetReference(buffer.Span), 3) * 1f));
        Assert.True(float.IsNaN(buffer[0] + 1f));
    }

    [Fact]
    public void Tolerance_RejectsNaNAndErrorsAboveTheBound()
    {
        Assert.ThrowsAny<Exception>(() => Tolerance.AssertWithin(1.0, float.NaN, 1.0, () => "NaN"));
        Assert.ThrowsAny<Exception>(() => Tolerance.AssertWithin(1.0, 1.001f, Tolerance.Sum(100, 1.0), () => "too far"));
        // One ulp above 1 is an error of 2^-23 = 2u: two roundings allow it, one does not.
        Tolerance.AssertWithin(1.0, BitConverter.Int32BitsToSingle(0x3F80_0001), Tolerance.Sum(2, 1.0), () => "within");
        Assert.ThrowsAny<Exception>(() => Tolerance.AssertWithin(1.0, BitConverter.Int32BitsToSingle(0x3F80_0001), Tolerance.Sum(1, 1.0), () => "beyond"));
    }

    // ------------------------------------------------------------------ checks

    public static TheoryData<int> SweepLengths() => new(Generators.SweepLengths);

    private static void CheckMap(VectorCase c, bool inPlace)
    {
        GuardedBuffer x = c.Buffer(0);
        float[] x0 = x.ToArray();
        GuardedBuffer y = inPlace ? x : new GuardedBuffer(c.Length, misalignment: c.Length % 16).Poison();

        ElementwiseDriver.Map(default(AffineOperator), x.ReadOnly, y.Span);

        for (int i = 0; i < c.Length; i++)
        {
            // Applied twice (an overlapping tail in place), the value would be 4x + 3 instead.
            Tolerance.AssertExact(AffineOperator.Scalar(x0[i]), y[i], () => $"{c}{(inPlace ? " in place" : "")}: y[{i}]");
        }
        y.AssertGuardsIntact("y");
        if (!inPlace) x.AssertUnchanged(x0, "x");
    }

    private static void CheckUpdateDelta(VectorCase c)
    {
        GuardedBuffer net = c.Buffer(0), output = c.Buffer(1), delta = c.Buffer(2);
        float[] n0 = net.ToArray(), o0 = output.ToArray(), d0 = delta.ToArray();

        ElementwiseDriver.UpdateDelta(default(MixOperator), net.ReadOnly, output.ReadOnly, delta.Span);

        for (int i = 0; i < c.Length; i++)
        {
            Tolerance.AssertExact(MixOperator.Scalar(d0[i], n0[i], o0[i]), delta[i], () => $"{c}: delta[{i}]");
        }
        delta.AssertGuardsIntact("delta");
        net.AssertUnchanged(n0, "net");
        output.AssertUnchanged(o0, "output");
    }

    /// <summary>x -> 2x + 1: one rounding (2x is exact), so every width gives the same bits.</summary>
    private readonly struct AffineOperator : IUnaryOperator
    {
        public static float Scalar(float x) => 2f * x + 1f;

        public TVector Invoke<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
            => TSimd.Add(TSimd.Multiply(x, TSimd.Create(2f)), TSimd.Create(1f));
    }

    /// <summary>(delta, net, output) -> 2 delta + (net - 3 output): asymmetric in its operands, so a
    /// swapped or misaligned operand shows; same operations in the same order at every width.</summary>
    private readonly struct MixOperator : IDerivativeOperator
    {
        public static float Scalar(float delta, float net, float output) => (2f * delta) + (net - (3f * output));

        public TVector Invoke<TSimd, TVector>(TVector delta, TVector net, TVector output) where TSimd : ISimd<TVector> where TVector : struct
            => TSimd.Add(TSimd.Multiply(delta, TSimd.Create(2f)), TSimd.Subtract(net, TSimd.Multiply(output, TSimd.Create(3f))));
    }
}
