using FastBackprop.Tests.Support;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Kernels;

// ---------------------------------------------------------------------------------------------
// The exponential output function (Poisson's log link) through its float paths against its double
// reference, as TransferFunctionProperties checks the other operator-backed functions (exp has its
// own file: its output and derivative overflow for net above 88.7, which that file's finiteness
// fact rules out). Bounds: Transcendental.Exp within 0.8 ulp (1.6u relative, u = 2^-24); f' = y
// times delta, y's error and one rounding. Every width gives the same bits: TransferOperatorWidthTests.
// ---------------------------------------------------------------------------------------------

/// <summary>exp against its double reference.</summary>
[Properties(Arbitrary = [typeof(Generators)], MaxTest = 100)]
public class ExponentialFunctionProperties
{
    private const double U = Tolerance.FloatUnitRoundoff;
    private static readonly ElementwiseTransferFunction Exp = (ElementwiseTransferFunction)TransferFunction.Exp;

    [Property]
    public void Exp_MatchesReference_RandomShapes(VectorCase c)
    {
        // Net sums in (-80, 80): the normal range of e^x in float, where the relative bound holds.
        float[] net = c.Buffer(0).ToArray().Select(v => v * (80f / Math.Max(c.Amplitude, 1f))).ToArray();
        Check(net, c.Buffer(1).ToArray(), c.ToString());
    }

    [Fact]
    public void Exp_MatchesReference_SpecialPoints()
    {
        float[] net = [0f, -0f, 1e-30f, -1e-30f, 1e-7f, 1f, -1f, 0.6931472f, 10f, -10f, 20f, -20f, 50f, -50f, 80f, -80f, 87f, -87f, 88.5f];
        Check(net, [.. net.Select((_, i) => i % 2 == 0 ? 1f : -0.75f)], "special points");
    }

    [Fact]
    public void Exp_OverflowsAndUnderflowsAsFloatDoes_NaNStaysNaN()
    {
        float[] net = [89f, 1e6f, float.PositiveInfinity, -104f, -1e6f, float.NegativeInfinity, float.NaN], y = new float[net.Length];
        Exp.Activate(net, y);
        Assert.Equal([float.PositiveInfinity, float.PositiveInfinity, float.PositiveInfinity, 0f, 0f, 0f], y[..6]);
        Assert.True(float.IsNaN(y[6]));
        Assert.Equal("exp", TransferFunction.Exp.Name);
        Assert.Same(TransferFunction.Exp, TransferFunction.FromName("exp"));
    }

    private static void Check(float[] net, float[] delta0, string what)
    {
        var y = new float[net.Length];
        Exp.Activate(net, y);
        float[] delta = (float[])delta0.Clone();
        Exp.MultiplyByDerivative(net, y, delta);
        for (int i = 0; i < net.Length; i++)
        {
            double f = Exp.Function(net[i]), expected = delta0[i] * Exp.Derivative(net[i]);
            Tolerance.AssertWithin(f, y[i], 1.6 * U * f + Tolerance.SmallestNormal, () => $"{what}: exp({net[i]:R})");
            Tolerance.AssertWithin(expected, delta[i], 2.61 * U * Math.Abs(expected) + Tolerance.SmallestNormal, () => $"{what}: delta {delta0[i]:R} exp'({net[i]:R})");
        }
    }
}
