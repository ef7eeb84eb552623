using System.Runtime.InteropServices;
using FastBackprop.Kernels;
using FastBackprop.Kernels.Operators;
using FastBackprop.Reference;
using FastBackprop.Tests.Support;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Kernels;

/// <summary><see cref="Gemv.Multiply"/> against <see cref="ReferenceKernels.Gemv"/>:
/// net[k] = bias[k] + Σ_j w[k, j] x[j]; and its core with the 16 lanes in every register width against the
/// canonical order, bit for bit.</summary>
[Properties(Arbitrary = [typeof(Generators)], MaxTest = 150)]
public class GemvProperties
{
    [Property]
    public void Gemv_MatchesReference_RandomShapes(MatrixCase c) => Check(c);

    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void Gemv_MatchesReference_EveryLength(int n)
    {
        foreach ((int rows, int cols) in SweepShapes(n))
        {
            Check(new MatrixCase(rows, cols, (ulong)(1000 + n), 1f, 0f));
        }
    }

    [Property]
    public void Gemv_SameBitsAtEveryWidth_RandomShapes(MatrixCase c) => CheckEveryWidth(c.Rows, c.Cols, c.Seed, hard: (c.Seed & 1) == 0);

    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void Gemv_SameBitsAtEveryWidth_EveryLength(int n)
    {
        foreach ((int rows, int cols) in SweepShapes(n))
        {
            CheckEveryWidth(rows, cols, (ulong)(2000 + n), hard: false);
            CheckEveryWidth(rows, cols, (ulong)(3000 + n), hard: true);
        }
    }

    [Fact]
    public void Gemv_MatchesReference_NaNPropagatesToEveryRow()
    {
        float[] w = new float[5 * 19], b = new float[5], x = new float[19], net = new float[5];
        Array.Fill(w, 0.5f);
        x[18] = float.NaN; // in the scalar tail of every vector tier
        Gemv.Multiply(w, b, x, net);
        Assert.All(net, v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void Gemv_Throws_WeightsLengthMismatch()
    {
        var e = Assert.Throws<ArgumentException>(() => Gemv.Multiply(new float[3 * 4 + 1], new float[3], new float[4], new float[3]));
        Assert.Equal("weights", e.ParamName);
    }

    [Fact]
    public void Gemv_Throws_BiasLengthMismatch()
    {
        var e = Assert.Throws<ArgumentException>(() => Gemv.Multiply(new float[3 * 4], new float[4], new float[4], new float[3]));
        Assert.Equal("bias", e.ParamName);
    }

    [Fact]
    public void Gemv_Throws_NetTooShortForWeights()
    {
        // rows are taken from net: a short net makes weights the wrong size.
        var e = Assert.Throws<ArgumentException>(() => Gemv.Multiply(new float[3 * 4], new float[2], new float[4], new float[2]));
        Assert.Equal("weights", e.ParamName);
    }

    public static TheoryData<int> SweepLengths() => new(Generators.SweepLengths);

    /// <summary>Shapes exercising length n as the row count, the column count, or both.</summary>
    internal static IEnumerable<(int Rows, int Cols)> SweepShapes(int n) =>
        new[] { (n, n), (1, n), (5, n), (n, 1), (n, 7) }.Distinct();

    // net[k] = bias[k] + the canonical Σ_j w[k, j] x[j], from Gemv's core with each width's lanes and from Gemv.Multiply.
    private static void CheckEveryWidth(int rows, int cols, ulong seed, bool hard)
    {
        float[] w = Canonical.Operand(rows * cols, seed, 0, hard), b = Canonical.Operand(rows, seed, 1, hard), x = Canonical.Operand(cols, seed, 2, hard);
        var expected = new float[rows];
        for (int k = 0; k < rows; k++) expected[k] = b[k] + Canonical.Dot(w.AsSpan(k * cols, cols), x);
        string what = $"{rows}x{cols} seed={seed}{(hard ? " hard" : "")}";
        Canonical.AssertSameBits(expected, Run<Lanes512>(w, b, x), $"Lanes512 {what}: net");
        Canonical.AssertSameBits(expected, Run<Lanes256>(w, b, x), $"Lanes256 {what}: net");
        Canonical.AssertSameBits(expected, Run<Lanes128>(w, b, x), $"Lanes128 {what}: net");
        Canonical.AssertSameBits(expected, Run<LanesScalar>(w, b, x), $"LanesScalar {what}: net");
        var net = new float[rows];
        Gemv.Multiply(w, b, x, net);
        Canonical.AssertSameBits(expected, net, $"Gemv.Multiply {what}: net");
    }

    private static float[] Run<TLanes>(float[] w, float[] b, float[] x) where TLanes : struct, ILanes16<TLanes>
    {
        var net = new float[b.Length];
        Gemv.Core<TLanes>(ref MemoryMarshal.GetArrayDataReference(w), ref MemoryMarshal.GetArrayDataReference(b),
            ref MemoryMarshal.GetArrayDataReference(x), ref MemoryMarshal.GetArrayDataReference(net), b.Length, x.Length);
        return net;
    }

    private static void Check(MatrixCase c)
    {
        int rows = c.Rows, cols = c.Cols;
        GuardedBuffer w = c.Buffer(rows * cols, 0), b = c.Buffer(rows, 1), x = c.Buffer(cols, 2);
        float[] w0 = w.ToArray(), b0 = b.ToArray(), x0 = x.ToArray();
        var net = new GuardedBuffer(rows, misalignment: cols % 16).Poison();

        Gemv.Multiply(w.ReadOnly, b.ReadOnly, x.ReadOnly, net.Span);

        var expected = new double[rows];
        ReferenceKernels.Gemv(w0, b0, x0, expected);
        for (int k = 0; k < rows; k++)
        {
            double condition = Math.Abs(b0[k]);
            for (int j = 0; j < cols; j++) condition += Math.Abs((double)w0[k * cols + j] * x0[j]);
            // cols products and cols additions (bias included): at most cols + 1 roundings per term.
            Tolerance.AssertWithin(expected[k], net[k], Tolerance.Sum(cols + 1, condition), () => $"{c}: net[{k}]");
        }
        net.AssertGuardsIntact("net");
        w.AssertUnchanged(w0, "weights");
        b.AssertUnchanged(b0, "bias");
        x.AssertUnchanged(x0, "x");
    }
}
