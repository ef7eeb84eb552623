using FastBackprop.Reference;
using FastBackprop.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.NetworkTests.Plans;

/// <summary>The tiny-network plan (every width below 16: TinyPlan's whole-pass scalar loops over SmallDense)
/// against the reference, with the tolerance and kink handling of <see cref="NetworkProperties"/>.
/// The general properties also reach it, but only when every drawn width is small.</summary>
public class TinyPlanProperties
{
    private static Arbitrary<NetworkCase> SmallCases() => NetworkGenerators.CaseArbitrary(maxDepth: 5, maxWidth: 15);

    [Property(MaxTest = 150)]
    public Property TinyPlan_MatchesReference_ForwardAndTrainStep() =>
        Prop.ForAll(SmallCases(), Gen.Choose(1, 1000).Select(i => i / 1000f).ToArbitrary(), (c, eta) =>
        {
            Assert.True(c.Definition.MaxWidth < 16);
            Assert.IsType<TinyPlan>(c.CreateNetwork().Plan);   // the plan under test, not a fallback
            Network network = c.CreateNetwork();
            float[] input = c.CreateInput(), target = c.CreateTarget();
            double[] parameters = NetworkGenerators.ToDouble(network.Parameters);
            ReferencePass pass = ReferenceBackprop.Run(c.Definition, parameters, NetworkGenerators.ToDouble(input), NetworkGenerators.ToDouble(target));
            var scales = ErrorScales.Compute(c.Definition, parameters, input, target, pass);
            double[] expected = (double[])parameters.Clone();
            ReferenceBackprop.TrainStep(c.Definition, expected, NetworkGenerators.ToDouble(input), NetworkGenerators.ToDouble(target), eta);

            Workspace ws = network.CreateWorkspace();
            var output = new float[c.Definition.OutputWidth];
            network.Predict(input, output, ws);
            bool atKink = NetworkProperties.AtRectifierKink(c.Definition, ws, pass, scales);
            float error = network.TrainStep(input, target, eta, ws);
            return new Action(() =>
            {
                for (int l = 0; l < c.Definition.LayerCount; l++)
                {
                    NetworkProperties.AssertClose(ws.GetNetSums(l), pass.NetSums[l], scales.Net[l], $"net sums of layer {l}");
                    NetworkProperties.AssertClose(ws.GetOutputs(l), pass.Outputs[l], scales.Output[l], $"outputs of layer {l}");
                    NetworkProperties.AssertClose(ws.GetDeltas(l), pass.Deltas[l], scales.Delta[l], $"deltas of layer {l}");
                }
                NetworkProperties.AssertClose(output, pass.Outputs[^1], scales.Output[^1], "Predict");
                NetworkProperties.AssertClose(error, pass.Error, scales.Error, "E");
                ReadOnlySpan<float> actual = network.Parameters;
                for (int i = 0; i < actual.Length; i++)
                {
                    double tolerance = NetworkProperties.RelativeTolerance * eta * scales.Gradient[i] + Math.Abs(expected[i]) / (1 << 23);
                    if (!(Math.Abs(actual[i] - expected[i]) <= tolerance))
                    {
                        Assert.Fail($"parameter {i}: engine {actual[i]:R}, reference {expected[i]:R}, |diff| {Math.Abs(actual[i] - expected[i]):E3} > {tolerance:E3}");
                    }
                }
            }).When(!atKink);
        });
}
