using FastBackprop.Kernels.Optimizers;
using FastBackprop.Tests.Support;
using FastBackprop.Tests.Training;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Kernels.Optimizers;

/// <summary><see cref="MaxNormConstraint"/> on random rows x columns blocks: bit for bit against its definition written
/// one scalar at a time (the canonical 16-lane sum of squares, the root and ratio in double, one rounded product per
/// element), so every tier must agree with it (run under the four tiers); against the projection computed in double
/// within the rounding bound; and after it no row is longer than c.</summary>
/// <remarks>Tolerance: the float sum of squares of n terms has relative error at most γ_(n/16+4) (Higham §3.1, all
/// terms non-negative), the norm half of it; the ratio rounds once and each product once: so each element is within
/// (γ_(n/16+4)/2 + 2u)·|w·c/n| of the double projection, and a projected row's exact norm within that of c.</remarks>
[Properties(Arbitrary = [typeof(Generators)], MaxTest = 200)]
public class MaxNormConstraintProperties
{
    private const double U = 1.0 / (1 << 24);

    [Property]
    public void MaxNormConstraint_MatchesReference_RandomShapes(MatrixCase c)
    {
        var random = new SeededRandom(c.Seed);
        int rows = c.Rows, columns = c.Cols;
        var w = new CanaryBuffer(rows * columns);
        OptimizerProperties.Fill(random, w.Span, c.Amplitude);
        float[] w0 = w.Span.ToArray();
        // c around the rows' norms, so that some rows are projected and some are not.
        double typical = ReferenceNorm(w0.AsSpan(0, columns));
        float maxNorm = (float)Math.Max(1e-3, typical * new[] { 0.3, 0.9, 1.1, 5.0 }[random.NextInt32(4)]);

        float[] expected = Emulated(w0, rows, columns, maxNorm);
        int scaled = MaxNormConstraint.Apply(w.Span, rows, columns, maxNorm);

        OptimizerProperties.AssertBitEqual(expected, w.Span.ToArray(), $"{c}, c {maxNorm}: w");
        w.AssertCanariesIntact("weights");
        double relative = (0.5 * Gamma((columns / 16) + 4)) + (3 * U);
        int projected = 0;
        for (int k = 0; k < rows; k++)
        {
            ReadOnlySpan<float> before = w0.AsSpan(k * columns, columns), after = w.Span.Slice(k * columns, columns);
            double norm = ReferenceNorm(before);
            double factor = norm > maxNorm * (1 + relative) ? maxNorm / norm : norm < maxNorm * (1 - relative) ? 1.0 : double.NaN;
            if (double.IsNaN(factor)) continue;   // within rounding of c: either outcome is right
            if (factor < 1) projected++;
            for (int j = 0; j < columns; j++)
            {
                double reference = before[j] * factor;
                Assert.True(Math.Abs(after[j] - reference) <= relative * Math.Abs(reference), $"{c}, c {maxNorm}: row {k}, w[{j}] {after[j]:R}, reference {reference:R}.");
            }
            Assert.True(ReferenceNorm(after) <= maxNorm * (1 + relative), $"{c}: row {k}'s norm {ReferenceNorm(after):R} exceeds c {maxNorm} beyond rounding.");
        }
        Assert.True(scaled >= projected, $"{c}: {scaled} rows scaled, {projected} needed it.");
    }

    /// <summary>Every row length of the sweep (every tail of 4, 8 and 16 lanes), three rows, bit for bit.</summary>
    [Theory]
    [MemberData(nameof(GradientClippingProperties.SweepLengths), MemberType = typeof(GradientClippingProperties))]
    public void MaxNormConstraint_MatchesReference_EveryRowLength(int columns)
    {
        var random = new SeededRandom((ulong)(9100 + columns));
        float[] w = new float[3 * columns];
        OptimizerProperties.Fill(random, w, 3f);
        float[] expected = Emulated(w, 3, columns, 1.5f);
        MaxNormConstraint.Apply(w, 3, columns, 1.5f);
        OptimizerProperties.AssertBitEqual(expected, w, $"columns {columns}: w");
    }

    /// <summary>A row under c is not touched (Keras's epsilon form would move it); a row of non-finite weights is left for the
    /// trainer's finiteness check; a row whose squares overflow float is still projected (its norm summed in double).</summary>
    [Fact]
    public void MaxNormConstraint_EdgeRows()
    {
        float[] w = [0.6f, 0.8f, 3f, 4f, float.NaN, 1f, 3e19f, 4e19f];
        MaxNormConstraint.Apply(w, 4, 2, 1f);
        Assert.Equal(0.6f, w[0]);
        Assert.Equal(0.8f, w[1]);
        Assert.Equal(0.6f, w[2], 6);
        Assert.Equal(0.8f, w[3], 6);
        Assert.True(float.IsNaN(w[4]) && w[5] == 1f);
        Assert.Equal(0.6f, w[6], 6);
        Assert.Equal(0.8f, w[7], 6);
    }

    [Fact]
    public void MaxNormConstraint_Throws_ForWrongLength()
    {
        var e = Assert.Throws<ArgumentException>(() => MaxNormConstraint.Apply(new float[5], 2, 3, 1f));
        Assert.Equal("weights", e.ParamName);
    }

    // The kernel's definition, one scalar at a time: the canonical sum of squares (16 lanes from +0, fused multiply-adds,
    // the fixed tree), sqrt and c / norm in double, the ratio rounded to float, one product per element.
    private static float[] Emulated(float[] w, int rows, int columns, float maxNorm)
    {
        float[] result = (float[])w.Clone();
        for (int k = 0; k < rows; k++)
        {
            Span<float> row = result.AsSpan(k * columns, columns);
            float sum = Canonical.Dot(row, row);
            double norm = float.IsPositiveInfinity(sum) ? DoubleNorm(row) : Math.Sqrt(sum);
            if (!(double.IsFinite(norm) && norm > maxNorm)) continue;
            float scale = (float)(maxNorm / norm);
            for (int j = 0; j < columns; j++) row[j] *= scale;
        }
        return result;
    }

    private static double DoubleNorm(ReadOnlySpan<float> row)
    {
        double sum = 0;
        foreach (float v in row) sum += (double)v * v;
        return Math.Sqrt(sum);
    }

    private static double ReferenceNorm(ReadOnlySpan<float> row) => DoubleNorm(row);

    private static double Gamma(int k) => k * U / (1 - (k * U));
}
