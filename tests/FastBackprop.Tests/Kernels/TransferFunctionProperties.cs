using FastBackprop.Tests.Support;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Kernels;

// ---------------------------------------------------------------------------------------------
// The transfer functions with Kernels/Transfer operators (ELU, SELU, softplus, GELU both forms,
// SiLU, softsign, hard tanh, Elliott, Gaussian, sine), through their float paths (Activate, then
// MultiplyByDerivative with Activate's own outputs, as a layer runs them), against their double
// Function and Derivative (the reference ReferenceBackprop uses).
//
// BOUNDS. Derived in each operator's file comment from the functions' own bounds (expm1, log1p, exp,
// erf, tanh, sin, cos within 1 ulp, or 0.8; logistic 1.5 ulp; a float ulp is at most 2u |v|, u =
// 2^-24) and one u per rounding; here they are written out per function. Where a formula cancels
// (1 + erf, 1 + tanh for negative x, 1 - t^2 near |t| = 1) the bound is absolute, in |x| u, as the
// comment derives. The floor is the smallest normal float, as for the other transcendental tests.
// ---------------------------------------------------------------------------------------------

/// <summary>The operator-backed transfer functions against their double references.</summary>
[Properties(Arbitrary = [typeof(Generators)], MaxTest = 100)]
public class TransferFunctionProperties
{
    private const double U = Tolerance.FloatUnitRoundoff;
    private const double Floor = Tolerance.SmallestNormal;

    /// <summary>One function with its derived bounds: forward (x, f(x)) and derivative (x, f, f', delta).</summary>
    public sealed record Spec(string Name, ElementwiseTransferFunction Function, Func<double, double, double> ForwardBound,
        Func<double, double, double, double, double> DerivativeBound)
    {
        public override string ToString() => Name;
    }

    private static ElementwiseTransferFunction Named(string name) => (ElementwiseTransferFunction)TransferFunction.FromName(name);

    /// <summary>Every function under test, with its bounds.</summary>
    public static Spec[] All { get; } =
    [
        // ELU / SELU: forward expm1 (2u) + product (u) + SELU's constant (u); f' = y + scale α: y's error, the sum and the
        // product (and the constant's rounding) relative to f'.
        Elu("elu(1)"), Elu("elu(0.3)"), Elu("elu(2.5)"), Elu("selu"),
        // softplus: exp's 2u attenuated + log1p's 2u; f' = σ (3u) times delta (u).
        new("softplus", Named("softplus"), (x, f) => 4.01 * U * Math.Abs(f) + Floor, (x, f, fp, d) => 4.01 * U * Math.Abs(d * fp) + Floor),
        new("gelu", Named("gelu"), GeluForward, GeluDerivative),
        new("gelu-tanh", Named("gelu-tanh"), GeluTanhForward, GeluTanhDerivative),
        // SiLU: σ 3u + product u; f' as Silu.cs derives: |x| σ (3u σ + u) absolute, and 6u relative.
        new("silu", Named("silu"), (x, f) => 4.01 * U * Math.Abs(f) + Floor,
            (x, f, fp, d) => Math.Abs(d) * (Sigmoid(x) * Math.Abs(x) * (3 * U * Sigmoid(x) + U) + 6.01 * U * Math.Abs(fp)) + Floor),
        // softsign and Elliott: γ_2 forward, γ_4 for delta / d / d.
        new("softsign", Named("softsign"), (x, f) => Tolerance.Sum(2, Math.Abs(f)), (x, f, fp, d) => Tolerance.Sum(4, Math.Abs(d * fp)) + Floor),
        new("elliott", Named("elliott"), (x, f) => Tolerance.Sum(2, Math.Abs(f)), (x, f, fp, d) => Tolerance.Sum(4, Math.Abs(d * fp)) + Floor),
        // hard tanh: selects only.
        new("hard-tanh", Named("hard-tanh"), (x, f) => 0, (x, f, fp, d) => 0),
        // Gaussian: exp (2u) + the correcting fma (u); f' = (x y)(-2) delta: y's 3u and two roundings.
        new("gaussian", Named("gaussian"), (x, f) => 3.01 * U * Math.Abs(f) + Floor, (x, f, fp, d) => 5.02 * U * Math.Abs(d * fp) + Floor),
        // sine: 0.8 ulp = 1.6u; f' cos (1.6u) and the product (u).
        new("sin", Named("sin"), (x, f) => 1.6 * U * Math.Abs(f) + Floor, (x, f, fp, d) => 2.61 * U * Math.Abs(d * fp) + Floor),
    ];

    private static Spec Elu(string name) => new(name, Named(name), (x, f) => 4.01 * U * Math.Abs(f) + Floor,
        (x, f, fp, d) => Math.Abs(d) * (4.01 * U * Math.Abs(f) + 3.01 * U * Math.Abs(fp)) + Floor);

    // GELU (exact): t = x/√2 off by 1.3u moves erf by 0.62u; erf's ulp (2u |erf|); 1 + erf rounds; the product with x/2.
    private static double GeluForward(double x, double f)
    {
        double e = 2 * ReferenceMath.NormalCdf(x) - 1;
        return 0.5 * Math.Abs(x) * (0.63 * U + 2 * U * Math.Abs(e) + U * Math.Abs(1 + e)) + 1.01 * U * Math.Abs(f) + Floor;
    }

    // f' = Φ + x φ: Φ as the forward's bracket; x φ off by (x^2/2 + 3.5) u relative (x^2's rounding in the exponent, exp's
    // ulp, the rounded 1/√(2π) and the product); the fma and the product with delta one u each.
    private static double GeluDerivative(double x, double f, double fp, double d)
    {
        double e = 2 * ReferenceMath.NormalCdf(x) - 1, xphi = Math.Abs(x * ReferenceMath.NormalDensity(x));
        double tail = xphi == 0 ? 0 : xphi * (0.5 * x * x + 3.5) * U;   // (0 · inf where x^2 overflows)
        return Math.Abs(d) * (0.5 * (0.63 * U + 2 * U * Math.Abs(e) + U * Math.Abs(1 + e)) + tail + 2.01 * U * Math.Abs(fp)) + Floor;
    }

    // GELU (tanh): the inner argument off by 5.1u moves t by 0.449 · 5.1u = 2.3u; tanh's ulp 2u |t|; 1 + t rounds.
    private static double TanhError(double x) => 2.3 * U + 2 * U * Math.Abs(GeluTanhT(x));

    private static double GeluTanhT(double x) => Math.Tanh(0.79788456080286535588 * (x + 0.044715 * x * x * x));

    private static double GeluTanhForward(double x, double f) =>
        0.5 * Math.Abs(x) * (TanhError(x) + U * Math.Abs(1 + GeluTanhT(x))) + 1.01 * U * Math.Abs(f) + Floor;

    // f' = (1 + t)/2 + (x/2)(1 - t)(1 + t) β (1 + 3κ x^2): t's error E reaches (1 - t)(1 + t) as at most 2E (plus its
    // three roundings), times |x|/2 and the slope; the slope's own 5u and two more roundings; the fma and delta.
    private static double GeluTanhDerivative(double x, double f, double fp, double d)
    {
        double t = GeluTanhT(x), slope = 0.79788456080286535588 * (1 + 3 * 0.044715 * x * x), sech2 = (1 - t) * (1 + t);
        double left = 0.5 * (TanhError(x) + U * Math.Abs(1 + t));
        double right = 0.5 * Math.Abs(x) * slope * (2 * TanhError(x) + 3 * U * sech2) + 0.5 * Math.Abs(x) * sech2 * slope * 7 * U;
        return Math.Abs(d) * (left + right + 2.01 * U * Math.Abs(fp)) + Floor;
    }

    private static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));

    public static TheoryData<int> SweepLengths() => new(Generators.SweepLengths);

    public static TheoryData<string> Names() => new(All.Select(s => s.Name));

    [Property]
    public void EveryFunction_MatchesReference_RandomShapes(VectorCase c)
    {
        foreach (Spec s in All) Check(s, c, inPlace: false);
    }

    [Property]
    public void EveryFunction_MatchesReference_InPlace(VectorCase c)
    {
        foreach (Spec s in All) Check(s, c, inPlace: true);
    }

    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void EveryFunction_MatchesReference_EveryLength(int n)
    {
        foreach (Spec s in All) Check(s, new VectorCase(n, (ulong)(52000 + n), 8f, 0f), inPlace: false);
    }

    /// <summary>Where the formulas are delicate: around 0, the kinks, the threshold, the caps, the tails.</summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void Function_MatchesReference_SpecialPoints(string name)
    {
        Spec s = All.Single(x => x.Name == name);
        float[] net = [0f, -0f, 1e-30f, -1e-30f, 1e-7f, -1e-7f, 1f, -1f, 0.99999994f, -0.99999994f, 1.0000001f, -1.0000001f, 9.99f, 10.01f, -10.01f,
            19.99f, 20f, 20.01f, -20.01f, 17.5f, -17.5f, 87f, -87f, 88.5f, -88.5f, 104f, -104f, 3.1415927f, 1e6f, -1e6f, 1e19f, -1e19f, 3e38f, -3e38f];
        CheckValues(s, net, [.. Enumerable.Range(0, net.Length).Select(i => i % 3 == 0 ? 1f : -0.75f)], "special points");
    }

    /// <summary>Finite net sums give finite outputs (where the exact value is) and derivatives (no inf · 0 at the caps), and NaN stays NaN forward.</summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void Function_FiniteForFiniteNet_NaNStaysNaN(string name)
    {
        ElementwiseTransferFunction f = All.Single(x => x.Name == name).Function;
        float[] net = [float.MaxValue, -float.MaxValue, 1e30f, -1e30f, 1e19f, -1e19f, 2e19f, -2e19f, float.Epsilon, -float.Epsilon, 0f, float.NaN, 5f, -5f, 50f, -50f, 0.5f];
        float[] y = new float[net.Length], delta = new float[net.Length];
        f.Activate(net, y);
        Array.Fill(delta, 1f);
        f.MultiplyByDerivative(net, y, delta);
        for (int i = 0; i < net.Length - 6; i++)
        {
            if (float.IsNaN(net[i])) continue;
            // Finite wherever the exact value is (SELU's 1.0507 x overflows near float.MaxValue, correctly).
            Assert.True(float.IsFinite(y[i]) || !float.IsFinite((float)f.Function(net[i])), $"{name}({net[i]:R}) = {y[i]:R}");
            Assert.True(float.IsFinite(delta[i]), $"{name}'({net[i]:R}) = {delta[i]:R}");
        }
        Assert.True(float.IsNaN(y[11]), $"{name}(NaN) = {y[11]:R}");
    }

    [Fact]
    public void ReferenceMath_MatchesKnownValues()
    {
        // Φ from the tables (40-digit values rounded), relative to the result also in the lower tail.
        (double X, double Phi)[] table = [(-10, 7.6198530241604696e-24), (-5, 2.8665157187919333e-07), (-3, 1.3498980316300946e-3),
            (-1.5, 0.066807201268858057), (0, 0.5), (1, 0.84134474606854293), (2.5, 0.99379033467422384)];
        foreach ((double x, double phi) in table) Assert.True(Math.Abs(ReferenceMath.NormalCdf(x) - phi) <= 1e-13 * phi, $"Φ({x}) = {ReferenceMath.NormalCdf(x):R}, expected {phi:R}");
        Assert.Equal(1.00000000005e-10, ReferenceMath.ExpM1(1e-10), 1e-24);
        Assert.Equal(-0.63212055882855767, ReferenceMath.ExpM1(-1), 1e-16);
        Assert.Equal(9.9999999995e-11, ReferenceMath.LogOnePlus(1e-10), 1e-24);
        Assert.Equal(0.69314718055994531, ReferenceMath.LogOnePlus(1), 1e-16);
    }

    [Fact]
    public void Selu_UsesPyTorchsConstants()
    {
        var selu = (ElementwiseTransferFunction)TransferFunction.Selu;
        Assert.Equal(1.0507009873554804934193349852946, selu.Function(1), 15);
        Assert.Equal(1.0507009873554804934193349852946 * 1.6732632423543772848170429916717 * (Math.Exp(-1) - 1), selu.Function(-1), 15);
    }

    private static void Check(Spec s, VectorCase c, bool inPlace)
    {
        GuardedBuffer net = c.Buffer(0), delta = c.Buffer(1);
        float[] net0 = net.ToArray(), delta0 = delta.ToArray();
        GuardedBuffer output = inPlace ? net : new GuardedBuffer(c.Length, misalignment: c.Length % 16).Poison();
        s.Function.Activate(net.ReadOnly, output.Span);
        float[] y = output.ToArray();
        for (int i = 0; i < c.Length; i++)
        {
            double expected = s.Function.Function(net0[i]);
            Tolerance.AssertWithin(expected, y[i], s.ForwardBound(net0[i], expected), () => $"{s} {c}{(inPlace ? " in place" : "")}: f({net0[i]:R})");
        }
        output.AssertGuardsIntact("output");
        if (inPlace) return;
        net.AssertUnchanged(net0, "net");
        s.Function.MultiplyByDerivative(net.ReadOnly, output.ReadOnly, delta.Span);
        for (int i = 0; i < c.Length; i++)
        {
            double fp = s.Function.Derivative(net0[i]), expected = delta0[i] * fp;
            Tolerance.AssertWithin(expected, delta[i], s.DerivativeBound(net0[i], s.Function.Function(net0[i]), fp, delta0[i]),
                () => $"{s} {c}: delta {delta0[i]:R} f'({net0[i]:R})");
        }
        delta.AssertGuardsIntact("delta");
    }

    private static void CheckValues(Spec s, float[] net, float[] delta0, string what)
    {
        float[] y = new float[net.Length], delta = (float[])delta0.Clone();
        s.Function.Activate(net, y);
        s.Function.MultiplyByDerivative(net, y, delta);
        for (int i = 0; i < net.Length; i++)
        {
            double f = s.Function.Function(net[i]), fp = s.Function.Derivative(net[i]);
            Tolerance.AssertWithin(f, y[i], s.ForwardBound(net[i], f), () => $"{s} {what}: f({net[i]:R})");
            Tolerance.AssertWithin(delta0[i] * fp, delta[i], s.DerivativeBound(net[i], f, fp, delta0[i]), () => $"{s} {what}: delta {delta0[i]:R} f'({net[i]:R})");
        }
    }
}
