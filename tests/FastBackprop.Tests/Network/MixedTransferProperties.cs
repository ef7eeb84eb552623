using FastBackprop.Reference;
using FastBackprop.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.NetworkTests;

// ---------------------------------------------------------------------------------------------
// The whole-network properties of NetworkProperties and GradientCheckTests on random networks that
// mix the new transfer functions (ELU, SELU, softplus, GELU, SiLU, softsign, hard tanh, Elliott,
// Gaussian, sine) with the old ones: the engine (one pattern and a batch) against ReferenceBackprop
// with the same condition-scaled tolerance (ErrorScales, with each function's Lipschitz constant and
// sup |f''| from TransferCatalog), and ReferenceBackprop's gradient against central differences of
// its error. Kinks (ELU with α ≠ 1 and SELU at 0, hard tanh at ±1, the rectifiers) are handled as
// NetworkProperties handles the ReLU kink: a case whose float and double net sums straddle one within
// the rounding band is discarded, one that straddles it farther out fails.
// ---------------------------------------------------------------------------------------------

/// <summary>Engine and reference on networks mixing old and new transfer functions.</summary>
public class MixedTransferProperties
{
    private const int Cases = 80;

    [Property(MaxTest = Cases)]
    public Property ForwardAndBackpropagate_MatchReference() =>
        Prop.ForAll(NetworkGenerators.MixedCaseArbitrary(), c =>
        {
            Network network = c.CreateNetwork();
            float[] input = c.CreateInput(), target = c.CreateTarget();
            double[] parameters = NetworkGenerators.ToDouble(network.Parameters);
            ReferencePass pass = ReferenceBackprop.Run(c.Definition, parameters, NetworkGenerators.ToDouble(input), NetworkGenerators.ToDouble(target));
            var scales = ErrorScales.Compute(c.Definition, parameters, input, target, pass);

            Workspace ws = network.CreateWorkspace();
            var gradient = new float[c.Definition.ParameterCount];
            gradient.AsSpan().Fill(float.NaN);
            float error = network.Backpropagate(input, target, gradient, ws);
            bool atKink = NetworkProperties.AtRectifierKink(c.Definition, ws, pass, scales);
            return new Action(() =>
            {
                for (int l = 0; l < c.Definition.LayerCount; l++)
                {
                    NetworkProperties.AssertClose(ws.GetNetSums(l), pass.NetSums[l], scales.Net[l], $"{c}: net sums of layer {l}");
                    NetworkProperties.AssertClose(ws.GetOutputs(l), pass.Outputs[l], scales.Output[l], $"{c}: outputs of layer {l}");
                }
                NetworkProperties.AssertClose(error, pass.Error, scales.Error, $"{c}: E");
                for (int l = c.Definition.LayerCount - 1; l >= 0; l--)
                {
                    NetworkProperties.AssertClose(ws.GetDeltas(l), pass.Deltas[l], scales.Delta[l], $"{c}: deltas of layer {l}");
                }
                NetworkProperties.AssertClose(gradient, pass.Gradient, scales.Gradient, $"{c}: gradient");
            }).When(!atKink).Classify(c.Definition.Loss == Loss.CrossEntropy, "cross-entropy");
        });

    [Property(MaxTest = 40)]
    public Property BackpropagateBatch_MatchesMeanOfReference() =>
        Prop.ForAll(NetworkGenerators.MixedCaseArbitrary(maxDepth: 3, maxWidth: 24), Gen.Choose(2, 9).ToArbitrary(), (c, rows) =>
        {
            Network network = c.CreateNetwork();
            NetworkDefinition d = c.Definition;
            var inputs = new float[rows * d.InputWidth];
            var targets = new float[rows * d.OutputWidth];
            for (int p = 0; p < rows; p++)
            {
                var row = c with { DataSeed = c.DataSeed + (ulong)p };
                row.CreateInput().CopyTo(inputs, p * d.InputWidth);
                row.CreateTarget().CopyTo(targets, p * d.OutputWidth);
            }
            using BatchWorkspace ws = network.CreateBatchWorkspace(rows);
            var gradient = new float[d.ParameterCount];
            network.BackpropagateBatch(inputs, targets, gradient, ws);

            double[] parameters = NetworkGenerators.ToDouble(network.Parameters);
            var mean = new double[gradient.Length];
            var scale = new double[gradient.Length];
            bool atKink = false;
            Workspace single = network.CreateWorkspace();
            for (int p = 0; p < rows; p++)
            {
                float[] x = inputs.AsSpan(p * d.InputWidth, d.InputWidth).ToArray(), t = targets.AsSpan(p * d.OutputWidth, d.OutputWidth).ToArray();
                ReferencePass pass = ReferenceBackprop.Run(d, parameters, NetworkGenerators.ToDouble(x), NetworkGenerators.ToDouble(t));
                var scales = ErrorScales.Compute(d, parameters, x, t, pass);
                network.ComputeLoss(x, t, single);
                atKink |= NetworkProperties.AtRectifierKink(d, single, pass, scales);
                for (int i = 0; i < mean.Length; i++)
                {
                    mean[i] += pass.Gradient[i] / rows;
                    scale[i] += scales.Gradient[i] / rows;
                }
            }
            return new Action(() => NetworkProperties.AssertClose(gradient, mean, scale, $"{c} rows={rows}: batch gradient")).When(!atKink);
        });

    /// <summary>As GradientCheckTests.ReferenceGradient_MatchesCentralDifferences: every parameter (or 64), h = 1e-5,
    /// 1e-6 relative plus 1e-9 (1 + |E|), skipping a parameter whose perturbation moves a net sum across a kink.</summary>
    [Property(MaxTest = 50)]
    public Property ReferenceGradient_MatchesCentralDifferences() =>
        Prop.ForAll(NetworkGenerators.MixedCaseArbitrary(maxDepth: 3, maxWidth: 16), c =>
        {
            double[] x = NetworkGenerators.ToDouble(c.CreateInput()), d = NetworkGenerators.ToDouble(c.CreateTarget());
            (List<string> failures, double sumAbsNumeric) = CentralDifferences.Check(c, x, d, (a, b) => CrossesKink(c.Definition, a, b));
            return new Action(() => Assert.True(failures.Count == 0, $"{c}: " + string.Join("; ", failures))).When(sumAbsNumeric > 1e-6);
        });

    private static bool CrossesKink(NetworkDefinition definition, ReferencePass a, ReferencePass b)
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
        return false;
    }
}
