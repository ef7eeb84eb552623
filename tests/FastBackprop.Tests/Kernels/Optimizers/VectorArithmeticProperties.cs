using FastBackprop.Kernels.Optimizers;
using FastBackprop.Tests.Training;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Kernels.Optimizers;

/// <summary><see cref="VectorArithmetic"/> against the operations in double: y + a x within two roundings of its terms (one
/// when fused), a x within one, at every length (every tail) and without writing outside the span.</summary>
[Properties(Arbitrary = [typeof(OptimizerGenerators)], MaxTest = 200)]
public class VectorArithmeticProperties
{
    private const double U = 1.0 / (1 << 24);

    [Property]
    public void VectorArithmetic_MatchesReference_RandomCases(OptimizerCase c)
    {
        var random = new SeededRandom(c.Seed);
        int n = c.Length;
        var y = new CanaryBuffer(n);
        float[] x = new float[n];
        OptimizerProperties.Fill(random, y.Span, 3f);
        OptimizerProperties.Fill(random, x, c.RandomStart ? 1e-3f : 10f);
        float a = random.NextSymmetric(4f);
        float[] y0 = y.Span.ToArray();

        VectorArithmetic.AddScaled(y.Span, x, a);
        for (int i = 0; i < n; i++)
        {
            double expected = y0[i] + (double)a * x[i];
            double bound = 2 * U * (Math.Abs(y0[i]) + Math.Abs(a * (double)x[i])) + 1e-44;
            Assert.True(Math.Abs(y.Span[i] - expected) <= bound, $"{c}: AddScaled [{i}] = {y.Span[i]:R}, expected {expected:R}.");
        }
        y.AssertCanariesIntact("y");

        float[] scaled = y.Span.ToArray();
        VectorArithmetic.Scale(y.Span, a);
        for (int i = 0; i < n; i++) Assert.Equal(scaled[i] * a, y.Span[i]);   // one correctly rounded product: exact
        y.AssertCanariesIntact("y after Scale");

        float[] point = new float[n];
        VectorArithmetic.Step(point, y0, a, x);
        for (int i = 0; i < n; i++)
        {
            double expected = y0[i] + (double)a * x[i];
            Assert.True(Math.Abs(point[i] - expected) <= 2 * U * (Math.Abs(y0[i]) + Math.Abs(a * (double)x[i])) + 1e-44, $"{c}: Step [{i}].");
        }
    }
}
