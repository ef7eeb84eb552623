using FastBackprop.Kernels;
using FastBackprop.Reference;
using FastBackprop.Tests.Support;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Kernels;

/// <summary><see cref="GemvTransposed.Multiply"/> against <see cref="ReferenceKernels.GemvTransposed"/>:
/// sums[j] = Σ_k delta[k] w[k, j].</summary>
[Properties(Arbitrary = [typeof(Generators)], MaxTest = 150)]
public class GemvTransposedProperties
{
    [Property]
    public void GemvTransposed_MatchesReference_RandomShapes(MatrixCase c) => Check(c);

    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void GemvTransposed_MatchesReference_EveryLength(int n)
    {
        foreach ((int rows, int cols) in GemvProperties.SweepShapes(n))
        {
            Check(new MatrixCase(rows, cols, (ulong)(2000 + n), 1f, 0f));
        }
    }

    [Fact]
    public void GemvTransposed_MatchesReference_ZeroRowsGivesZeroSums()
    {
        float[] sums = [1f, 2f, 3f];
        GemvTransposed.Multiply([], [], sums);
        Assert.Equal([0f, 0f, 0f], sums);
    }

    [Fact]
    public void GemvTransposed_Throws_WeightsLengthMismatch()
    {
        var e = Assert.Throws<ArgumentException>(() => GemvTransposed.Multiply(new float[3 * 4 - 1], new float[3], new float[4]));
        Assert.Equal("weights", e.ParamName);
    }

    [Fact]
    public void GemvTransposed_Throws_SumsTooShortForWeights()
    {
        var e = Assert.Throws<ArgumentException>(() => GemvTransposed.Multiply(new float[3 * 4], new float[3], new float[3]));
        Assert.Equal("weights", e.ParamName);
    }

    public static TheoryData<int> SweepLengths() => new(Generators.SweepLengths);

    private static void Check(MatrixCase c)
    {
        int rows = c.Rows, cols = c.Cols;
        GuardedBuffer w = c.Buffer(rows * cols, 0), delta = c.Buffer(rows, 1);
        float[] w0 = w.ToArray(), d0 = delta.ToArray();
        // Poisoned: the kernel must clear the destination, not accumulate into what was there.
        var sums = new GuardedBuffer(cols, misalignment: rows % 16).Poison();

        GemvTransposed.Multiply(w.ReadOnly, delta.ReadOnly, sums.Span);

        var expected = new double[cols];
        ReferenceKernels.GemvTransposed(w0, d0, expected);
        for (int j = 0; j < cols; j++)
        {
            double condition = 0;
            for (int k = 0; k < rows; k++) condition += Math.Abs((double)d0[k] * w0[k * cols + j]);
            // rows products and rows additions (onto the cleared zero): rows + 1 roundings at most.
            Tolerance.AssertWithin(expected[j], sums[j], Tolerance.Sum(rows + 1, condition), () => $"{c}: sums[{j}]");
        }
        sums.AssertGuardsIntact("sums");
        w.AssertUnchanged(w0, "weights");
        delta.AssertUnchanged(d0, "delta");
    }
}
