using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using FastBackprop.Kernels;
using FastBackprop.Tests.Support;
using Xunit;

namespace FastBackprop.Tests.Kernels;

/// <summary>SmallDense, the tiny plan's scalar layer loops, against the span kernels a wider layer runs, bit for bit:
/// the net sums as Gemv (the canonical order, pruned to the lanes a width below 16 touches), E as
/// OutputDelta.HalfSquaredError, the backward sums and updates as GemvTransposed(Update) and OuterProductUpdate, the
/// bias as b + scale delta. The span kernels are themselves checked at every register width, so a tiny network
/// gives the same bits on either plan and at every tier (TinyPlanProperties checks whole steps).</summary>
public class SmallDenseProperties
{
    public static TheoryData<int, int> Shapes()
    {
        var data = new TheoryData<int, int>();
        for (int units = 1; units <= 15; units++)
        {
            for (int inputs = 1; inputs <= 15; inputs++) data.Add(units, inputs);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SmallDense_IsBitIdenticalToTheSpanKernels(int units, int inputs)
    {
        foreach (bool hard in new[] { false, true })
        {
            ulong seed = (ulong)(units * 100 + inputs);
            float[] layer = Canonical.Operand(units * inputs + units, seed, 0, hard);   // W then the biases, as in the parameter buffer
            float[] x = Canonical.Operand(inputs, seed, 1, hard), delta = Canonical.Operand(units, seed, 2, hard);
            float[] y = Canonical.Operand(units, seed, 3, hard), target = Canonical.Operand(units, seed, 4, hard);
            const float Scale = -0.37f;
            string what = $"{units}x{inputs}{(hard ? " hard" : "")}";
            float[] w = layer[..(units * inputs)], b = layer[(units * inputs)..];

            // NetSums: net = W x + b.
            var expectedNet = new float[units];
            Gemv.Multiply(w, b, x, expectedNet);
            var net = new float[units];
            SmallDense.NetSums(ref layer[0], ref x[0], ref net[0], units, inputs);
            Canonical.AssertSameBits(expectedNet, net, $"NetSums {what}");

            // HalfSquaredError: E and dE/dy.
            float[] expectedGradient = new float[units], gradient = new float[units];
            float expectedError = OutputDelta.HalfSquaredError(y, target, expectedGradient);
            float error = SmallDense.HalfSquaredError(ref y[0], ref target[0], ref gradient[0], units);
            Canonical.AssertSameBits([expectedError], [error], $"HalfSquaredError {what}: E");
            Canonical.AssertSameBits(expectedGradient, gradient, $"HalfSquaredError {what}: dE/dy");

            // BackwardUpdate: s = Wᵀ delta from the old W, then W += scale delta xᵀ, b += scale delta.
            float[] expectedLayer = (float[])layer.Clone(), expectedSums = new float[inputs];
            GemvTransposedUpdate.Apply(expectedLayer.AsSpan(0, units * inputs), delta, x, Scale, expectedSums);
            for (int k = 0; k < units; k++) expectedLayer[units * inputs + k] += Scale * delta[k];
            float[] updated = (float[])layer.Clone(), sums = new float[inputs];
            SmallDense.BackwardUpdate(ref updated[0], ref delta[0], ref x[0], Scale, ref sums[0], units, inputs);
            Canonical.AssertSameBits(expectedSums, sums, $"BackwardUpdate {what}: sums");
            Canonical.AssertSameBits(expectedLayer, updated, $"BackwardUpdate {what}: layer");

            // Update: the same without the sums.
            updated = (float[])layer.Clone();
            SmallDense.Update(ref updated[0], ref delta[0], ref x[0], Scale, units, inputs);
            Canonical.AssertSameBits(expectedLayer, updated, $"Update {what}: layer");

            // Gradient: g = scale delta xᵀ on a cleared matrix, g_b = scale delta, s = Wᵀ delta.
            float[] expectedG = new float[layer.Length];
            OuterProductUpdate.Apply(expectedG.AsSpan(0, units * inputs), delta, x, Scale);
            for (int k = 0; k < units; k++) expectedG[units * inputs + k] = Scale * delta[k];
            GemvTransposed.Multiply(w, delta, expectedSums);
            float[] g = new float[layer.Length];
            SmallDense.Gradient(ref layer[0], ref delta[0], ref x[0], Scale, ref g[0], ref sums[0], propagate: true, units, inputs);
            Canonical.AssertSameBits(expectedG, g, $"Gradient {what}: gradient");
            Canonical.AssertSameBits(expectedSums, sums, $"Gradient {what}: sums");
        }
    }

    /// <summary>The fused logistic layer passes of the tiny plan (every layer logistic, at most 4 wide), bit for bit
    /// against the span kernels: LogisticLayer as Gemv then the logistic map, LogisticBackwardUpdate as the logistic
    /// derivative then GemvTransposedUpdate and the bias update (or OuterProductUpdate alone, without propagation).</summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void SmallDense_LogisticPasses_AreBitIdenticalToTheSpanKernels(int units, int inputs)
    {
        foreach (bool hard in new[] { false, true })
        {
            ulong seed = (ulong)(units * 100 + inputs + 7);
            float[] layer = Canonical.Operand(units * inputs + units, seed, 0, hard);
            float[] x = Canonical.Operand(inputs, seed, 1, hard), delta = Canonical.Operand(units, seed, 2, hard);
            float[] y = Canonical.Operand(units, seed, 3, hard);
            const float Scale = -0.37f;
            string what = $"{units}x{inputs}{(hard ? " hard" : "")} (seed {seed})";
            float[] w = layer[..(units * inputs)], b = layer[(units * inputs)..];

            if (units <= 4 && inputs <= 4 && Vector128.IsHardwareAccelerated)
            {
                float[] expectedNet = new float[units], expectedY = new float[units];
                Gemv.Multiply(w, b, x, expectedNet);
                FastBackprop.Kernels.Operators.ElementwiseDriver.Map(default(LogisticOperator), expectedNet, expectedY);
                float[] net = new float[units], outputs = new float[units];
                float[] padded = [.. x, 7f, 7f, 7f];   // lanes past the inputs: anything, unread
                var r = SmallDense.LogisticLayer(ref layer[0], Vector128.Create(padded.AsSpan(0, 4)), ref net[0], ref outputs[0], units, inputs);
                Canonical.AssertSameBits(expectedNet, net, $"LogisticLayer {what}: net");
                Canonical.AssertSameBits(expectedY, outputs, $"LogisticLayer {what}: y");
                for (int k = 0; k < units; k++) Canonical.AssertSameBits([expectedY[k]], [r.GetElement(k)], $"LogisticLayer {what}: returned y_{k}");
            }
            if (inputs > 4) continue;

            float[] expectedDelta = (float[])delta.Clone();
            FastBackprop.Kernels.Operators.ElementwiseDriver.UpdateDelta(default(ActivationDerivative.LogisticDerivativeOperator), new float[units], y, expectedDelta);
            float[] expectedLayer = (float[])layer.Clone(), expectedSums = new float[inputs];
            GemvTransposedUpdate.Apply(expectedLayer.AsSpan(0, units * inputs), expectedDelta, x, Scale, expectedSums);
            for (int k = 0; k < units; k++) expectedLayer[units * inputs + k] += Scale * expectedDelta[k];
            foreach (bool propagate in new[] { true, false })
            {
                float[] updated = (float[])layer.Clone(), sums = new float[inputs], d = (float[])delta.Clone();
                SmallDense.LogisticBackwardUpdate(ref updated[0], ref d[0], ref y[0], ref x[0], Scale, ref sums[0], propagate, units, inputs);
                Canonical.AssertSameBits(expectedDelta, d, $"LogisticBackwardUpdate {what} propagate {propagate}: delta");
                Canonical.AssertSameBits(expectedLayer, updated, $"LogisticBackwardUpdate {what} propagate {propagate}: layer");
                Canonical.AssertSameBits(propagate ? expectedSums : new float[inputs], sums, $"LogisticBackwardUpdate {what} propagate {propagate}: sums");
            }
        }
    }

    /// <summary>The net sums are the canonical dot product (Lanes16.cs), including the -0 of an empty lane.</summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void SmallDense_NetSums_AreTheCanonicalOrder(int units, int inputs)
    {
        float[] layer = Canonical.Operand(units * inputs + units, (ulong)(units + 17 * inputs), 0, hard: true);
        float[] x = Canonical.Operand(inputs, (ulong)(units + 17 * inputs), 1, hard: true);
        var expected = new float[units];
        for (int k = 0; k < units; k++) expected[k] = layer[units * inputs + k] + Canonical.Dot(layer.AsSpan(k * inputs, inputs), x);
        var net = new float[units];
        SmallDense.NetSums(ref MemoryMarshal.GetArrayDataReference(layer), ref x[0], ref net[0], units, inputs);
        Canonical.AssertSameBits(expected, net, $"{units}x{inputs}");
    }
}
