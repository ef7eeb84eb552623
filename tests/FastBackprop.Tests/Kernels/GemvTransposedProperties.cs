using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using FastBackprop.Kernels;
using FastBackprop.Kernels.Operators;
using FastBackprop.Reference;
using FastBackprop.Tests.Support;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Kernels;

/// <summary><see cref="GemvTransposed.Multiply"/> against <see cref="ReferenceKernels.GemvTransposed"/>:
/// sums[j] = Σ_k delta[k] w[k, j]; and its core at every register width against the documented order
/// (s_j = fma(delta_k, w_kj, s_j) from +0, k in turn), bit for bit.</summary>
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

    [Property]
    public void GemvTransposed_SameBitsAtEveryWidth_RandomShapes(MatrixCase c) => CheckEveryWidth(c.Rows, c.Cols, c.Seed, hard: (c.Seed & 1) == 0);

    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void GemvTransposed_SameBitsAtEveryWidth_EveryLength(int n)
    {
        foreach ((int rows, int cols) in GemvProperties.SweepShapes(n))
        {
            CheckEveryWidth(rows, cols, (ulong)(4000 + n), hard: false);
            CheckEveryWidth(rows, cols, (ulong)(5000 + n), hard: true);
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

    private static void CheckEveryWidth(int rows, int cols, ulong seed, bool hard)
    {
        float[] w = Canonical.Operand(rows * cols, seed, 0, hard), delta = Canonical.Operand(rows, seed, 1, hard);
        var expected = new float[cols];
        for (int k = 0; k < rows; k++)
        {
            for (int j = 0; j < cols; j++) expected[j] = MathF.FusedMultiplyAdd(delta[k], w[k * cols + j], expected[j]);
        }
        string what = $"{rows}x{cols} seed={seed}{(hard ? " hard" : "")}: sums";
        Canonical.AssertSameBits(expected, Run<Simd512, Vector512<float>>(w, delta, cols), $"Simd512 {what}");
        Canonical.AssertSameBits(expected, Run<Simd256, Vector256<float>>(w, delta, cols), $"Simd256 {what}");
        Canonical.AssertSameBits(expected, Run<Simd128, Vector128<float>>(w, delta, cols), $"Simd128 {what}");
        Canonical.AssertSameBits(expected, Run<SimdScalar, float>(w, delta, cols), $"SimdScalar {what}");
        var sums = new float[cols];
        GemvTransposed.Multiply(w, delta, sums);
        Canonical.AssertSameBits(expected, sums, $"GemvTransposed.Multiply {what}");
    }

    private static float[] Run<TSimd, TVector>(float[] w, float[] delta, int cols) where TSimd : ISimd<TVector> where TVector : struct
    {
        var sums = new float[cols];   // cleared, as Multiply clears it
        GemvTransposed.Core<TSimd, TVector>(ref MemoryMarshal.GetArrayDataReference(w), ref MemoryMarshal.GetArrayDataReference(delta),
            ref MemoryMarshal.GetArrayDataReference(sums), delta.Length, cols);
        return sums;
    }

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
