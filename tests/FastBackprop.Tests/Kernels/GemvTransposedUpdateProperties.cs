using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using FastBackprop.Kernels;
using FastBackprop.Kernels.Operators;
using FastBackprop.Reference;
using FastBackprop.Tests.Support;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Kernels;

/// <summary><see cref="GemvTransposedUpdate.Apply"/>: sums from the old matrix as
/// <see cref="ReferenceKernels.GemvTransposed"/>, the new matrix as <see cref="ReferenceKernels.OuterProductUpdate"/>;
/// and its core at every register width against the documented operations, bit for bit.</summary>
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

    [Property]
    public void GemvTransposedUpdate_SameBitsAtEveryWidth_RandomShapes(MatrixCase c) => CheckEveryWidth(c.Rows, c.Cols, c.Seed, c.Scale, hard: (c.Seed & 1) == 0);

    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void GemvTransposedUpdate_SameBitsAtEveryWidth_EveryLength(int n)
    {
        foreach ((int rows, int cols) in GemvProperties.SweepShapes(n))
        {
            CheckEveryWidth(rows, cols, (ulong)(6000 + n), -0.5f, hard: false);
            CheckEveryWidth(rows, cols, (ulong)(7000 + n), -0.01f, hard: true);
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

    // s_j = fma(delta_k, w_kj, s_j) from +0 over k in turn with the old weights, then w_kj = fma(scale delta_k, y_j, w_kj).
    private static void CheckEveryWidth(int rows, int cols, ulong seed, float scale, bool hard)
    {
        float[] w = Canonical.Operand(rows * cols, seed, 0, hard), delta = Canonical.Operand(rows, seed, 1, hard), y = Canonical.Operand(cols, seed, 2, hard);
        float[] expectedSums = new float[cols], expectedW = (float[])w.Clone();
        for (int k = 0; k < rows; k++)
        {
            float a = scale * delta[k];
            for (int j = 0; j < cols; j++)
            {
                expectedSums[j] = MathF.FusedMultiplyAdd(delta[k], w[k * cols + j], expectedSums[j]);
                expectedW[k * cols + j] = MathF.FusedMultiplyAdd(a, y[j], w[k * cols + j]);
            }
        }
        string what = $"{rows}x{cols} seed={seed} scale={scale}{(hard ? " hard" : "")}";
        Compare(Run<Simd512, Vector512<float>>(w, delta, y, scale), "Simd512");
        Compare(Run<Simd256, Vector256<float>>(w, delta, y, scale), "Simd256");
        Compare(Run<Simd128, Vector128<float>>(w, delta, y, scale), "Simd128");
        Compare(Run<SimdScalar, float>(w, delta, y, scale), "SimdScalar");
        float[] matrix = (float[])w.Clone(), sums = new float[cols];
        GemvTransposedUpdate.Apply(matrix, delta, y, scale, sums);
        Compare((sums, matrix), "GemvTransposedUpdate.Apply");

        void Compare((float[] Sums, float[] W) actual, string width)
        {
            Canonical.AssertSameBits(expectedSums, actual.Sums, $"{width} {what}: sums");
            Canonical.AssertSameBits(expectedW, actual.W, $"{width} {what}: matrix");
        }
    }

    private static (float[] Sums, float[] W) Run<TSimd, TVector>(float[] w, float[] delta, float[] y, float scale) where TSimd : ISimd<TVector> where TVector : struct
    {
        float[] matrix = (float[])w.Clone(), sums = new float[y.Length];
        GemvTransposedUpdate.Core<TSimd, TVector>(ref MemoryMarshal.GetArrayDataReference(matrix), ref MemoryMarshal.GetArrayDataReference(delta),
            ref MemoryMarshal.GetArrayDataReference(y), scale, ref MemoryMarshal.GetArrayDataReference(sums), delta.Length, y.Length);
        return (sums, matrix);
    }

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
