using FastBackprop.Kernels;
using FastBackprop.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.NetworkTests;

/// <summary>TrainOnline (fused first-layer update and next forward) against TrainStep in a loop, and
/// its kernel against the two kernels it fuses. Both must agree to the bit: the fusion only
/// reorders memory passes, never arithmetic.</summary>
public class TrainOnlineTests
{
    [Property(MaxTest = 60)]
    public Property TrainOnline_IsBitIdenticalToTrainStepInALoop() =>
        AgainstTrainStep(NetworkGenerators.CaseArbitrary(maxDepth: 4, maxWidth: 48), maxCount: 9);

    /// <summary>TrainOnline over 1..<paramref name="maxCount"/> patterns of a case, against TrainStep on each in turn
    /// (both workspaces' generators seeded alike, so dropout masks match), to the bit. The loop stops where
    /// TrainOnline does: at the first pattern whose E is not finite.</summary>
    internal static Property AgainstTrainStep(Arbitrary<NetworkCase> cases, int maxCount) =>
        Prop.ForAll(cases, Gen.Choose(1, maxCount).ToArbitrary(), (c, count) =>
        {
            Network stepped = c.CreateNetwork(), fused = c.CreateNetwork();
            Workspace a = stepped.CreateWorkspace(), b = fused.CreateWorkspace();
            a.Random = new SeededRandom(c.DataSeed);
            b.Random = new SeededRandom(c.DataSeed);
            var inputs = new List<float>();
            var targets = new List<float>();
            float expected = 0f;
            for (int t = 0; t < count; t++)
            {
                NetworkCase pattern = c with { DataSeed = c.DataSeed + (ulong)t };
                float[] x = pattern.CreateInput(), d = pattern.CreateTarget();
                inputs.AddRange(x);
                targets.AddRange(d);
                float e = stepped.TrainStep(x, d, 0.1f, a);
                expected += e;
                if (!float.IsFinite(e)) break;
            }
            Assert.Equal(expected, fused.TrainOnline([.. inputs], [.. targets], 0.1f, b));
            Assert.Equal(stepped.Parameters.ToArray(), fused.Parameters.ToArray());
        });

    [Property(MaxTest = 100)]
    public Property OuterProductUpdateGemv_IsBitIdenticalToUpdateThenGemv() =>
        Prop.ForAll(Generators.MatrixCase(), c =>
        {
            float[] w = new float[c.Rows * c.Cols];
            Values.Fill(w, Values.Stream(c.Seed, 0), c.Amplitude);
            float[] delta = new float[c.Rows], bias = new float[c.Rows], y = new float[c.Cols], x = new float[c.Cols];
            Values.Fill(delta, Values.Stream(c.Seed, 1), c.Amplitude);
            Values.Fill(bias, Values.Stream(c.Seed, 2), c.Amplitude);
            Values.Fill(y, Values.Stream(c.Seed, 3), c.Amplitude);
            Values.Fill(x, Values.Stream(c.Seed, 4), c.Amplitude);
            float[] separate = (float[])w.Clone(), netSeparate = new float[c.Rows], netFused = new float[c.Rows];
            OuterProductUpdate.Apply(separate, delta, y, c.Scale);
            Gemv.Multiply(separate, bias, x, netSeparate);
            OuterProductUpdateGemv.Apply(w, delta, y, c.Scale, bias, x, netFused);
            Assert.Equal(separate, w);
            Assert.Equal(netSeparate, netFused);
        });

    [Fact]
    public void TrainOnline_BadInput_IsRejected()
    {
        var network = new Network(3, Loss.HalfSquaredError, new Dense(20, TransferFunction.Tanh), new Dense(2, TransferFunction.Identity));
        Workspace ws = network.CreateWorkspace();
        var e = Assert.Throws<ArgumentException>("inputs", () => network.TrainOnline(new float[7], new float[4], 0.1f, ws));
        Assert.Contains("multiple of the input width 3", e.Message);
        Assert.Throws<ArgumentException>("targets", () => network.TrainOnline(new float[6], new float[3], 0.1f, ws));
        Assert.Throws<ArgumentException>("inputs", () => network.TrainOnline([1, 2, float.NaN], new float[2], 0.1f, ws));
        Assert.Throws<ArgumentOutOfRangeException>("learningRate", () => network.TrainOnline(new float[3], new float[2], -1f, ws));
        Assert.Throws<ArgumentException>("matrix", () => OuterProductUpdateGemv.Apply(new float[5], new float[2], new float[3], 1f, new float[2], new float[3], new float[2]));
        Assert.Throws<ArgumentException>("x", () => OuterProductUpdateGemv.Apply(new float[6], new float[2], new float[3], 1f, new float[2], new float[4], new float[2]));
    }
}
