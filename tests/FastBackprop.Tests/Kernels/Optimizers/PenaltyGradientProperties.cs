using FastBackprop.Kernels.Optimizers;
using FastBackprop.Tests.Training;
using FastBackprop.Training;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Kernels.Optimizers;

/// <summary><see cref="PenaltyGradient"/> against its equation written one scalar at a time,
/// <c>g' = fma(l2, w, g) + l1 · sign(w)</c> with sign(0) = 0, bit for bit (every operation is one correctly rounded IEEE
/// operation, so every tier must agree with it exactly: run under the four tiers), and its L2 line against the
/// optimizers' coupled weight decay.</summary>
[Properties(Arbitrary = [typeof(OptimizerGenerators)], MaxTest = 200)]
public class PenaltyGradientProperties
{
    private static readonly (float L1, float L2)[] Coefficients = [(0f, 0f), (1e-3f, 0f), (0f, 0.01f), (3e-4f, 0.5f), (2f, 1e-5f)];

    [Property]
    public void PenaltyGradient_MatchesReference_RandomCases(OptimizerCase c)
    {
        var random = new SeededRandom(c.Seed);
        foreach ((float l1, float l2) in Coefficients)
        {
            var g = new CanaryBuffer(c.Length);
            float[] w = new float[c.Length];
            OptimizerProperties.Fill(random, g.Span, 1f);
            OptimizerProperties.Fill(random, w, c.RandomStart ? 1e-3f : 30f);
            float[] expected = Reference(g.Span.ToArray(), w, l1, l2);

            PenaltyGradient.Add(g.Span, w, l1, l2);

            OptimizerProperties.AssertBitEqual(expected, g.Span.ToArray(), $"{c}, l1 {l1}, l2 {l2}: g");
            g.AssertCanariesIntact("gradient");
        }
    }

    [Theory]
    [MemberData(nameof(GradientClippingProperties.SweepLengths), MemberType = typeof(GradientClippingProperties))]
    public void PenaltyGradient_MatchesReference_EveryLength(int n)
    {
        var random = new SeededRandom((ulong)(7100 + n));
        float[] g = new float[n], w = new float[n];
        OptimizerProperties.Fill(random, g, 2f);
        OptimizerProperties.Fill(random, w, 2f);
        float[] expected = Reference(g, w, 0.125f, 0.3f);
        PenaltyGradient.Add(g, w, 0.125f, 0.3f);
        OptimizerProperties.AssertBitEqual(expected, g, $"n {n}: g");
    }

    /// <summary>sign(±0) = 0 and sign(NaN) = 0 for the L1 term; the L2 term carries a NaN weight into the gradient.</summary>
    [Fact]
    public void PenaltyGradient_SignOfZeroIsZero()
    {
        float[] w = [0f, -0f, 2f, -3f, float.NaN], g = [1f, 1f, 1f, 1f, 1f];
        PenaltyGradient.Add(g, w, 0.5f, 0f);
        Assert.Equal([1f, 1f, 1.5f, 0.5f, 1f], g);
        PenaltyGradient.Add(g, w, 0f, 1f);
        Assert.True(float.IsNaN(g[4]));
    }

    /// <summary>The L2 line over the whole buffer, then the optimizer without decay, is the same step as the optimizer with
    /// weightDecay = lambda2 (the same fused multiply-add), to the bit, for the coupled rules.</summary>
    [Property(MaxTest = 50)]
    public void PenaltyGradient_L2ThenOptimizer_EqualsWeightDecay(OptimizerCase c)
    {
        const float lambda = 0.02f;
        var random = new SeededRandom(c.Seed);
        int n = c.Length;
        foreach (string kind in new[] { "sgd", "momentum", "adam", "rmsprop" })
        {
            Optimizer decayed = Create(kind, n, lambda), penalised = Create(kind, n, 0f);
            float[] w1 = new float[n], g = new float[n];
            OptimizerProperties.Fill(random, w1, 1f);
            float[] w2 = (float[])w1.Clone(), g2 = new float[n];
            for (int step = 0; step < c.Steps; step++)
            {
                OptimizerProperties.Fill(random, g, 1f);
                g.CopyTo(g2, 0);
                decayed.Step(w1, g, 0.05f);
                PenaltyGradient.Add(g2, w2, 0f, lambda);
                penalised.Step(w2, g2, 0.05f);
            }
            OptimizerProperties.AssertBitEqual(w1, w2, $"{c}, {kind}: w");
        }
    }

    [Fact]
    public void PenaltyGradient_Throws_ForLengthMismatch()
    {
        var e = Assert.Throws<ArgumentException>(() => PenaltyGradient.Add(new float[3], new float[4], 1f, 1f));
        Assert.Equal("weights", e.ParamName);
    }

    /// <summary>The penalty's value, l1 Σ|w| + l2/2 Σ w², against the sums in double.</summary>
    [Property(MaxTest = 100)]
    public void PenaltyValue_MatchesReference_RandomCases(OptimizerCase c)
    {
        var random = new SeededRandom(c.Seed);
        float[] w = new float[c.Length];
        OptimizerProperties.Fill(random, w, 4f);
        double magnitudes = 0, squares = 0;
        foreach (float v in w)
        {
            magnitudes += Math.Abs(v);
            squares += (double)v * v;
        }
        double expected = (0.01 * magnitudes) + (0.5 * 0.3f * squares);
        double actual = PenaltyGradient.Value(w, 0.01f, 0.3f);
        // Float canonical sums: at most n/16 + 4 roundings of non-negative terms (Higham §3.1), and the scalings.
        double bound = ((c.Length / 16) + 8) * Math.ScaleB(1.0, -24) * expected;
        Assert.True(Math.Abs(actual - expected) <= bound + 1e-30, $"{c}: {actual:R}, reference {expected:R}.");
    }

    internal static float[] Reference(float[] g, float[] w, float l1, float l2)
    {
        float[] result = new float[g.Length];
        for (int i = 0; i < g.Length; i++)
        {
            float r = g[i];
            if (l2 != 0f) r = MathF.FusedMultiplyAdd(l2, w[i], r);            // g + lambda2 w, one rounding
            if (l1 != 0f) r += w[i] > 0 ? l1 : w[i] < 0 ? -l1 : 0f;          // + lambda1 sign(w), sign(0) = 0
            result[i] = r;
        }
        return result;
    }

    private static Optimizer Create(string kind, int n, float decay) => kind switch
    {
        "sgd" => new Sgd(n, weightDecay: decay),
        "momentum" => new Sgd(n, momentum: 0.9f, weightDecay: decay),
        "adam" => new Adam(n, weightDecay: decay),
        _ => new RmsProp(n, weightDecay: decay),
    };
}
