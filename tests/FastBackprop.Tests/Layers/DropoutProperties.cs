using FastBackprop.Reference;
using FastBackprop.Tests.NetworkTests;
using FastBackprop.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Layers;

// ---------------------------------------------------------------------------------------------
// Dropout against the reference: the engine draws its masks from the workspace's generator, the
// test reads them back (Workspace.GetDropoutMask) and gives the same masks to ReferenceBackprop,
// so every property of NetworkProperties carries over with the masks fixed. Tolerances and ReLU
// kinks as there; a mask value (0 or 1/(1-p), itself rounded to float) enters the reference as
// the float the engine multiplied by.
// ---------------------------------------------------------------------------------------------

/// <summary>Networks with dropout layers: engine versus reference with the engine's masks, and the layer's own facts.</summary>
public class DropoutProperties
{
    private const int CaseCount = 50;

    private static Arbitrary<NetworkCase> Cases() => NetworkGenerators.CaseWithDropoutArbitrary();

    private static double[]?[] Masks(NetworkDefinition definition, Func<int, float[]> maskOf)
    {
        var masks = new double[]?[definition.LayerCount];
        for (int l = 0; l < masks.Length; l++)
        {
            if (definition.Layers[l] is Dropout) masks[l] = NetworkGenerators.ToDouble(maskOf(l));
        }
        return masks;
    }

    [Property(MaxTest = CaseCount)]
    public Property Backpropagate_MatchesReference_WithTheEnginesMasks() => BackpropagateAgainstReference();

    // Found by the property above: a tanh layer behind dropout(0.73) gets net sums near 0, where
    // TensorPrimitives.Tanh's error was absolute. Kept as a regression case: tanh is now accurate
    // relative to its result, and ErrorScales no longer allows an absolute floor.
    [Property(MaxTest = 1, Replay = "1163445923539008924,1611406209942675779,27")]
    public Property Backpropagate_MatchesReference_WhenTanhNetSumsAreTiny() => BackpropagateAgainstReference();

    private static Property BackpropagateAgainstReference() =>
        Prop.ForAll(Cases(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (c, maskSeed) =>
        {
            Network network = c.CreateNetwork();
            float[] input = c.CreateInput(), target = c.CreateTarget();
            float[] before = network.Parameters.ToArray();
            Workspace ws = network.CreateWorkspace();
            ws.Random = new SeededRandom((ulong)maskSeed);
            var gradient = new float[c.Definition.ParameterCount];
            gradient.AsSpan().Fill(float.NaN);
            float error = network.Backpropagate(input, target, gradient, ws);

            double[]?[] masks = Masks(c.Definition, l => ws.GetDropoutMask(l).ToArray());
            double[] parameters = NetworkGenerators.ToDouble(before);
            ReferencePass pass = ReferenceBackprop.Run(c.Definition, parameters, NetworkGenerators.ToDouble(input), NetworkGenerators.ToDouble(target), masks);
            var scales = ErrorScales.Compute(c.Definition, parameters, input, target, pass, masks);
            bool atKink = NetworkProperties.AtRectifierKink(c.Definition, ws, pass, scales);
            return new Action(() =>
            {
                Assert.Equal(before, network.Parameters.ToArray());
                NetworkProperties.AssertClose(error, pass.Error, scales.Error, "E");
                for (int l = 0; l < c.Definition.LayerCount; l++)
                {
                    NetworkProperties.AssertClose(ws.GetOutputs(l), pass.Outputs[l], scales.Output[l], $"outputs of layer {l}");
                    NetworkProperties.AssertClose(ws.GetDeltas(l), pass.Deltas[l], scales.Delta[l], $"deltas of layer {l}");
                }
                NetworkProperties.AssertClose(gradient, pass.Gradient, scales.Gradient, "gradient");
            }).When(!atKink);
        });

    [Property(MaxTest = CaseCount)]
    public Property TrainStep_MatchesReferenceStep_WithTheEnginesMasks() =>
        Prop.ForAll(Cases(), Gen.Choose(1, 1000).Select(i => i / 1000f).ToArbitrary(), (c, eta) =>
        {
            Network network = c.CreateNetwork();
            float[] input = c.CreateInput(), target = c.CreateTarget();
            double[] parameters = NetworkGenerators.ToDouble(network.Parameters);
            Workspace ws = network.CreateWorkspace();
            float error = network.TrainStep(input, target, eta, ws);

            double[]?[] masks = Masks(c.Definition, l => ws.GetDropoutMask(l).ToArray());
            ReferencePass pass = ReferenceBackprop.Run(c.Definition, parameters, NetworkGenerators.ToDouble(input), NetworkGenerators.ToDouble(target), masks);
            var scales = ErrorScales.Compute(c.Definition, parameters, input, target, pass, masks);
            double[] expected = (double[])parameters.Clone();
            ReferenceBackprop.TrainStep(c.Definition, expected, NetworkGenerators.ToDouble(input), NetworkGenerators.ToDouble(target), eta, masks);
            bool atKink = NetworkProperties.AtRectifierKink(c.Definition, ws, pass, scales);
            return new Action(() =>
            {
                NetworkProperties.AssertClose(error, pass.Error, scales.Error, "E");
                ReadOnlySpan<float> actual = network.Parameters;
                for (int i = 0; i < actual.Length; i++)
                {
                    double tolerance = NetworkProperties.RelativeTolerance * eta * scales.Gradient[i] + Math.Abs(expected[i]) / (1 << 23);
                    Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance, $"parameter {i}: engine {actual[i]:R}, reference {expected[i]:R}");
                }
            }).When(!atKink);
        });

    [Property(MaxTest = 30)]
    public Property BackpropagateBatch_MatchesTheReferenceMean_WithEachRowsMasks() =>
        Prop.ForAll(Cases(), Gen.Choose(1, 12).ToArbitrary(), (c, rows) =>
        {
            Network network = c.CreateNetwork();
            NetworkDefinition d = c.Definition;
            var patterns = Enumerable.Range(0, rows).Select(p => c with { DataSeed = c.DataSeed + (ulong)p }).ToArray();
            float[] inputs = [.. patterns.SelectMany(p => p.CreateInput())], targets = [.. patterns.SelectMany(p => p.CreateTarget())];
            using BatchWorkspace ws = network.CreateBatchWorkspace(rows);
            var gradient = new float[d.ParameterCount];
            float error = network.BackpropagateBatch(inputs, targets, gradient, ws);

            double[] parameters = NetworkGenerators.ToDouble(network.Parameters);
            var expected = new double[gradient.Length];
            var scale = new double[gradient.Length];
            double expectedError = 0, errorScale = 0;
            bool atKink = false;
            for (int p = 0; p < rows; p++)
            {
                double[]?[] masks = Masks(d, l => ws.GetDropoutMask(l, rows).Slice(p * d.GetLayout(l).Units, d.GetLayout(l).Units).ToArray());
                float[] input = patterns[p].CreateInput(), target = patterns[p].CreateTarget();
                ReferencePass pass = ReferenceBackprop.Run(d, parameters, NetworkGenerators.ToDouble(input), NetworkGenerators.ToDouble(target), masks);
                var scales = ErrorScales.Compute(d, parameters, input, target, pass, masks);
                atKink |= AtKink(d, ws.GetNetSums, rows, p, pass);
                for (int i = 0; i < expected.Length; i++)
                {
                    expected[i] += pass.Gradient[i] / rows;
                    scale[i] += scales.Gradient[i] / rows;
                }
                expectedError += pass.Error / rows;
                errorScale += scales.Error / rows;
            }
            return new Action(() =>
            {
                NetworkProperties.AssertClose(error, expectedError, errorScale, "mean E");
                NetworkProperties.AssertClose(gradient, expected, scale, "mean gradient");
            }).When(!atKink);
        });

    [Property(MaxTest = CaseCount)]
    public Property Predict_PassesThrough() =>
        Prop.ForAll(Cases(), c =>
        {
            // Inference is the reference without masks; a training pass before it changes nothing.
            Network network = c.CreateNetwork();
            float[] input = c.CreateInput(), target = c.CreateTarget();
            double[] parameters = NetworkGenerators.ToDouble(network.Parameters);
            ReferencePass pass = ReferenceBackprop.Run(c.Definition, parameters, NetworkGenerators.ToDouble(input), NetworkGenerators.ToDouble(target));
            var scales = ErrorScales.Compute(c.Definition, parameters, input, target, pass);
            Workspace ws = network.CreateWorkspace();
            network.Backpropagate(input, target, new float[c.Definition.ParameterCount], ws);
            var output = new float[c.Definition.OutputWidth];
            network.Predict(input, output, ws);
            NetworkProperties.AssertClose(output, pass.Outputs[^1], scales.Output[^1], "Predict");
            NetworkProperties.AssertClose(network.ComputeLoss(input, target, ws), pass.Error, scales.Error, "ComputeLoss");
        });

    [Property(MaxTest = 40)]
    public Property TrainOnline_IsBitIdenticalToTrainStepInALoop_MasksIncluded() => TrainOnlineAgainstTrainStep();

    // Found by the property above: the network diverges inside the sequence, where TrainOnline stops (as
    // documented) and the test's loop went on stepping.
    [Property(MaxTest = 1, Replay = "7992016512132955452,15509534333058924839,43")]
    public Property TrainOnline_IsBitIdenticalToTrainStepInALoop_WhenTheSequenceDiverges() => TrainOnlineAgainstTrainStep();

    private static Property TrainOnlineAgainstTrainStep() => TrainOnlineTests.AgainstTrainStep(Cases(), maxCount: 6);

    [Theory]
    [InlineData(0f)]
    [InlineData(0.1f)]
    [InlineData(0.5f)]
    [InlineData(0.95f)]
    public void Masks_DropTheRateAndScaleTheRest(float rate)
    {
        const int Width = 1000, Rows = 100;
        var network = new Network(Width, Loss.HalfSquaredError, new Dropout(rate), new Dense(1, TransferFunction.Identity));
        using BatchWorkspace ws = network.CreateBatchWorkspace(Rows);
        var gradient = new float[network.Definition.ParameterCount];
        network.BackpropagateBatch(new float[Width * Rows], new float[Rows], gradient, ws);
        ReadOnlySpan<float> mask = ws.GetDropoutMask(0, Rows);
        float keep = 1f / (1f - rate);
        int dropped = 0;
        foreach (float m in mask)
        {
            if (m == 0f) dropped++;
            else Assert.Equal(keep, m);
        }
        // Binomial(n = 10^5, p): five standard deviations, a false alarm about once in 1.7 million runs;
        // the generator is seeded (0), so this particular draw is fixed anyway.
        double n = mask.Length, sd = Math.Sqrt(n * rate * (1 - rate));
        Assert.InRange(dropped, n * rate - 5 * sd - 1, n * rate + 5 * sd + 1);
    }

    [Fact]
    public void Masks_FollowTheWorkspaceGenerator()
    {
        var network = new Network(64, Loss.HalfSquaredError, new Dropout(0.5f), new Dense(3, TransferFunction.Identity));
        var input = new float[64];
        var target = new float[3];
        float[] Mask(ulong seed)
        {
            Workspace ws = network.CreateWorkspace();
            ws.Random = new SeededRandom(seed);
            network.Backpropagate(input, target, new float[network.Definition.ParameterCount], ws);
            return ws.GetDropoutMask(0).ToArray();
        }
        Assert.Equal(Mask(7), Mask(7));
        Assert.NotEqual(Mask(7), Mask(8));
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(-0.1f)]
    [InlineData(1f)]
    [InlineData(float.PositiveInfinity)]
    public void Dropout_Throws_ForARateOutsideZeroToOne(float rate)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>("rate", () => new Dropout(rate));
        Assert.Contains("expected a probability in [0, 1)", e.Message);
    }

    [Fact]
    public void Definition_Rejects_DropoutAsTheOutputLayer_AndWorkspacesNameTheKind()
    {
        var e = Assert.Throws<ArgumentException>("layers", () => new NetworkDefinition(3, Loss.HalfSquaredError, new Dense(4, TransferFunction.Tanh), new Dropout(0.2f)));
        Assert.Contains("expected the output layer to be a Dense layer", e.Message);
        var network = new Network(3, Loss.HalfSquaredError, new Dropout(0.2f), new Dense(2, TransferFunction.Identity));
        Assert.Equal("3-2 (dropout(0.2), identity; HalfSquaredError)", network.Definition.ToString());
        Assert.Equal(0, network.GetWeights(0).Length);
        var ws = network.CreateWorkspace();
        Assert.Contains("has no net sums", Assert.Throws<ArgumentException>("layer", () => ws.GetNetSums(0)).Message);
        Assert.Contains("has no dropout mask", Assert.Throws<ArgumentException>("layer", () => ws.GetDropoutMask(1)).Message);
    }

    // As NetworkProperties.AtRectifierKink, for row p of a batch.
    private static bool AtKink(NetworkDefinition d, Func<int, int, ReadOnlySpan<float>> netSums, int rows, int p, ReferencePass pass)
    {
        for (int l = 0; l < d.LayerCount; l++)
        {
            if (d.Layers[l] is not Dense { Transfer: RectifierFunction } dense) continue;
            ReadOnlySpan<float> nets = netSums(l, rows).Slice(p * dense.Width, dense.Width);
            for (int k = 0; k < dense.Width; k++)
            {
                if ((nets[k] > 0) != (pass.NetSums[l][k] > 0) && Math.Abs(pass.NetSums[l][k]) <= 1e-3) return true;
            }
        }
        return false;
    }
}
