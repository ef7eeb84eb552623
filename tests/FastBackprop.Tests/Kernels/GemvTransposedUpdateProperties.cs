using FastBackprop.Kernels;
using FastBackprop.Reference;
using FastBackprop.Tests.Support;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Kernels;

/// <summary><see cref="GemvTransposedUpdate.Apply"/>: sums from the old matrix as
/// <see cref="ReferenceKernels.GemvTransposed"/>, the new matrix as <see cref="ReferenceKernels.OuterProductUpdate"/>.</summary>
[Properties(Arbitrary = [typeof(Generators)], MaxTest = 150)]
public class GemvTransposedUpdateProperties
{
    [Property]
    public void GemvTransposedUpdate_MatchesReference_RandomShapes(MatrixCase c) => Check(c);

    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void GemvTransposedUpdate_MatchesReference_EveryLength(int n)
    {
        foreach ((int rows, int cols) in GemvProperties.SweepShapes(n))
        {
            Check(new MatrixCase(rows, cols, (ulong)(3000 + n), 1f, -0.5f));
        }
    }

    [Fact]
    public void GemvTransposedUpdate_MatchesReference_SumsUseTheOldWeights()
    {
        // One row, one column: s = d w_old exactly, and w_new = w_old + scale d y.
        float[] w = [2f], sums = [0f];
        GemvTransposedUpdate.Apply(w, [3f], [5f], -1f, sums);
        Assert.Equal(6f, sums[0]);
        Assert.Equal(2f - 15f, w[0]);
    }

    [Fact]
    public void GemvTransposedUpdate_Throws_MatrixLengthMismatch()
    {
        var e = Assert.Throws<ArgumentException>(() => GemvTransposedUpdate.Apply(new float[3 * 4 + 2], new float[3], new float[4], 1f, new float[4]));
        Assert.Equal("matrix", e.ParamName);
    }

    [Fact]
    public void GemvTransposedUpdate_Throws_SumsLengthMismatch()
    {
        var e = Assert.Throws<ArgumentException>(() => GemvTransposedUpdate.Apply(new float[3 * 4], new float[3], new float[4], 1f, new float[5]));
        Assert.Equal("sums", e.ParamName);
    }

    public static TheoryData<int> SweepLengths() => new(Generators.SweepLengths);

    private static void Check(MatrixCase c)
    {
        int rows = c.Rows, cols = c.Cols;
        GuardedBuffer w = c.Buffer(rows * cols, 0), delta = c.Buffer(rows, 1), y = c.Buffer(cols, 2);
        float[] w0 = w.ToArray(), d0 = delta.ToArray(), y0 = y.ToArray();
        var sums = new GuardedBuffer(cols, misalignment: rows % 16).Poison();

        GemvTransposedUpdate.Apply(w.Span, delta.ReadOnly, y.ReadOnly, c.Scale, sums.Span);

        var expectedSums = new double[cols];
        ReferenceKernels.GemvTransposed(w0, d0, expectedSums);
        for (int j = 0; j < cols; j++)
        {
            double condition = 0;
            for (int k = 0; k < rows; k++) condition += Math.Abs((double)d0[k] * w0[k * cols + j]);
            Tolerance.AssertWithin(expectedSums[j], sums[j], Tolerance.Sum(rows + 1, condition), () => $"{c}: sums[{j}]");
        }

        var expectedW = new double[rows * cols];
        ReferenceKernels.OuterProductUpdate(w0, d0, y0, c.Scale, expectedW);
        for (int k = 0; k < rows; k++)
        {
            for (int j = 0; j < cols; j++)
            {
                int i = k * cols + j;
                // a = fl(scale d_k), fl(a y_j) (or fused), fl(w + a y_j): three roundings at most.
                double condition = Math.Abs(w0[i]) + Math.Abs((double)c.Scale * d0[k] * y0[j]);
                Tolerance.AssertWithin(expectedW[i], w[i], Tolerance.Sum(3, condition), () => $"{c}: matrix[{k}, {j}]");
            }
        }
        sums.AssertGuardsIntact("sums");
        w.AssertGuardsIntact("matrix");
        delta.AssertUnchanged(d0, "delta");
        y.AssertUnchanged(y0, "y");
    }
}
