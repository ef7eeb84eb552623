using FastBackprop.Reference;
using FastBackprop.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.NetworkTests.Plans;

/// <summary>The tiny-network plan (every width below 16: TinyPlan's whole-pass scalar loops over SmallDense)
/// against the reference, with the tolerance and kink handling of <see cref="NetworkProperties"/>, and against
/// SpanPlan (the plan of every wider network) bit for bit. The general properties also reach it, but only when every
/// drawn width is small.</summary>
public class TinyPlanProperties
{
    private static Arbitrary<NetworkCase> SmallCases() => NetworkGenerators.CaseArbitrary(maxDepth: 5, maxWidth: 15);

    /// <summary>Tiny networks without e^x or tanh (ReLU, leaky ReLU and identity units, the half squared error): every
    /// layer width below 16, depth 1 to 5.</summary>
    private static Arbitrary<NetworkCase> ExpFreeCases() =>
        (from depth in Gen.Choose(1, 5)
         from inputWidth in NetworkGenerators.Width(15)
         from widths in NetworkGenerators.Width(15).ArrayOf(depth)
         from kinds in Gen.Elements(TransferKind.Relu, TransferKind.LeakyRelu, TransferKind.Identity).ArrayOf(depth)
         from slopes in NetworkGenerators.Slope.ArrayOf(depth)
         from weightSeed in NetworkGenerators.Seed
         from dataSeed in NetworkGenerators.Seed
         let layers = widths.Select((w, l) => (Layer)new Dense(w, NetworkGenerators.Create(kinds[l], slopes[l]))).ToArray()
         select new NetworkCase(new NetworkDefinition(inputWidth, Loss.HalfSquaredError, layers), weightSeed, dataSeed)).ToArbitrary();

    /// <summary>TinyPlan and SpanPlan give the same bits on a tiny network whose functions are exact (no e^x, no tanh):
    /// every layer's net sums and outputs, E, the gradient and the weights after a training step. SmallDense computes
    /// what the span kernels do (the canonical order for its sums, the same fused updates), so which plan runs a network
    /// never shows in its numbers.</summary>
    [Property(MaxTest = 150)]
    public Property TinyPlan_IsBitIdenticalToSpanPlan_WithoutExp() =>
        Prop.ForAll(ExpFreeCases(), c =>
        {
            Network network = c.CreateNetwork();
            Assert.IsType<TinyPlan>(network.Plan);
            var span = new SpanPlan(c.Definition);
            float[] input = c.CreateInput(), target = c.CreateTarget();
            float[] tinyParameters = network.Parameters.ToArray(), spanParameters = network.Parameters.ToArray();
            Workspace tinyWs = network.CreateWorkspace(), spanWs = network.CreateWorkspace();

            network.Plan.Forward(tinyParameters, input, tinyWs, random: null);
            span.Forward(spanParameters, input, spanWs, random: null);
            for (int l = 0; l < c.Definition.LayerCount; l++)
            {
                Canonical.AssertSameBits(spanWs.GetNetSums(l), tinyWs.GetNetSums(l), $"{c}: net sums of layer {l}");
                Canonical.AssertSameBits(spanWs.GetOutputs(l), tinyWs.GetOutputs(l), $"{c}: outputs of layer {l}");
            }
            float tinyError = network.Plan.OutputError(target, tinyWs), spanError = span.OutputError(target, spanWs);
            Canonical.AssertSameBits([spanError], [tinyError], $"{c}: E");

            float[] tinyGradient = new float[tinyParameters.Length], spanGradient = new float[tinyParameters.Length];
            network.Plan.Backward(tinyParameters, input, tinyWs, new ParameterUpdate(tinyGradient, 1f, inPlace: false));
            span.Backward(spanParameters, input, spanWs, new ParameterUpdate(spanGradient, 1f, inPlace: false));
            Canonical.AssertSameBits(spanGradient, tinyGradient, $"{c}: gradient");
            for (int l = 0; l < c.Definition.LayerCount; l++) Canonical.AssertSameBits(spanWs.GetDeltas(l), tinyWs.GetDeltas(l), $"{c}: deltas of layer {l}");

            float tinyStep = network.Plan.TrainStep(tinyParameters, input, target, 0.1f, tinyWs);
            float spanStep = span.TrainStep(spanParameters, input, target, 0.1f, spanWs);
            Canonical.AssertSameBits([spanStep], [tinyStep], $"{c}: E of the step");
            Canonical.AssertSameBits(spanParameters, tinyParameters, $"{c}: parameters after the step");
        });

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
