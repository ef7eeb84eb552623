using FastBackprop.Reference;
using FastBackprop.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

// Not FastBackprop.Tests.Network: a namespace of that name would shadow the type FastBackprop.Network
// in every test namespace under FastBackprop.Tests.
namespace FastBackprop.Tests.NetworkTests;

// ---------------------------------------------------------------------------------------------
// Whole-network properties: the float engine against the double-precision ReferenceBackprop on
// random shapes (1-5 layers, widths 1-64, every transfer function, both losses), random weights
// (InitializeWeights with a random seed), random biases, input and target.
//
// TOLERANCE. Each compared quantity q gets a scale S(q) that bounds |q| *and* the size of the
// intermediate terms it is computed from (the condition of the sums: STYLE.md 5 "scale dot
// products by Σ|x_i y_i|, not by the result"), computed in double alongside the reference
// (see ErrorScales): net sums by |b| + Σ|w||y|; outputs by |y| + that; deltas by the same
// products taken over absolute values of weights, outputs and targets, plus a term
// sup|f''| · S(net) for f' evaluated at a rounded net sum; gradients by S(delta_k) · S(y_j).
// The check is |engine - reference| ≤ RelativeTolerance · S. Float rounding is 2^-24 ≈ 6e-8
// per operation; a dot product of n ≤ 64 terms in pairwise/vector order errs by about
// √n·2^-24 ≈ 5e-7 of its scale in practice (n·2^-24 ≈ 4e-6 in the worst case), and five layers
// compound that at most a few times more. 1e-4 leaves 25x headroom over the worst case and
// ~200x over typical errors, and is still 10^4 times below the O(1) relative error of any real
// bug (a wrong index, a missing f', a transposed matrix, a stale weight).
//
// RELU KINKS. f' of a rectifier jumps at net = 0. When the float net sum and the double one
// lie on different sides of 0, the engine and the reference legitimately use different f'.
// That may only happen when |net_ref| is within KinkBand · S(net) of 0 (float rounding cannot
// move a net sum further); such cases are discarded with When() and counted with Classify(),
// and a branch mismatch farther from 0 fails the property. With continuous random data a net
// sum that close to 0 has probability about 1e-5 per unit, so discards are rare.
// ---------------------------------------------------------------------------------------------

/// <summary>Network engine versus <see cref="ReferenceBackprop"/> on random networks.</summary>
public class NetworkProperties
{
    /// <summary>Relative tolerance against the condition scale; see the file comment.</summary>
    internal const double RelativeTolerance = 1e-4;

    /// <summary>Net sums within this fraction of their scale of 0 may round to either side of a ReLU kink.</summary>
    internal const double KinkBand = 1e-5;

    // 60 cases x (engine + reference pass of up to ~20k parameters) stays ~1 s even with
    // DOTNET_EnableHWIntrinsic=0.
    private const int Cases = 60;

    [Property(MaxTest = Cases)]
    public Property Forward_MatchesReference_NetSumsOutputsAndError() =>
        Prop.ForAll(NetworkGenerators.CaseArbitrary(), c =>
        {
            Network network = c.CreateNetwork();
            float[] input = c.CreateInput(), target = c.CreateTarget();
            double[] parameters = NetworkGenerators.ToDouble(network.Parameters);
            ReferencePass pass = ReferenceBackprop.Run(c.Definition, parameters, NetworkGenerators.ToDouble(input), NetworkGenerators.ToDouble(target));
            var scales = ErrorScales.Compute(c.Definition, parameters, input, target, pass);

            Workspace ws = network.CreateWorkspace();
            float error = network.ComputeLoss(input, target, ws);
            for (int l = 0; l < c.Definition.LayerCount; l++)
            {
                AssertClose(ws.GetNetSums(l), pass.NetSums[l], scales.Net[l], $"net sums of layer {l}");
                AssertClose(ws.GetOutputs(l), pass.Outputs[l], scales.Output[l], $"outputs of layer {l}");
            }
            AssertClose(error, pass.Error, scales.Error, "E (ComputeLoss)");

            // Predict (own workspace and explicit one) gives the same outputs bit for bit.
            var output = new float[c.Definition.OutputWidth];
            network.Predict(input, output);
            Assert.Equal(ws.GetOutputs(c.Definition.LayerCount - 1).ToArray(), output);
            double[] predicted = ReferenceBackprop.Predict(c.Definition, parameters, NetworkGenerators.ToDouble(input));
            AssertClose(output, predicted, scales.Output[^1], "Predict");
            // ComputeLoss without a workspace agrees with the one with.
            Assert.Equal(error, network.ComputeLoss(input, target));
        });

    [Property(MaxTest = Cases)]
    public Property Backpropagate_MatchesReference_DeltasGradientAndError() =>
        Prop.ForAll(NetworkGenerators.CaseArbitrary(), c =>
        {
            Network network = c.CreateNetwork();
            float[] input = c.CreateInput(), target = c.CreateTarget();
            float[] before = network.Parameters.ToArray();
            double[] parameters = NetworkGenerators.ToDouble(before);
            ReferencePass pass = ReferenceBackprop.Run(c.Definition, parameters, NetworkGenerators.ToDouble(input), NetworkGenerators.ToDouble(target));
            var scales = ErrorScales.Compute(c.Definition, parameters, input, target, pass);

            Workspace ws = network.CreateWorkspace();
            var gradient = new float[c.Definition.ParameterCount];
            gradient.AsSpan().Fill(float.NaN);   // every element must be overwritten
            float error = network.Backpropagate(input, target, gradient, ws);

            bool atKink = AtRectifierKink(c.Definition, ws, pass, scales);
            return new Action(() =>
            {
                Assert.Equal(before, network.Parameters.ToArray());   // Backpropagate leaves the weights alone
                AssertClose(error, pass.Error, scales.Error, "E (Backpropagate)");
                for (int l = c.Definition.LayerCount - 1; l >= 0; l--)
                {
                    AssertClose(ws.GetDeltas(l), pass.Deltas[l], scales.Delta[l], $"deltas of layer {l}");
                }
                AssertClose(gradient, pass.Gradient, scales.Gradient, "gradient");

                // The overload with the network's own workspace computes the same bits.
                var again = new float[gradient.Length];
                Assert.Equal(error, network.Backpropagate(input, target, again));
                Assert.Equal(gradient, again);
            }).When(!atKink)
              .Classify(HasRectifier(c.Definition), "has a rectifier layer")
              .Classify(c.Definition.Loss == Loss.CrossEntropy, "cross-entropy");
        });

    [Property(MaxTest = Cases)]
    public Property TrainStep_MatchesReference_UpdatedParameters() =>
        Prop.ForAll(NetworkGenerators.CaseArbitrary(), Gen.Choose(1, 1000).Select(i => i / 1000f).ToArbitrary(), (c, eta) =>
        {
            Network network = c.CreateNetwork();
            float[] input = c.CreateInput(), target = c.CreateTarget();
            double[] parameters = NetworkGenerators.ToDouble(network.Parameters);
            ReferencePass pass = ReferenceBackprop.Run(c.Definition, parameters, NetworkGenerators.ToDouble(input), NetworkGenerators.ToDouble(target));
            var scales = ErrorScales.Compute(c.Definition, parameters, input, target, pass);

            double[] expected = (double[])parameters.Clone();
            double referenceError = ReferenceBackprop.TrainStep(c.Definition, expected, NetworkGenerators.ToDouble(input), NetworkGenerators.ToDouble(target), eta);
            Workspace ws = network.CreateWorkspace();
            float error = network.TrainStep(input, target, eta, ws);

            bool atKink = AtRectifierKink(c.Definition, ws, pass, scales);
            return new Action(() =>
            {
                AssertClose(error, referenceError, scales.Error, "E (TrainStep)");
                ReadOnlySpan<float> actual = network.Parameters;
                for (int i = 0; i < actual.Length; i++)
                {
                    // The update eta·g carries the gradient's tolerance; the stored float adds half an ulp of w.
                    double tolerance = RelativeTolerance * eta * scales.Gradient[i] + Math.Abs(expected[i]) / (1 << 23);
                    if (!(Math.Abs(actual[i] - expected[i]) <= tolerance))
                    {
                        Assert.Fail($"parameter {i}: engine {actual[i]:R}, reference {expected[i]:R} (was {parameters[i]:R}, " +
                            $"reference gradient {pass.Gradient[i]:R}), |diff| {Math.Abs(actual[i] - expected[i]):E3} > tolerance {tolerance:E3}");
                    }
                }
            }).When(!atKink)
              .Classify(HasRectifier(c.Definition), "has a rectifier layer");
        });

    // ---- helpers ---------------------------------------------------------------------------

    internal static bool HasRectifier(NetworkDefinition definition)
    {
        foreach (Layer layer in definition.Layers)
        {
            if (layer is Dense { Transfer: RectifierFunction }) return true;
        }
        return false;
    }

    /// <summary>True if some unit's float and double net sums lie on different sides of a kink of its function (the
    /// rectifiers' 0, ELU's and SELU's 0, hard tanh's ±1: TransferCatalog.Kinks) within the kink band; throws if they do
    /// so farther from it (a real forward bug).</summary>
    internal static bool AtRectifierKink(NetworkDefinition definition, Workspace ws, ReferencePass pass, ErrorScales scales)
    {
        bool atKink = false;
        for (int l = 0; l < definition.LayerCount; l++)
        {
            if (definition.Layers[l] is not Dense dense) continue;
            double[] kinks = TransferCatalog.Kinks(dense.Transfer);
            if (kinks.Length == 0) continue;
            ReadOnlySpan<float> net = ws.GetNetSums(l);
            for (int k = 0; k < net.Length; k++)
            {
                double reference = pass.NetSums[l][k];
                foreach (double kink in kinks)
                {
                    if ((net[k] > kink) == (reference > kink)) continue;
                    if (Math.Abs(reference - kink) <= KinkBand * scales.Net[l][k])
                    {
                        atKink = true;
                    }
                    else
                    {
                        Assert.Fail($"layer {l} unit {k}: engine net {net[k]:R} and reference net {reference:R} are on different sides " +
                            $"of {dense.Transfer.Name}'s kink at {kink}, farther from it than rounding allows ({KinkBand} x scale {scales.Net[l][k]:E3}).");
                    }
                }
            }
        }
        return atKink;
    }

    internal static void AssertClose(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, ReadOnlySpan<double> scale, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < actual.Length; i++)
        {
            double tolerance = RelativeTolerance * scale[i];
            if (!(Math.Abs(actual[i] - expected[i]) <= tolerance))
            {
                Assert.Fail($"{what}[{i}]: engine {actual[i]:R}, reference {expected[i]:R}, |diff| {Math.Abs(actual[i] - expected[i]):E3} > " +
                    $"{RelativeTolerance} x scale {scale[i]:E3}");
            }
        }
    }

    internal static void AssertClose(float actual, double expected, double scale, string what)
    {
        double tolerance = RelativeTolerance * scale;
        if (!(Math.Abs(actual - expected) <= tolerance))
        {
            Assert.Fail($"{what}: engine {actual:R}, reference {expected:R}, |diff| {Math.Abs(actual - expected):E3} > {RelativeTolerance} x scale {scale:E3}");
        }
    }
}

/// <summary>Condition scales of every quantity of one pattern's pass (see the file comment of
/// <see cref="NetworkProperties"/>): what a rounding error in float is proportional to.</summary>
internal sealed class ErrorScales
{
    private ErrorScales(double[][] net, double[][] output, double[][] delta, double[] gradient, double error)
    {
        Net = net;
        Output = output;
        Delta = delta;
        Gradient = gradient;
        Error = error;
    }

    public double[][] Net { get; }
    public double[][] Output { get; }
    public double[][] Delta { get; }
    public double[] Gradient { get; }
    public double Error { get; }

    /// <summary>The scales of <paramref name="pass"/>; <paramref name="masks"/> are the dropout masks it ran with, if any.</summary>
    public static ErrorScales Compute(NetworkDefinition definition, double[] p, float[] input, float[] target, ReferencePass pass,
        IReadOnlyList<double[]?>? masks = null)
    {
        int layers = definition.LayerCount;
        var net = new double[layers][];
        var output = new double[layers][];
        var delta = new double[layers][];

        // Forward: S(net_k) = |b_k| + Σ_j |w_kj| S(y_j); S(y_k) = |y_k| + L_f S(net_k) with the
        // Lipschitz constant L_f (TransferCatalog: 1 for logistic, tanh, the rectifiers and identity, up to 1.76 for
        // SELU; softmax: each y_k moves by at most max S(net)).
        for (int l = 0; l < layers; l++)
        {
            LayerLayout layout = definition.GetLayout(l);
            double[] below = l == 0 ? input.Select(v => (double)Math.Abs(v)).ToArray() : output[l - 1];
            net[l] = new double[layout.Units];
            output[l] = new double[layout.Units];
            if (definition.Layers[l] is Dropout)
            {
                // y_i = x_i m_i: one exact-or-rounded product
                for (int i = 0; i < layout.Units; i++) net[l][i] = output[l][i] = below[i] * Mask(masks, l, i);
                continue;
            }
            for (int k = 0; k < layout.Units; k++)
            {
                double s = Math.Abs(p[layout.BiasOffset + k]);
                for (int j = 0; j < layout.Inputs; j++) s += Math.Abs(p[layout.WeightOffset + k * layout.Inputs + j]) * below[j];
                net[l][k] = s;
            }
            bool softmax = definition.Layers[l] is Dense { Transfer: SoftmaxFunction };
            double maxNet = net[l].Max(), lipschitz = TransferCatalog.Lipschitz(((Dense)definition.Layers[l]).Transfer);
            for (int k = 0; k < layout.Units; k++)
            {
                output[l][k] = Math.Abs(pass.Outputs[l][k]) + (softmax ? maxNet : lipschitz * net[l][k]);
            }
        }

        // Output layer: scale of ∂E/∂y (or ∂E/∂net for cross-entropy).
        int last = layers - 1;
        TransferFunction outputFunction = ((Dense)definition.Layers[last]).Transfer;
        var g = new double[definition.OutputWidth];
        for (int k = 0; k < g.Length; k++) g[k] = output[last][k] + Math.Abs(target[k]);
        double error;
        if (definition.Loss.GivesNetGradient(outputFunction))
        {
            delta[last] = g;   // delta_k = y_k - d_k (cross-entropies), (y_k - d_k) / K (Poisson)
            double maxNet = net[last].Max();
            error = Math.Abs(pass.Error);
            for (int k = 0; k < g.Length; k++) error += (1 + Math.Abs(target[k])) * (net[last][k] + maxNet);
        }
        else
        {
            error = 0;
            for (int k = 0; k < g.Length; k++) error += g[k] * g[k];
            if (definition.Loss != Loss.HalfSquaredError) error = LossCatalog.SignalScales(g, pass.Error);   // mse, mae, huber: ∂E/∂y's scale into g
            delta[last] = new double[g.Length];
            if (outputFunction is SoftmaxFunction)
            {
                // delta_i = y_i (g_i - Σ_k g_k y_k)
                double gy = 0;
                for (int k = 0; k < g.Length; k++) gy += g[k] * output[last][k];
                for (int i = 0; i < g.Length; i++) delta[last][i] = output[last][i] * (g[i] + gy);
            }
            else
            {
                for (int k = 0; k < g.Length; k++) delta[last][k] = g[k] * DerivativeScale(outputFunction, pass.NetSums[last][k], net[last][k]);
            }
        }

        // Backward: S(delta_j) = (Σ_k S(delta_k) |w_kj|) (|f'(net_j)| + sup|f''| S(net_j)); through a dropout
        // layer S(∂E/∂x_j) = S(∂E/∂y_j) m_j, and a dropout layer below takes the sum as it is (no f').
        for (int l = last; l > 0; l--)
        {
            LayerLayout layout = definition.GetLayout(l);
            delta[l - 1] = new double[layout.Inputs];
            for (int j = 0; j < layout.Inputs; j++)
            {
                double s = 0;
                if (definition.Layers[l] is Dropout) s = delta[l][j] * Mask(masks, l, j);
                else for (int k = 0; k < layout.Units; k++) s += delta[l][k] * Math.Abs(p[layout.WeightOffset + k * layout.Inputs + j]);
                delta[l - 1][j] = definition.Layers[l - 1] is Dense below ? s * DerivativeScale(below.Transfer, pass.NetSums[l - 1][j], net[l - 1][j]) : s;
            }
        }

        // Gradient: S(∂E/∂w_kj) = S(delta_k) S(y_j); S(∂E/∂b_k) = S(delta_k).
        var gradient = new double[definition.ParameterCount];
        for (int l = 0; l < layers; l++)
        {
            LayerLayout layout = definition.GetLayout(l);
            if (definition.Layers[l] is Dropout) continue;
            for (int k = 0; k < layout.Units; k++)
            {
                for (int j = 0; j < layout.Inputs; j++)
                {
                    double y = l == 0 ? Math.Abs(input[j]) : output[l - 1][j];
                    gradient[layout.WeightOffset + k * layout.Inputs + j] = delta[l][k] * y;
                }
                gradient[layout.BiasOffset + k] = delta[l][k];
            }
        }
        return new ErrorScales(net, output, delta, gradient, error);
    }

    private static double Mask(IReadOnlyList<double[]?>? masks, int layer, int i) => masks?[layer] is double[] mask ? mask[i] : 1.0;

    // |f'(net)| plus sup|f''| times the net sum's scale (f' evaluated at a rounded net, or from a rounded y).
    private static double DerivativeScale(TransferFunction f, double netValue, double netScale) => f switch
    {
        LogisticFunction logistic => Math.Abs(logistic.Derivative(netValue)) + 0.1 * netScale,   // sup|σ''| = 0.0962
        TanhFunction tanh => Math.Abs(tanh.Derivative(netValue)) + 0.77 * netScale,                // sup|tanh''| = 0.770
        ElementwiseTransferFunction e when TransferCatalog.SecondDerivativeBound(e) is double second =>
            Math.Abs(e.Derivative(netValue)) + second * netScale,                                   // TransferCatalog's sup|f''|
        ElementwiseTransferFunction e => Math.Abs(e.Derivative(netValue)),                        // piecewise constant f'
        _ => throw new InvalidOperationException($"no derivative scale for {f.Name}"),
    };
}
