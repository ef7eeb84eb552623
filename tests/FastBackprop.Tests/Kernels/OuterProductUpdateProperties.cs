using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using FastBackprop.Kernels;
using FastBackprop.Kernels.Operators;
using FastBackprop.Reference;
using FastBackprop.Tests.Support;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Kernels;

/// <summary><see cref="OuterProductUpdate.Apply"/> against <see cref="ReferenceKernels.OuterProductUpdate"/>:
/// matrix[k, j] += scale delta[k] y[j]; and its core at every register width against the documented operation
/// (fma(scale delta_k, y_j, w_kj)), bit for bit.</summary>
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

    [Property]
    public void OuterProductUpdate_SameBitsAtEveryWidth_RandomShapes(MatrixCase c) => CheckEveryWidth(c.Rows, c.Cols, c.Seed, c.Scale, hard: (c.Seed & 1) == 0);

    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void OuterProductUpdate_SameBitsAtEveryWidth_EveryLength(int n)
    {
        foreach ((int rows, int cols) in GemvProperties.SweepShapes(n))
        {
            CheckEveryWidth(rows, cols, (ulong)(8000 + n), -0.5f, hard: false);
            CheckEveryWidth(rows, cols, (ulong)(9000 + n), 3f, hard: true);
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

    /// <summary>w_kj = fma(scale delta_k, y_j, w_kj) (the scalar a_k = scale delta_k rounded first): OuterProductUpdate's
    /// documented arithmetic, which OuterProductUpdateGemv and SmallDense repeat.</summary>
    internal static float[] Expected(float[] w, float[] delta, float[] y, float scale)
    {
        float[] expected = (float[])w.Clone();
        int cols = y.Length;
        for (int k = 0; k < delta.Length; k++)
        {
            float a = scale * delta[k];
            for (int j = 0; j < cols; j++) expected[k * cols + j] = MathF.FusedMultiplyAdd(a, y[j], w[k * cols + j]);
        }
        return expected;
    }

    private static void CheckEveryWidth(int rows, int cols, ulong seed, float scale, bool hard)
    {
        float[] w = Canonical.Operand(rows * cols, seed, 0, hard), delta = Canonical.Operand(rows, seed, 1, hard), y = Canonical.Operand(cols, seed, 2, hard);
        float[] expected = Expected(w, delta, y, scale);
        string what = $"{rows}x{cols} seed={seed} scale={scale}{(hard ? " hard" : "")}: matrix";
        Canonical.AssertSameBits(expected, Run<Simd512, Vector512<float>>(w, delta, y, scale), $"Simd512 {what}");
        Canonical.AssertSameBits(expected, Run<Simd256, Vector256<float>>(w, delta, y, scale), $"Simd256 {what}");
        Canonical.AssertSameBits(expected, Run<Simd128, Vector128<float>>(w, delta, y, scale), $"Simd128 {what}");
        Canonical.AssertSameBits(expected, Run<SimdScalar, float>(w, delta, y, scale), $"SimdScalar {what}");
        float[] matrix = (float[])w.Clone();
        OuterProductUpdate.Apply(matrix, delta, y, scale);
        Canonical.AssertSameBits(expected, matrix, $"OuterProductUpdate.Apply {what}");
    }

    private static float[] Run<TSimd, TVector>(float[] w, float[] delta, float[] y, float scale) where TSimd : ISimd<TVector> where TVector : struct
    {
        float[] matrix = (float[])w.Clone();
        OuterProductUpdate.Core<TSimd, TVector>(ref MemoryMarshal.GetArrayDataReference(matrix), ref MemoryMarshal.GetArrayDataReference(delta),
            ref MemoryMarshal.GetArrayDataReference(y), scale, delta.Length, y.Length);
        return matrix;
    }

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
