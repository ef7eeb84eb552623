using FastBackprop.Kernels;
using FastBackprop.Tests.Support;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Kernels;

/// <summary><see cref="OutputDelta"/>: losses against double evaluations of their definitions, and the
/// deltas against the single float subtraction they are defined as (bit for bit).</summary>
[Properties(Arbitrary = [typeof(Generators)], MaxTest = 150)]
public class OutputDeltaProperties
{
    // ------------------------------------------------------------------ half squared error

    [Property]
    public void HalfSquaredError_MatchesReference_RandomShapes(VectorCase c) => CheckHalfSquaredError(c);

    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void HalfSquaredError_MatchesReference_EveryLength(int n) => CheckHalfSquaredError(new VectorCase(n, (ulong)(21000 + n), 1f, 0f));

    [Fact]
    public void HalfSquaredError_Throws_TargetLengthMismatch()
    {
        var e = Assert.Throws<ArgumentException>(() => OutputDelta.HalfSquaredError(new float[3], new float[4], new float[3]));
        Assert.Equal("target", e.ParamName);
    }

    [Fact]
    public void HalfSquaredError_Throws_DEdyLengthMismatch()
    {
        var e = Assert.Throws<ArgumentException>(() => OutputDelta.HalfSquaredError(new float[3], new float[3], new float[2]));
        Assert.Equal("dEdy", e.ParamName);
    }

    /// <summary>E is ½ times the canonical Σ_k (y_k - d_k)² (Lanes16: the same bits at every tier), bit for bit.</summary>
    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void HalfSquaredError_IsTheCanonicalSum_EveryLength(int n)
    {
        foreach (bool hard in new[] { false, true })
        {
            float[] y = Canonical.Operand(n, (ulong)(24000 + n), 0, hard), d = Canonical.Operand(n, (ulong)(24000 + n), 1, hard);
            float[] e = new float[n], dEdy = new float[n];
            for (int k = 0; k < n; k++) e[k] = y[k] - d[k];
            float expected = 0.5f * Canonical.Dot(e, e);
            float actual = OutputDelta.HalfSquaredError(y, d, dEdy);
            Canonical.AssertSameBits([expected], [actual], $"n={n}{(hard ? " hard" : "")}: E");
            Canonical.AssertSameBits(e, dEdy, $"n={n}{(hard ? " hard" : "")}: dEdy");
        }
    }

    private static void CheckHalfSquaredError(VectorCase c)
    {
        int n = c.Length;
        GuardedBuffer output = c.Buffer(0), target = c.Buffer(1);
        float[] o0 = output.ToArray(), t0 = target.ToArray();
        var dEdy = new GuardedBuffer(n, misalignment: n % 16).Poison();

        float e = OutputDelta.HalfSquaredError(output.ReadOnly, target.ReadOnly, dEdy.Span);

        double expected = 0;
        for (int k = 0; k < n; k++)
        {
            Tolerance.AssertExact(o0[k] - t0[k], dEdy[k], () => $"{c}: dEdy[{k}]");
            double d = (double)o0[k] - t0[k];
            expected += 0.5 * d * d;
        }
        // Each d_k carries one rounding, doubled by squaring (2), one for the square, then a sum of n
        // non-negative terms (n - 1): all terms positive, so the condition is E itself: γ_(n+2) E.
        Tolerance.AssertWithin(expected, e, Tolerance.Sum(n + 2, expected), () => $"{c}: E");
        dEdy.AssertGuardsIntact("dEdy");
        output.AssertUnchanged(o0, "output");
        target.AssertUnchanged(t0, "target");
    }

    // ------------------------------------------------------------------ softmax cross-entropy

    [Property]
    public void SoftmaxCrossEntropy_MatchesReference_RandomShapes(VectorCase c) => CheckSoftmaxCrossEntropy(c);

    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void SoftmaxCrossEntropy_MatchesReference_EveryLength(int n)
    {
        if (n == 0) return; // no outputs, no softmax
        CheckSoftmaxCrossEntropy(new VectorCase(n, (ulong)(22000 + n), 20f, 0f));
    }

    [Fact]
    public void SoftmaxCrossEntropy_Throws_LengthMismatch() =>
        AssertCrossEntropyThrows(OutputDelta.SoftmaxCrossEntropy);

    // Found by the property on the Vector128 tier: nets near ±20 with a loss of 1e-7. The kernel
    // subtracted the maximum in float, which costs ~|net| ulps of such a small loss.
    [Fact]
    public void SoftmaxCrossEntropy_MatchesReference_TinyLossFromLargeNets() =>
        CheckSoftmaxCrossEntropy(new VectorCase(2, 2482510124061683635, 20f, 0.01f));

    private static void CheckSoftmaxCrossEntropy(VectorCase c)
    {
        int n = c.Length;
        GuardedBuffer net = c.Buffer(0), output = c.UnitBuffer(1), target = c.UnitBuffer(2);
        float[] net0 = net.ToArray(), o0 = output.ToArray(), t0 = target.ToArray();
        var delta = new GuardedBuffer(n, misalignment: n % 16).Poison();

        float e = OutputDelta.SoftmaxCrossEntropy(net.ReadOnly, output.ReadOnly, target.ReadOnly, delta.Span);

        double max = net0.Max(), sum = 0;
        foreach (float x in net0) sum += Math.Exp(x - max);
        double logSum = max + Math.Log(sum);
        double expected = 0, condition = 0;
        for (int k = 0; k < n; k++)
        {
            Tolerance.AssertExact(o0[k] - t0[k], delta[k], () => $"{c}: delta[{k}]");
            double term = -t0[k] * (net0[k] - logSum); // >= 0: t >= 0 and net_k <= log Σ e^net
            expected += term;
            condition += Math.Abs(term) + Math.Abs(t0[k] * (double)logSum);
        }
        // Evaluated in double and rounded once to float: one float rounding, and double roundings of
        // the log-sum-exp and the n-term sum (n + 4), relative to Σ|t_k net_k| + Σ|t_k lse|.
        Tolerance.AssertWithin(expected, e, Tolerance.Sum(1, expected, n + 4) + Tolerance.Sum(0, condition, n + 4), () => $"{c}: E");
        delta.AssertGuardsIntact("delta");
        net.AssertUnchanged(net0, "net");
    }

    // ------------------------------------------------------------------ logistic cross-entropy

    [Property]
    public void LogisticCrossEntropy_MatchesReference_RandomShapes(VectorCase c) => CheckLogisticCrossEntropy(c);

    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void LogisticCrossEntropy_MatchesReference_EveryLength(int n) => CheckLogisticCrossEntropy(new VectorCase(n, (ulong)(23000 + n), 20f, 0f));

    [Fact]
    public void LogisticCrossEntropy_Throws_LengthMismatch() =>
        AssertCrossEntropyThrows(OutputDelta.LogisticCrossEntropy);

    private static void CheckLogisticCrossEntropy(VectorCase c)
    {
        int n = c.Length;
        GuardedBuffer net = c.Buffer(0), output = c.UnitBuffer(1), target = c.UnitBuffer(2);
        float[] net0 = net.ToArray(), o0 = output.ToArray(), t0 = target.ToArray();
        var delta = new GuardedBuffer(n, misalignment: n % 16).Poison();

        float e = OutputDelta.LogisticCrossEntropy(net.ReadOnly, output.ReadOnly, target.ReadOnly, delta.Span);

        double expected = 0, condition = 0;
        for (int k = 0; k < n; k++)
        {
            Tolerance.AssertExact(o0[k] - t0[k], delta[k], () => $"{c}: delta[{k}]");
            // -[t ln σ(x) + (1 - t) ln(1 - σ(x))] = softplus(x) - t x, written without cancellation.
            double x = net0[k];
            double softplus = x > 0 ? x + Math.Log(1 + Math.Exp(-x)) : Math.Log(1 + Math.Exp(x));
            expected += softplus - t0[k] * x;
            condition += softplus + Math.Abs(t0[k] * x);
        }
        Tolerance.AssertWithin(expected, e, Tolerance.Sum(1, expected, n + 4) + Tolerance.Sum(0, condition, n + 4), () => $"{c}: E");
        delta.AssertGuardsIntact("delta");
        net.AssertUnchanged(net0, "net");
    }

    // ------------------------------------------------------------------ shared

    public static TheoryData<int> SweepLengths() => new(Generators.SweepLengths);

    private delegate float CrossEntropy(ReadOnlySpan<float> net, ReadOnlySpan<float> output, ReadOnlySpan<float> target, Span<float> delta);

    private static void AssertCrossEntropyThrows(CrossEntropy loss)
    {
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => loss(new float[3], new float[2], new float[3], new float[3])).ParamName);
        Assert.Equal("target", Assert.Throws<ArgumentException>(() => loss(new float[3], new float[3], new float[4], new float[3])).ParamName);
        Assert.Equal("delta", Assert.Throws<ArgumentException>(() => loss(new float[3], new float[3], new float[3], new float[2])).ParamName);
    }
}
