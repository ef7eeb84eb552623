using System.Runtime.InteropServices;
using FastBackprop.Kernels;
using FastBackprop.Kernels.Operators;
using FastBackprop.Tests.Support;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Kernels;

/// <summary><see cref="OuterProductUpdateGemv.Apply"/>'s core with the 16 lanes in every register width: the matrix as
/// OuterProductUpdate leaves it, and net[k] = bias[k] + the canonical Σ_j w'[k, j] x[j] on the updated weights, bit for
/// bit (so TrainOnline's fused pass equals TrainStep's two at every tier; TrainOnlineTests checks that end to end).</summary>
[Properties(Arbitrary = [typeof(Generators)], MaxTest = 150)]
public class OuterProductUpdateGemvProperties
{
    public static TheoryData<int> SweepLengths() => new(Generators.SweepLengths);

    [Property]
    public void OuterProductUpdateGemv_SameBitsAtEveryWidth_RandomShapes(MatrixCase c) => CheckEveryWidth(c.Rows, c.Cols, c.Seed, c.Scale, hard: (c.Seed & 1) == 0);

    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void OuterProductUpdateGemv_SameBitsAtEveryWidth_EveryLength(int n)
    {
        foreach ((int rows, int cols) in GemvProperties.SweepShapes(n))
        {
            CheckEveryWidth(rows, cols, (ulong)(10000 + n), -0.5f, hard: false);
            CheckEveryWidth(rows, cols, (ulong)(11000 + n), -0.01f, hard: true);
        }
    }

    private static void CheckEveryWidth(int rows, int cols, ulong seed, float scale, bool hard)
    {
        float[] w = Canonical.Operand(rows * cols, seed, 0, hard), delta = Canonical.Operand(rows, seed, 1, hard);
        float[] y = Canonical.Operand(cols, seed, 2, hard), bias = Canonical.Operand(rows, seed, 3, hard), x = Canonical.Operand(cols, seed, 4, hard);
        float[] expectedW = OuterProductUpdateProperties.Expected(w, delta, y, scale);
        var expectedNet = new float[rows];
        for (int k = 0; k < rows; k++) expectedNet[k] = bias[k] + Canonical.Dot(expectedW.AsSpan(k * cols, cols), x);
        string what = $"{rows}x{cols} seed={seed} scale={scale}{(hard ? " hard" : "")}";
        Compare(Run<Lanes512>(w, delta, y, scale, bias, x), "Lanes512");
        Compare(Run<Lanes256>(w, delta, y, scale, bias, x), "Lanes256");
        Compare(Run<Lanes128>(w, delta, y, scale, bias, x), "Lanes128");
        Compare(Run<LanesScalar>(w, delta, y, scale, bias, x), "LanesScalar");
        float[] matrix = (float[])w.Clone(), net = new float[rows];
        OuterProductUpdateGemv.Apply(matrix, delta, y, scale, bias, x, net);
        Compare((matrix, net), "OuterProductUpdateGemv.Apply");

        void Compare((float[] W, float[] Net) actual, string width)
        {
            Canonical.AssertSameBits(expectedW, actual.W, $"{width} {what}: matrix");
            Canonical.AssertSameBits(expectedNet, actual.Net, $"{width} {what}: net");
        }
    }

    private static (float[] W, float[] Net) Run<TLanes>(float[] w, float[] delta, float[] y, float scale, float[] bias, float[] x)
        where TLanes : struct, ILanes16<TLanes>
    {
        float[] matrix = (float[])w.Clone(), net = new float[delta.Length];
        OuterProductUpdateGemv.Core<TLanes>(ref MemoryMarshal.GetArrayDataReference(matrix), ref MemoryMarshal.GetArrayDataReference(delta),
            ref MemoryMarshal.GetArrayDataReference(y), scale, ref MemoryMarshal.GetArrayDataReference(bias), ref MemoryMarshal.GetArrayDataReference(x),
            ref MemoryMarshal.GetArrayDataReference(net), delta.Length, y.Length);
        return (matrix, net);
    }
}
