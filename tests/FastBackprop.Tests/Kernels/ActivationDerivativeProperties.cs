using FastBackprop.Kernels;
using FastBackprop.Tests.Support;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Kernels;

/// <summary><see cref="ActivationDerivative"/>: delta ⊙ f' in place, against the products in double.</summary>
[Properties(Arbitrary = [typeof(Generators)], MaxTest = 150)]
public class ActivationDerivativeProperties
{
    // ------------------------------------------------------------------ logistic: delta *= y (1 - y)

    [Property]
    public void Logistic_MatchesReference_RandomShapes(VectorCase c) => CheckLogistic(c, realisticOutputs: false);

    [Property]
    public void Logistic_MatchesReference_OutputsInUnitInterval(VectorCase c) => CheckLogistic(c, realisticOutputs: true);

    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void Logistic_MatchesReference_EveryLength(int n) => CheckLogistic(new VectorCase(n, (ulong)(11000 + n), 1f, 0f), realisticOutputs: true);

    [Fact]
    public void Logistic_Throws_DeltaLengthMismatch()
    {
        var e = Assert.Throws<ArgumentException>(() => ActivationDerivative.Logistic(new float[5], new float[4]));
        Assert.Equal("delta", e.ParamName);
    }

    // fl(1 - y), fl(y · that), fl(delta · that): three roundings, each relative to an exact
    // intermediate, so γ_3 |delta y (1 - y)|.
    private static void CheckLogistic(VectorCase c, bool realisticOutputs) =>
        Check(c, realisticOutputs, (y, _, d) => ActivationDerivative.Logistic(y, d),
            (y, _, d) => d * y * (1.0 - y), (y, _, d) => Tolerance.Sum(3, Math.Abs(d * y * (1.0 - y))));

    // ------------------------------------------------------------------ tanh: delta *= 1 - y²

    [Property]
    public void Tanh_MatchesReference_RandomShapes(VectorCase c) => CheckTanh(c, realisticOutputs: false);

    [Property]
    public void Tanh_MatchesReference_OutputsInUnitInterval(VectorCase c) => CheckTanh(c, realisticOutputs: true);

    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void Tanh_MatchesReference_EveryLength(int n) => CheckTanh(new VectorCase(n, (ulong)(12000 + n), 1f, 0f), realisticOutputs: true);

    [Fact]
    public void Tanh_Throws_DeltaLengthMismatch()
    {
        var e = Assert.Throws<ArgumentException>(() => ActivationDerivative.Tanh(new float[5], new float[6]));
        Assert.Equal("delta", e.ParamName);
    }

    // fl(y²) is off by u y², which the subtraction 1 - y² does not shrink (cancellation near |y| = 1):
    // the condition of 1 - y² as a sum is 1 + y²; then two more roundings: γ_3 |delta| (1 + y²).
    private static void CheckTanh(VectorCase c, bool realisticOutputs) =>
        Check(c, realisticOutputs, (y, _, d) => ActivationDerivative.Tanh(y, d),
            (y, _, d) => d * (1.0 - y * y), (y, _, d) => Tolerance.Sum(3, Math.Abs(d) * (1.0 + y * y)));

    // ------------------------------------------------------------------ rectifier: delta *= net > 0 ? 1 : slope

    [Property]
    public void Rectifier_MatchesReference_RandomShapes(VectorCase c) => CheckRectifier(c);

    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void Rectifier_MatchesReference_EveryLength(int n)
    {
        foreach (float slope in new[] { 0f, 0.01f, 0.5f })
        {
            CheckRectifier(new VectorCase(n, (ulong)(13000 + n), 1f, slope));
        }
    }

    [Fact]
    public void Rectifier_MatchesReference_ZeroAndNaNNetTakeTheSlope()
    {
        // The left derivative at 0 (the generator's exact zeros hit this too), and NaN compares false.
        float[] net = new float[21];
        net[3] = float.NaN;
        net[20] = float.NaN;
        net[5] = float.NegativeZero;
        net[7] = 1f;
        float[] delta = new float[21];
        Array.Fill(delta, 2f);
        ActivationDerivative.Rectifier(net, 0.25f, delta);
        for (int i = 0; i < net.Length; i++) Assert.Equal(i == 7 ? 2f : 0.5f, delta[i]);
    }

    [Fact]
    public void Rectifier_Throws_DeltaLengthMismatch()
    {
        var e = Assert.Throws<ArgumentException>(() => ActivationDerivative.Rectifier(new float[5], 0f, new float[4]));
        Assert.Equal("delta", e.ParamName);
    }

    private static void CheckRectifier(VectorCase c)
    {
        float slope = c.Slope;
        // Exact on the positive side, one multiplication otherwise.
        Check(c, realisticOutputs: false, (net, _, d) => ActivationDerivative.Rectifier(net, slope, d),
            (net, _, d) => net > 0 ? d : slope * d, (net, _, d) => Tolerance.Sum(1, Math.Abs(slope * d)));
    }

    // ------------------------------------------------------------------ shared

    public static TheoryData<int> SweepLengths() => new(Generators.SweepLengths);

    private delegate void Kernel(ReadOnlySpan<float> first, ReadOnlySpan<float> unused, Span<float> delta);

    /// <summary>Runs the kernel on the case's first operand (outputs, or net sums for the rectifier;
    /// in [0, 1) if <paramref name="realisticOutputs"/>) and deltas, and checks every element.</summary>
    private static void Check(VectorCase c, bool realisticOutputs, Kernel kernel, Func<double, double, double, double> reference, Func<double, double, double, double> bound)
    {
        GuardedBuffer first = realisticOutputs ? c.UnitBuffer(0) : c.Buffer(0);
        GuardedBuffer delta = c.Buffer(1);
        float[] first0 = first.ToArray(), delta0 = delta.ToArray();

        kernel(first.ReadOnly, default, delta.Span);

        for (int i = 0; i < c.Length; i++)
        {
            double expected = reference(first0[i], 0, delta0[i]);
            Tolerance.AssertWithin(expected, delta[i], bound(first0[i], 0, delta0[i]), () => $"{c}: delta[{i}] (operand {first0[i]:R}, delta {delta0[i]:R})");
        }
        delta.AssertGuardsIntact("delta");
        first.AssertUnchanged(first0, "operand");
    }
}
