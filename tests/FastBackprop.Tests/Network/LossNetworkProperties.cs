using FastBackprop.Reference;
using FastBackprop.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.NetworkTests;

// ---------------------------------------------------------------------------------------------
// The whole-network properties of NetworkProperties and GradientCheckTests on random networks
// whose loss is any built-in one (with an output function it takes: LossCatalog): the engine's
// one-pattern and batch passes against ReferenceBackprop with ErrorScales' tolerance (its output
// block scales each loss's signal), ReferenceBackprop's gradient against central differences of
// its E, and batch calls on 2 and 3 threads bit for bit against 1 (the ThreadingTests pattern).
// The mean absolute error's signal jumps where y = d: a case whose output lies within rounding of
// its target is discarded, as NetworkProperties discards rectifier kinks.
// ---------------------------------------------------------------------------------------------

/// <summary>Engine and reference on networks with every loss.</summary>
public class LossNetworkProperties
{
    // Targets for the case's loss, from its data seed (pattern p of a batch: the seed plus p).
    private static float[] Targets(NetworkCase c, ulong p = 0) =>
        LossCatalog.PairingOf(c.Definition).Targets(c.Definition.OutputWidth, new SeededRandom((c.DataSeed + p) ^ 0x7A5E7A5E7A5E7A5EUL));

    // An output within rounding of its target under the mean absolute error, whose signal jumps there.
    private static bool AtLossKink(NetworkDefinition definition, ReferencePass pass, float[] target, ErrorScales scales)
    {
        if (definition.Loss != Loss.MeanAbsoluteError) return false;
        double[] y = pass.Outputs[^1];
        for (int k = 0; k < y.Length; k++)
        {
            if (Math.Abs(y[k] - target[k]) <= 1e-4 * scales.Output[^1][k]) return true;
        }
        return false;
    }

    [Property(MaxTest = 120)]
    public Property Backpropagate_MatchesReference_EveryLoss() =>
        Prop.ForAll(LossCatalog.CaseArbitrary(), c =>
        {
            Network network = c.CreateNetwork();
            float[] input = c.CreateInput(), target = Targets(c);
            double[] parameters = NetworkGenerators.ToDouble(network.Parameters);
            ReferencePass pass = ReferenceBackprop.Run(c.Definition, parameters, NetworkGenerators.ToDouble(input), NetworkGenerators.ToDouble(target));
            var scales = ErrorScales.Compute(c.Definition, parameters, input, target, pass);

            Workspace ws = network.CreateWorkspace();
            var gradient = new float[c.Definition.ParameterCount];
            gradient.AsSpan().Fill(float.NaN);
            float error = network.Backpropagate(input, target, gradient, ws);
            bool atKink = NetworkProperties.AtRectifierKink(c.Definition, ws, pass, scales) || AtLossKink(c.Definition, pass, target, scales);
            return new Action(() =>
            {
                NetworkProperties.AssertClose(ws.GetOutputs(c.Definition.LayerCount - 1), pass.Outputs[^1], scales.Output[^1], $"{c}: outputs");
                NetworkProperties.AssertClose(error, pass.Error, scales.Error, $"{c}: E");
                for (int l = c.Definition.LayerCount - 1; l >= 0; l--)
                {
                    NetworkProperties.AssertClose(ws.GetDeltas(l), pass.Deltas[l], scales.Delta[l], $"{c}: deltas of layer {l}");
                }
                NetworkProperties.AssertClose(gradient, pass.Gradient, scales.Gradient, $"{c}: gradient");
                Assert.Equal(error, network.ComputeLoss(input, target, ws));
            }).When(!atKink).Classify(c.Definition.MaxWidth < 16, "tiny plan").Collect(c.Definition.Loss.Name);
        });

    [Property(MaxTest = 60)]
    public Property BatchCalls_MatchMeanOfReference_EveryLoss() =>
        Prop.ForAll(LossCatalog.CaseArbitrary(maxDepth: 3, maxWidth: 24), Gen.Choose(1, 9).ToArbitrary(), (c, rows) =>
        {
            Network network = c.CreateNetwork();
            NetworkDefinition d = c.Definition;
            var inputs = new float[rows * d.InputWidth];
            var targets = new float[rows * d.OutputWidth];
            for (int p = 0; p < rows; p++)
            {
                (c with { DataSeed = c.DataSeed + (ulong)p }).CreateInput().CopyTo(inputs, p * d.InputWidth);
                Targets(c, (ulong)p).CopyTo(targets, p * d.OutputWidth);
            }
            using BatchWorkspace ws = network.CreateBatchWorkspace(rows);
            var gradient = new float[d.ParameterCount];
            float meanError = network.BackpropagateBatch(inputs, targets, gradient, ws);   // the mean E over the rows

            double[] parameters = NetworkGenerators.ToDouble(network.Parameters);
            var mean = new double[gradient.Length];
            var scale = new double[gradient.Length];
            double errorSum = 0, errorScale = 0;
            bool atKink = false;
            Workspace single = network.CreateWorkspace();
            for (int p = 0; p < rows; p++)
            {
                float[] x = inputs.AsSpan(p * d.InputWidth, d.InputWidth).ToArray(), t = targets.AsSpan(p * d.OutputWidth, d.OutputWidth).ToArray();
                ReferencePass pass = ReferenceBackprop.Run(d, parameters, NetworkGenerators.ToDouble(x), NetworkGenerators.ToDouble(t));
                var scales = ErrorScales.Compute(d, parameters, x, t, pass);
                network.ComputeLoss(x, t, single);
                atKink |= NetworkProperties.AtRectifierKink(d, single, pass, scales) || AtLossKink(d, pass, t, scales);
                errorSum += pass.Error;
                errorScale += scales.Error;
                for (int i = 0; i < mean.Length; i++)
                {
                    mean[i] += pass.Gradient[i] / rows;
                    scale[i] += scales.Gradient[i] / rows;
                }
            }
            return new Action(() =>
            {
                NetworkProperties.AssertClose(meanError, errorSum / rows, errorScale / rows, $"{c} rows={rows}: batch mean E");
                NetworkProperties.AssertClose(gradient, mean, scale, $"{c} rows={rows}: batch gradient");
            }).When(!atKink);
        });

    /// <summary>As GradientCheckTests: every parameter (or 64), h = 1e-5, 1e-6 relative plus 1e-9 (1 + |E|), skipping a
    /// parameter whose perturbation moves a net sum across a rectifier kink or an output across its target (mae).</summary>
    [Property(MaxTest = 60)]
    public Property ReferenceGradient_MatchesCentralDifferences_EveryLoss() =>
        Prop.ForAll(LossCatalog.CaseArbitrary(maxDepth: 3, maxWidth: 16), c =>
        {
            double[] x = NetworkGenerators.ToDouble(c.CreateInput()), d = NetworkGenerators.ToDouble(Targets(c));
            (List<string> failures, double sumAbsNumeric) = CentralDifferences.Check(c, x, d, (a, b) => Crosses(c.Definition, a, b, d));
            return new Action(() => Assert.True(failures.Count == 0, $"{c}: " + string.Join("; ", failures))).When(sumAbsNumeric > 1e-6);
        });

    // A net sum across a kink of its function, an output across its target (mae), or one across ±delta (huber's second
    // derivative jumps there, which a central difference sees as an O(h) error).
    private static bool Crosses(NetworkDefinition definition, ReferencePass a, ReferencePass b, double[] target)
    {
        for (int l = 0; l < definition.LayerCount; l++)
        {
            foreach (double kink in TransferCatalog.Kinks(((Dense)definition.Layers[l]).Transfer))
            {
                for (int k = 0; k < a.NetSums[l].Length; k++)
                {
                    if ((a.NetSums[l][k] > kink) != (b.NetSums[l][k] > kink)) return true;
                }
            }
        }
        double delta = definition.Loss is HuberLoss huber ? huber.Delta : 0;
        for (int k = 0; k < target.Length; k++)
        {
            double ra = a.Outputs[^1][k] - target[k], rb = b.Outputs[^1][k] - target[k];
            if ((ra > 0) != (rb > 0) || (Math.Abs(ra) > delta) != (Math.Abs(rb) > delta)) return true;
        }
        return false;
    }
}

/// <summary>Batch calls with every loss on 2 and 3 threads, bit for bit against 1 thread.</summary>
[Collection(nameof(ThreadingTests))]
public class LossThreadingProperties
{
    [Property(MaxTest = 40)]
    public Property BatchCalls_EveryLoss_AnyThreadCount_GiveBitIdenticalResults() =>
        Prop.ForAll(
            (from definition in LossCatalog.Definitions(maxDepth: 3, maxWidth: 120)
             from seed in NetworkGenerators.Seed
             from batch in Gen.Frequency((2, Gen.Choose(1, 20)), (2, Gen.Choose(21, 140)))
             from threads in Gen.Choose(2, 3)
             from splitEverything in Gen.Elements(true, false)
             select (Case: new NetworkCase(definition, seed, seed + 1), batch, threads, splitEverything)).ToArbitrary(),
            c =>
            {
                float[] one = ThreadingTests.RunBatchCalls(c.Case, c.batch, 1);
                ThreadTeam.SplitEverything(c.splitEverything);
                try
                {
                    Assert.Equal(one, ThreadingTests.RunBatchCalls(c.Case, c.batch, c.threads));
                }
                finally
                {
                    ThreadTeam.SplitEverything(false);
                }
            });
}
