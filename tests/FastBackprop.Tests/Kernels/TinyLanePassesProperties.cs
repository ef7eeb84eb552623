using System.Runtime.Intrinsics;
using FastBackprop.Kernels.Lanes;
using FastBackprop.Kernels.Operators;
using FastBackprop.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Kernels;

/// <summary>The lane engine's register-resident one-pattern passes (TinyLanePasses) against its general passes, bit for
/// bit, at every register width the CPU accelerates (and the scalar one), whether or not the engine the tier builds
/// takes them: the net sums, outputs, output errors and losses of the forward, and every parameter after the backward
/// and update, for tiny shapes (widths 1-4, all logistic or all tanh) with every loss they take and hard values (signed
/// zeros, products that underflow, subnormals). The general passes are themselves checked against each network's own
/// step (VectorLaneStepProperties). FsCheck prints the Replay seed of a failing case.</summary>
public class TinyLanePassesProperties
{
    private const int Lanes = LaneSums.Stride;

    public sealed record TinyCase(NetworkDefinition Definition, bool Hard, ulong Seed)
    {
        public override string ToString() => $"{Definition}{(Hard ? " hard" : "")}, seed {Seed}";
    }

    private static Arbitrary<TinyCase> Cases() =>
        (from definition in NetworkGenerators.TinyDefinitions()
         from hard in Gen.Elements(false, true)
         from seed in Gen.Choose(0, int.MaxValue)
         select new TinyCase(definition, hard, (ulong)seed)).ToArbitrary();

    [Property(MaxTest = 100)]
    public Property RegisterPasses_EqualTheGeneralPasses_AtEveryWidth() => Prop.ForAll(Cases(), c =>
    {
        if (Vector512.IsHardwareAccelerated) Compare<Simd512, Vector512<float>>(c);
        if (Vector256.IsHardwareAccelerated) Compare<Simd256, Vector256<float>>(c);
        if (Vector128.IsHardwareAccelerated) Compare<Simd128, Vector128<float>>(c);
        Compare<SimdScalar, float>(c);
    });

    [Fact]
    public void OnlyTinyShapes_TakeThem()
    {
        Assert.NotNull(TinyLanePasses<SimdScalar, float>.For(FastBackprop.Diagnostics.Workload.W1.Definition));
        var wide = new NetworkDefinition(5, Loss.HalfSquaredError, new Dense(3, TransferFunction.Logistic));
        var mixed = new NetworkDefinition(2, Loss.HalfSquaredError, new Dense(3, TransferFunction.Tanh), new Dense(1, TransferFunction.Logistic));
        var relu = new NetworkDefinition(2, Loss.HalfSquaredError, new Dense(3, TransferFunction.Relu));
        Assert.Null(TinyLanePasses<SimdScalar, float>.For(wide));
        Assert.Null(TinyLanePasses<SimdScalar, float>.For(mixed));
        Assert.Null(TinyLanePasses<SimdScalar, float>.For(relu));
    }

    private static void Compare<TSimd, TVector>(TinyCase c) where TSimd : ISimd<TVector> where TVector : struct
    {
        NetworkDefinition definition = c.Definition;
        string what = $"{c} at {typeof(TSimd).Name}";
        var general = new LaneEngine<TSimd, TVector>(definition, registerPasses: false);
        var tiny = new LaneEngine<TSimd, TVector>(definition, registerPasses: true);
        float[] parameters = Canonical.Operand(definition.ParameterCount * Lanes, c.Seed, 0, c.Hard);
        float[] tinyParameters = (float[])parameters.Clone();
        LaneBlocks expected = Blocks(definition, c), actual = Blocks(definition, c);

        general.ForwardAndLoss(parameters, expected, 1, batch: false);
        tiny.ForwardAndLoss(tinyParameters, actual, 1, batch: false);
        int last = definition.LayerCount - 1;
        for (int l = 0; l <= last; l++)
        {
            Canonical.AssertSameBits(Block(expected, expected.NetOffsets[l], l), Block(actual, actual.NetOffsets[l], l), $"{what}: layer {l} net");
            Canonical.AssertSameBits(Block(expected, expected.OutputOffsets[l], l), Block(actual, actual.OutputOffsets[l], l), $"{what}: layer {l} y");
        }
        if (definition.Loss == Loss.HalfSquaredError)
        {
            Canonical.AssertSameBits(Block(expected, expected.GradientOffsets[last], last), Block(actual, actual.GradientOffsets[last], last), $"{what}: e");
            Canonical.AssertSameBits(expected.Loss, actual.Loss, $"{what}: E");
        }
        else
        {
            // Another loss's signal is VectorLaneStep's (Loss.Pattern per lane): any values, the same in both.
            float[] signal = Canonical.Operand(Block(expected, expected.GradientOffsets[last], last).Length, c.Seed, 3, c.Hard);
            signal.CopyTo(expected.Buffer.Span[expected.GradientOffsets[last]..]);
            signal.CopyTo(actual.Buffer.Span[actual.GradientOffsets[last]..]);
        }

        general.BackwardAndUpdate(parameters, expected, 1, batch: false, masked: false);
        tiny.BackwardAndUpdate(tinyParameters, actual, 1, batch: false, masked: false);
        Canonical.AssertSameBits(parameters, tinyParameters, $"{what}: parameters after the update");
    }

    // Blocks with the case's inputs, targets and per-lane scales (-rate, rates 0 to 1 and a few large).
    private static LaneBlocks Blocks(NetworkDefinition definition, TinyCase c)
    {
        var blocks = new LaneBlocks(definition, 1);
        Span<float> b = blocks.Buffer.Span;
        Canonical.Operand(definition.InputWidth * Lanes, c.Seed, 1, c.Hard).CopyTo(b[blocks.InputOffset..]);
        Canonical.Operand(definition.OutputWidth * Lanes, c.Seed, 2, c.Hard).CopyTo(b[blocks.TargetOffset..]);
        float[] rates = Canonical.Operand(Lanes, c.Seed, 4, hard: false);
        for (int i = 0; i < Lanes; i++) blocks.Scale[i] = i % 5 == 4 ? -30f * rates[i] : -MathF.Abs(rates[i]);
        return blocks;
    }

    private static float[] Block(LaneBlocks blocks, int offset, int layer) =>
        blocks.Buffer.Span.Slice(offset, blocks.Widths[layer + 1] * Lanes).ToArray();
}
