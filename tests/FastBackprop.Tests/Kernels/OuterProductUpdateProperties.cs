using FastBackprop.Kernels;
using FastBackprop.Reference;
using FastBackprop.Tests.Support;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Kernels;

/// <summary><see cref="OuterProductUpdate.Apply"/> against <see cref="ReferenceKernels.OuterProductUpdate"/>:
/// matrix[k, j] += scale delta[k] y[j].</summary>
[Properties(Arbitrary = [typeof(Generators)], MaxTest = 150)]
public class OuterProductUpdateProperties
{
    [Property]
    public void OuterProductUpdate_MatchesReference_RandomShapes(MatrixCase c) => Check(c);

    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void OuterProductUpdate_MatchesReference_EveryLength(int n)
    {
        foreach ((int rows, int cols) in GemvProperties.SweepShapes(n))
        {
            Check(new MatrixCase(rows, cols, (ulong)(4000 + n), 1f, -0.5f));
        }
    }

    [Fact]
    public void OuterProductUpdate_MatchesReference_ScaleOneOnZeroMatrixWritesTheProduct()
    {
        float[] w = new float[2 * 3];
        OuterProductUpdate.Apply(w, [2f, -1f], [1f, 3f, 0.5f], 1f);
        Assert.Equal([2f, 6f, 1f, -1f, -3f, -0.5f], w);
    }

    [Fact]
    public void OuterProductUpdate_Throws_MatrixLengthMismatch()
    {
        var e = Assert.Throws<ArgumentException>(() => OuterProductUpdate.Apply(new float[3 * 4 - 1], new float[3], new float[4], 1f));
        Assert.Equal("matrix", e.ParamName);
    }

    public static TheoryData<int> SweepLengths() => new(Generators.SweepLengths);

    private static void Check(MatrixCase c)
    {
        int rows = c.Rows, cols = c.Cols;
        GuardedBuffer w = c.Buffer(rows * cols, 0), delta = c.Buffer(rows, 1), y = c.Buffer(cols, 2);
        float[] w0 = w.ToArray(), d0 = delta.ToArray(), y0 = y.ToArray();

        OuterProductUpdate.Apply(w.Span, delta.ReadOnly, y.ReadOnly, c.Scale);

        var expected = new double[rows * cols];
        ReferenceKernels.OuterProductUpdate(w0, d0, y0, c.Scale, expected);
        for (int k = 0; k < rows; k++)
        {
            for (int j = 0; j < cols; j++)
            {
                int i = k * cols + j;
                // a = fl(scale d_k), fl(a y_j) (or fused), fl(w + a y_j): three roundings at most.
                double condition = Math.Abs(w0[i]) + Math.Abs((double)c.Scale * d0[k] * y0[j]);
                Tolerance.AssertWithin(expected[i], w[i], Tolerance.Sum(3, condition), () => $"{c}: matrix[{k}, {j}]");
            }
        }
        w.AssertGuardsIntact("matrix");
        delta.AssertUnchanged(d0, "delta");
        y.AssertUnchanged(y0, "y");
    }
}
