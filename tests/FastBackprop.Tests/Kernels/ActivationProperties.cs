using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using FastBackprop.Kernels;
using FastBackprop.Kernels.Operators;
using FastBackprop.Tests.Support;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Kernels;

/// <summary><see cref="Activation"/> against the functions evaluated in double with <see cref="Math"/>.</summary>
/// <remarks>Logistic, tanh and softmax's exp are this project's own (Kernels/Transcendental): not correctly
/// rounded, but within 1 ulp (logistic 2) of the exact value over the whole float range (measured over every 64th bit pattern,
/// and asserted by the Transcendental tests, TranscendentalCases.UlpBound), with the same bits at every tier. So they
/// get an ulp budget (<see cref="FunctionUlps"/>) rather than the rounding-count bound of the arithmetic kernels.</remarks>
[Properties(Arbitrary = [typeof(Generators)], MaxTest = 150)]
public class ActivationProperties
{
    /// <summary>Budget for tanh and exp: each is within 1 ulp of its exact value (at most 0.80 for each over every
    /// 64th bit pattern), relative to the result, also near 0.</summary>
    internal const int FunctionUlps = 1;

    /// <summary>Budget for logistic: 2 ulp (at most 1.46 over every 64th bit pattern; TranscendentalCases.UlpBound).</summary>
    internal const int LogisticUlps = 2;

    // ------------------------------------------------------------------ logistic

    [Property]
    public void Logistic_MatchesReference_RandomShapes(VectorCase c) => CheckLogistic(c, inPlace: false);

    [Property]
    public void Logistic_MatchesReference_InPlace(VectorCase c) => CheckLogistic(c, inPlace: true);

    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void Logistic_MatchesReference_EveryLength(int n) => CheckLogistic(new VectorCase(n, (ulong)(5000 + n), 20f, 0f), inPlace: false);

    [Fact]
    public void Logistic_MatchesReference_SaturatesWithoutNaN()
    {
        float[] net = [-1000f, -200f, -88f, 88f, 200f, 1000f, float.NegativeInfinity, float.PositiveInfinity];
        float[] y = new float[net.Length];
        Activation.Logistic(net, y);
        Assert.All(y, v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(0f, y[6]);
        Assert.Equal(1f, y[7]);
    }

    [Fact]
    public void Logistic_Throws_OutputLengthMismatch()
    {
        var e = Assert.Throws<ArgumentException>(() => Activation.Logistic(new float[5], new float[4]));
        Assert.Equal("output", e.ParamName);
    }

    private static void CheckLogistic(VectorCase c, bool inPlace) =>
        CheckFunction(c, inPlace, (net, output) => Activation.Logistic(net, output), x => 1.0 / (1.0 + Math.Exp(-x)), LogisticUlps);

    // ------------------------------------------------------------------ tanh

    [Property]
    public void Tanh_MatchesReference_RandomShapes(VectorCase c) => CheckTanh(c, inPlace: false);

    [Property]
    public void Tanh_MatchesReference_InPlace(VectorCase c) => CheckTanh(c, inPlace: true);

    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void Tanh_MatchesReference_EveryLength(int n) => CheckTanh(new VectorCase(n, (ulong)(6000 + n), 4f, 0f), inPlace: false);

    [Fact]
    public void Tanh_Throws_OutputLengthMismatch()
    {
        var e = Assert.Throws<ArgumentException>(() => Activation.Tanh(new float[5], new float[6]));
        Assert.Equal("output", e.ParamName);
    }

    private static void CheckTanh(VectorCase c, bool inPlace) =>
        CheckFunction(c, inPlace, (net, output) => Activation.Tanh(net, output), Math.Tanh, FunctionUlps);

    // ------------------------------------------------------------------ rectifier

    [Property]
    public void Rectifier_MatchesReference_RandomShapes(VectorCase c) => CheckRectifier(c, inPlace: false);

    [Property]
    public void Rectifier_MatchesReference_InPlace(VectorCase c) => CheckRectifier(c, inPlace: true);

    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void Rectifier_MatchesReference_EveryLength(int n)
    {
        foreach (float slope in new[] { 0f, 0.01f, 0.5f })
        {
            CheckRectifier(new VectorCase(n, (ulong)(7000 + n), 1f, slope), inPlace: false);
        }
    }

    [Fact]
    public void Rectifier_MatchesReference_NaNStaysNaNAndReluOfMinusInfinityIsZero()
    {
        foreach (float slope in new[] { 0f, 0.1f })
        {
            // 19 elements: the special values sit both in a full vector and in the tail.
            float[] net = new float[19];
            net[1] = float.NaN;
            net[17] = float.NaN;
            net[2] = float.NegativeInfinity;
            net[18] = float.NegativeInfinity;
            float[] y = new float[net.Length];
            Activation.Rectifier(net, slope, y);
            Assert.True(float.IsNaN(y[1]) && float.IsNaN(y[17]), $"slope {slope}: NaN must stay NaN");
            float minusInfinity = slope == 0f ? 0f : float.NegativeInfinity;
            Assert.Equal(minusInfinity, y[2]);
            Assert.Equal(minusInfinity, y[18]);
        }
    }

    [Fact]
    public void Rectifier_Throws_OutputLengthMismatch()
    {
        foreach (float slope in new[] { 0f, 0.1f })
        {
            var e = Assert.Throws<ArgumentException>(() => Activation.Rectifier(new float[5], slope, new float[4]));
            Assert.Equal("output", e.ParamName);
        }
    }

    private static void CheckRectifier(VectorCase c, bool inPlace)
    {
        float slope = c.Slope;
        // One multiplication (slope · net) on the negative side, exact on the positive side.
        CheckFunction(c, inPlace, (net, output) => Activation.Rectifier(net, slope, output), x => x > 0 ? x : slope * x, ulps: 0, roundings: 1);
    }

    // ------------------------------------------------------------------ softmax

    [Property]
    public void Softmax_MatchesReference_RandomShapes(VectorCase c) => CheckSoftmax(c, inPlace: false);

    [Property]
    public void Softmax_MatchesReference_InPlace(VectorCase c) => CheckSoftmax(c, inPlace: true);

    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void Softmax_MatchesReference_EveryLength(int n)
    {
        if (n == 0) return; // softmax of nothing is rejected; see Softmax_Throws_Empty
        CheckSoftmax(new VectorCase(n, (ulong)(8000 + n), 20f, 0f), inPlace: false);
    }

    [Fact]
    public void Softmax_Throws_OutputLengthMismatch()
    {
        var e = Assert.Throws<ArgumentException>(() => Activation.Softmax(new float[5], new float[4]));
        Assert.Equal("output", e.ParamName);
    }

    [Fact]
    public void Softmax_Throws_Empty()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Activation.Softmax([], []));
        Assert.Equal("net.Length", e.ParamName);
    }

    private static void CheckSoftmax(VectorCase c, bool inPlace)
    {
        int n = c.Length;
        GuardedBuffer net = c.Buffer(0);
        float[] net0 = net.ToArray();
        GuardedBuffer output = inPlace ? net : new GuardedBuffer(n, misalignment: n % 16).Poison();

        Activation.Softmax(net.ReadOnly, output.Span);

        double max = net0.Max(), min = net0.Min(), sum = 0;
        foreach (float x in net0) sum += Math.Exp(x - max);
        // Relative error of y_k = e^(net_k - m) / Σ_j e^(net_j - m), first order in u:
        //   fl(net_k - m) is off by u |net_k - m| <= u (max - min), which exp turns into a relative
        //   error of the same size, once in the numerator and once in the largest terms of the sum:
        //   2 u (max - min); exp itself FunctionUlps ulp (2u each), numerator and denominator;
        //   the sum of n positive terms γ_(n-1); the division u. Hence
        //   rel <= γ_(n + 4·FunctionUlps) + 2.01 u (max - min).
        double relative = Tolerance.Gamma(n + 4 * FunctionUlps, Tolerance.FloatUnitRoundoff) + 2.01 * Tolerance.FloatUnitRoundoff * (max - min);
        for (int k = 0; k < n; k++)
        {
            double expected = Math.Exp(net0[k] - max) / sum;
            Tolerance.AssertWithin(expected, output[k], relative * expected + Tolerance.SmallestNormal, () => $"{c}: softmax[{k}]");
        }
        output.AssertGuardsIntact("output");
        if (!inPlace) net.AssertUnchanged(net0, "net");
    }

    // ------------------------------------------------------------------ softmax backward

    [Property]
    public void SoftmaxBackward_MatchesReference_RandomShapes(VectorCase c) => CheckSoftmaxBackward(c);

    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void SoftmaxBackward_MatchesReference_EveryLength(int n) => CheckSoftmaxBackward(new VectorCase(n, (ulong)(9000 + n), 4f, 0f));

    [Fact]
    public void SoftmaxBackward_Throws_GradientLengthMismatch()
    {
        var e = Assert.Throws<ArgumentException>(() => Activation.SoftmaxBackward(new float[5], new float[4]));
        Assert.Equal("gradient", e.ParamName);
    }

    /// <summary>g_k = y_k (g_k - g·y) with g·y the canonical dot product, from the core at every register width, bit for bit.</summary>
    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void SoftmaxBackward_SameBitsAtEveryWidth_EveryLength(int n)
    {
        foreach (bool hard in new[] { false, true })
        {
            float[] y = Canonical.Operand(n, (ulong)(40000 + n), 0, hard), g = Canonical.Operand(n, (ulong)(40000 + n), 1, hard);
            float dot = Canonical.Dot(g, y);
            var expected = new float[n];
            for (int k = 0; k < n; k++) expected[k] = y[k] * (g[k] - dot);
            string what = $"n={n}{(hard ? " hard" : "")}: gradient";
            Canonical.AssertSameBits(expected, SoftmaxBackwardAt<Simd512, Vector512<float>>(y, g), $"Simd512 {what}");
            Canonical.AssertSameBits(expected, SoftmaxBackwardAt<Simd256, Vector256<float>>(y, g), $"Simd256 {what}");
            Canonical.AssertSameBits(expected, SoftmaxBackwardAt<Simd128, Vector128<float>>(y, g), $"Simd128 {what}");
            Canonical.AssertSameBits(expected, SoftmaxBackwardAt<SimdScalar, float>(y, g), $"SimdScalar {what}");
        }
    }

    /// <summary>Softmax's normalisation: y = e ⊙ (1 / Σ e) with Σ e the canonical sum. At the scalar width every
    /// exponential is Transcendental.Exp on one float, so e is known here; at the vector widths the exponential itself is
    /// the vector tier's (see SimdMath), which this test leaves out.</summary>
    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void Softmax_NormalisesByTheCanonicalSum_EveryLength(int n)
    {
        if (n == 0) return;
        float[] net = Canonical.Operand(n, (ulong)(41000 + n), 0, hard: false, amplitude: 8f);
        float max = net.Max();
        float[] e = net.Select(v => Transcendental.Exp<SimdScalar, float>(v - max)).ToArray();
        float scale = 1f / Canonical.Sum(e);
        float[] expected = e.Select(v => v * scale).ToArray(), y = new float[n];
        Activation.SoftmaxCore<SimdScalar, float>(ref MemoryMarshal.GetArrayDataReference(net), ref MemoryMarshal.GetArrayDataReference(y), n);
        Canonical.AssertSameBits(expected, y, $"n={n}: softmax");
    }

    private static float[] SoftmaxBackwardAt<TSimd, TVector>(float[] y, float[] g) where TSimd : ISimd<TVector> where TVector : struct
    {
        float[] gradient = (float[])g.Clone();
        Activation.SoftmaxBackwardCore<TSimd, TVector>(ref MemoryMarshal.GetArrayDataReference(y), ref MemoryMarshal.GetArrayDataReference(gradient), y.Length);
        return gradient;
    }

    private static void CheckSoftmaxBackward(VectorCase c)
    {
        int n = c.Length;
        GuardedBuffer y = c.UnitBuffer(0), g = c.Buffer(1);
        float[] y0 = y.ToArray(), g0 = g.ToArray();

        Activation.SoftmaxBackward(y.ReadOnly, g.Span);

        double dot = 0, condition = 0;
        for (int j = 0; j < n; j++)
        {
            dot += (double)g0[j] * y0[j];
            condition += Math.Abs((double)g0[j] * y0[j]);
        }
        for (int k = 0; k < n; k++)
        {
            double expected = y0[k] * (g0[k] - dot);
            // dot: γ_n Σ|g_j y_j|; then g_k - dot and the product with y_k, one rounding each:
            // |error| <= |y_k| γ_(n+2) (Σ|g_j y_j| + |g_k|).
            double bound = Tolerance.Sum(n + 2, Math.Abs(y0[k]) * (condition + Math.Abs(g0[k])));
            Tolerance.AssertWithin(expected, g[k], bound, () => $"{c}: gradient[{k}]");
        }
        g.AssertGuardsIntact("gradient");
        y.AssertUnchanged(y0, "output");
    }

    // ------------------------------------------------------------------ shared

    public static TheoryData<int> SweepLengths() => new(Generators.SweepLengths);

    /// <summary>Applies <paramref name="kernel"/> to the case's net values (in place, or into a poisoned
    /// destination) and compares every element with <paramref name="reference"/> in double, within
    /// <paramref name="ulps"/> ulp plus <paramref name="roundings"/> roundings of the expected value, plus <paramref name="absolute"/>.</summary>
    private static void CheckFunction(VectorCase c, bool inPlace, SpanAction kernel, Func<double, double> reference, int ulps, int roundings = 0, double absolute = 0)
    {
        GuardedBuffer net = c.Buffer(0);
        float[] net0 = net.ToArray();
        GuardedBuffer output = inPlace ? net : new GuardedBuffer(c.Length, misalignment: c.Length % 16).Poison();

        kernel(net.ReadOnly, output.Span);

        for (int i = 0; i < c.Length; i++)
        {
            double expected = reference(net0[i]);
            double bound = (ulps > 0 ? Tolerance.Ulps(ulps, expected) : Tolerance.Sum(roundings, Math.Abs(expected))) + absolute;
            Tolerance.AssertWithin(expected, output[i], bound, () => $"{c}{(inPlace ? " in place" : "")}: output[{i}] for net {net0[i]:R}");
        }
        output.AssertGuardsIntact("output");
        if (!inPlace) net.AssertUnchanged(net0, "net");
    }

    private delegate void SpanAction(ReadOnlySpan<float> net, Span<float> output);
}
