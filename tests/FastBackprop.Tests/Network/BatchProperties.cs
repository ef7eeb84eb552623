using FastBackprop.Reference;
using FastBackprop.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.NetworkTests;

// ---------------------------------------------------------------------------------------------
// The mini-batch path (Gemm forward/backward, fused SGD update) against the reference run
// pattern by pattern. Pattern p of a batch is the NetworkCase with DataSeed + p, so every
// pattern has its own input and target. The batch gradient and error are the MEANS of the
// per-pattern ones, so their rounding scale is the mean of their scales (triangle inequality;
// the one multiplication by 1/B adds half an ulp); the same RelativeTolerance as
// NetworkProperties applies (see there for the derivation). Rectifier
// kinks are treated as there: a net sum within the kink band of 0 discards the case.
// ---------------------------------------------------------------------------------------------

/// <summary>Network.BackpropagateBatch / TrainBatch / PredictBatch versus <see cref="ReferenceBackprop"/>.</summary>
public class BatchProperties
{
    private const int Cases = 40;

    private sealed record Batch(NetworkCase Case, int Size)
    {
        public float[] Inputs { get; } = Stack(Case, Size, c => c.CreateInput());
        public float[] Targets { get; } = Stack(Case, Size, c => c.CreateTarget());

        public NetworkCase Pattern(int p) => Case with { DataSeed = Case.DataSeed + (ulong)p };

        private static float[] Stack(NetworkCase c, int size, Func<NetworkCase, float[]> row)
        {
            var rows = new List<float>();
            for (int p = 0; p < size; p++) rows.AddRange(row(c with { DataSeed = c.DataSeed + (ulong)p }));
            return [.. rows];
        }
    }

    private static Arbitrary<Batch> Batches() =>
        (from c in NetworkGenerators.Cases(maxDepth: 4, maxWidth: 48)
         from size in Gen.Frequency((3, Gen.Choose(1, 8)), (2, Gen.Choose(9, 40)), (1, Gen.Elements(63, 64, 65)))
         select new Batch(c, size)).ToArbitrary();

    // Per-pattern reference passes, their mean gradient and error, and the mean scales.
    private static (ReferencePass[] Passes, double[] Gradient, double[] Scale, double Error, double ErrorScale) Reference(Batch b, double[] parameters)
    {
        var passes = new ReferencePass[b.Size];
        var gradient = new double[parameters.Length];
        var scale = new double[parameters.Length];
        double error = 0, errorScale = 0;
        for (int p = 0; p < b.Size; p++)
        {
            NetworkCase c = b.Pattern(p);
            float[] input = c.CreateInput(), target = c.CreateTarget();
            passes[p] = ReferenceBackprop.Run(c.Definition, parameters, NetworkGenerators.ToDouble(input), NetworkGenerators.ToDouble(target));
            var scales = ErrorScales.Compute(c.Definition, parameters, input, target, passes[p]);
            for (int i = 0; i < gradient.Length; i++)
            {
                gradient[i] += passes[p].Gradient[i];
                scale[i] += scales.Gradient[i];
            }
            error += passes[p].Error;
            errorScale += scales.Error;
        }
        for (int i = 0; i < gradient.Length; i++)
        {
            gradient[i] /= b.Size;
            scale[i] /= b.Size;
        }
        return (passes, gradient, scale, error / b.Size, errorScale / b.Size);
    }

    // True if a rectifier net sum of the batch lies within the kink band of 0 on the other side
    // from the reference's; fails if it does so farther away (a real bug).
    private static bool AtKink(Batch b, BatchWorkspace ws, ReferencePass[] passes)
    {
        NetworkDefinition d = b.Case.Definition;
        bool atKink = false;
        for (int l = 0; l < d.LayerCount; l++)
        {
            if (((Dense)d.Layers[l]).Transfer is not RectifierFunction) continue;
            int width = d.GetLayout(l).Units;
            ReadOnlySpan<float> nets = ws.GetNetSums(l, b.Size);
            for (int p = 0; p < b.Size; p++)
            {
                for (int k = 0; k < width; k++)
                {
                    double reference = passes[p].NetSums[l][k];
                    if ((nets[p * width + k] > 0) == (reference > 0)) continue;
                    if (Math.Abs(reference) <= 1e-3) atKink = true;
                    else Assert.Fail($"pattern {p}, layer {l}, unit {k}: batch net {nets[p * width + k]:R} vs reference {reference:R} straddle the ReLU kink.");
                }
            }
        }
        return atKink;
    }

    [Property(MaxTest = Cases)]
    public Property BackpropagateBatch_MatchesReference_MeanOfPatternGradients() =>
        Prop.ForAll(Batches(), b =>
        {
            Network network = b.Case.CreateNetwork();
            float[] before = network.Parameters.ToArray();
            var (passes, expected, scale, error, errorScale) = Reference(b, NetworkGenerators.ToDouble(before));
            BatchWorkspace ws = network.CreateBatchWorkspace(b.Size + 3);   // a larger workspace works too
            var gradient = new float[network.Definition.ParameterCount];
            gradient.AsSpan().Fill(float.NaN);
            float actualError = network.BackpropagateBatch(b.Inputs, b.Targets, gradient, ws);
            bool atKink = AtKink(b, ws, passes);
            return new Action(() =>
            {
                Assert.Equal(before, network.Parameters.ToArray());
                NetworkProperties.AssertClose(actualError, error, errorScale, "mean E");
                NetworkProperties.AssertClose(gradient, expected, scale, "batch gradient");
            }).When(!atKink).Classify(b.Size == 1, "batch of one");
        });

    [Property(MaxTest = Cases)]
    public Property TrainBatch_MatchesReference_MeanGradientStep() =>
        Prop.ForAll(Batches(), Gen.Choose(1, 1000).Select(i => i / 1000f).ToArbitrary(), (b, eta) =>
        {
            Network network = b.Case.CreateNetwork();
            double[] parameters = NetworkGenerators.ToDouble(network.Parameters);
            var (passes, gradient, scale, error, errorScale) = Reference(b, parameters);
            BatchWorkspace ws = network.CreateBatchWorkspace(b.Size);
            float actualError = network.TrainBatch(b.Inputs, b.Targets, eta, ws);
            bool atKink = AtKink(b, ws, passes);
            return new Action(() =>
            {
                NetworkProperties.AssertClose(actualError, error, errorScale, "mean E (TrainBatch)");
                ReadOnlySpan<float> actual = network.Parameters;
                for (int i = 0; i < actual.Length; i++)
                {
                    double expected = parameters[i] - eta * gradient[i];   // w -= eta (1/B) Σ_p ∂E_p/∂w
                    double tolerance = NetworkProperties.RelativeTolerance * eta * scale[i] + Math.Abs(expected) / (1 << 22);
                    if (!(Math.Abs(actual[i] - expected) <= tolerance))
                    {
                        Assert.Fail($"parameter {i}: engine {actual[i]:R}, expected {expected:R} (was {parameters[i]:R}), |diff| {Math.Abs(actual[i] - expected):E3} > {tolerance:E3}");
                    }
                }
            }).When(!atKink);
        });

    [Property(MaxTest = Cases)]
    public Property PredictBatch_MatchesReference_EveryRow() =>
        Prop.ForAll(Batches(), b =>
        {
            Network network = b.Case.CreateNetwork();
            double[] parameters = NetworkGenerators.ToDouble(network.Parameters);
            var (passes, _, _, _, _) = Reference(b, parameters);
            int width = b.Case.Definition.OutputWidth;
            var outputs = new float[b.Size * width];
            network.PredictBatch(b.Inputs, outputs, network.CreateBatchWorkspace(b.Size));
            for (int p = 0; p < b.Size; p++)
            {
                NetworkCase c = b.Pattern(p);
                var scales = ErrorScales.Compute(c.Definition, parameters, c.CreateInput(), c.CreateTarget(), passes[p]);
                NetworkProperties.AssertClose(outputs.AsSpan(p * width, width), passes[p].Outputs[^1], scales.Output[^1], $"outputs of pattern {p}");
            }
        });

    /// <summary>A batch of one is TrainStep, bit for bit (TrainBatch runs the per-pattern path for it): the parameters,
    /// the error, and what the batch workspace's getters show, over several steps, with dropout drawing from the
    /// workspace's generator. Before, the batch path summed in Gemm's order and differed in the last bits.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TrainBatch_WithBatchOfOne_IsTrainStep_BitForBit(bool dropout)
    {
        Layer[] layers = dropout
            ? [new Dense(33, TransferFunction.Relu), new Dropout(0.25f), new Dense(17, TransferFunction.Tanh), new Dense(10, TransferFunction.Softmax)]
            : [new Dense(33, TransferFunction.Relu), new Dense(17, TransferFunction.Tanh), new Dense(10, TransferFunction.Softmax)];
        var c = new NetworkCase(new NetworkDefinition(20, Loss.CrossEntropy, layers), 5, 9);
        Network online = c.CreateNetwork(), batched = c.CreateNetwork();
        Workspace pattern = online.CreateWorkspace();
        using BatchWorkspace batch = batched.CreateBatchWorkspace(4);
        pattern.Random = new SeededRandom(3);
        batch.Random = new SeededRandom(3);
        for (int step = 0; step < 5; step++)
        {
            NetworkCase x = c with { DataSeed = c.DataSeed + (ulong)step };
            float expected = online.TrainStep(x.CreateInput(), x.CreateTarget(), 0.1f, pattern);
            float actual = batched.TrainBatch(x.CreateInput(), x.CreateTarget(), 0.1f, batch);
            Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(actual));
            Canonical.AssertSameBits(online.Parameters, batched.Parameters, $"step {step}: parameters");
            for (int l = 0; l < layers.Length; l++)
            {
                Canonical.AssertSameBits(pattern.GetOutputs(l), batch.GetOutputs(l, 1), $"step {step}: outputs of layer {l}");
                Canonical.AssertSameBits(pattern.GetDeltas(l), batch.GetDeltas(l, 1), $"step {step}: deltas of layer {l}");
            }
        }
    }

    [Fact]
    public void TrainBatch_UpdatesEachBias_WithOneRoundingOfTheColumnSum()
    {
        // A bias moves by eta times its column's mean delta. Adding the 300 scaled rows to it one by one
        // (as TrainBatch did) rounds 300 times at the bias's magnitude; summing the column first rounds once.
        var network = new Network(8, Loss.HalfSquaredError, new Dense(6, TransferFunction.Identity));
        network.InitializeWeights(4);
        network.GetBiases(0).Fill(0.5f);
        const int Rows = 300;
        var random = new SeededRandom(12);
        var inputs = new float[Rows * 8];
        var targets = new float[Rows * 6];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = random.NextSymmetric(1f);
        for (int i = 0; i < targets.Length; i++) targets[i] = random.NextSymmetric(1f);
        double[] parameters = NetworkGenerators.ToDouble(network.Parameters);
        var mean = new double[parameters.Length];
        for (int p = 0; p < Rows; p++)
        {
            double[] g = ReferenceBackprop.Run(network.Definition, parameters, NetworkGenerators.ToDouble(inputs.AsSpan(p * 8, 8)),
                NetworkGenerators.ToDouble(targets.AsSpan(p * 6, 6))).Gradient;
            for (int i = 0; i < g.Length; i++) mean[i] += g[i] / Rows;
        }
        network.TrainBatch(inputs, targets, 0.01f, network.CreateBatchWorkspace(Rows));
        LayerLayout layout = network.Definition.GetLayout(0);
        for (int k = 0; k < 6; k++)
        {
            double expected = 0.5 - 0.01 * mean[layout.BiasOffset + k];
            // the stored float's half ulp, the update's own rounding, and the column sum's (~B u Σ|delta|, tiny at eta 0.01)
            Assert.True(Math.Abs(network.GetBiases(0)[k] - expected) <= 1.5 * Math.Pow(2, -24), $"bias {k}: {network.GetBiases(0)[k]:R} against {expected:R}");
        }
    }

    [Fact]
    public void BatchMethods_Throw_ForBadInput()
    {
        var network = new Network(3, Loss.HalfSquaredError, new Dense(2, TransferFunction.Relu), new Dense(2, TransferFunction.Identity));
        BatchWorkspace ws = network.CreateBatchWorkspace(4);
        var gradient = new float[network.Definition.ParameterCount];
        float[] inputs = new float[3 * 4], targets = new float[2 * 4];

        var e = Assert.Throws<ArgumentException>("inputs", () => network.TrainBatch(new float[7], new float[4], 0.1f, ws));
        Assert.Contains("multiple of the input width 3", e.Message);
        e = Assert.Throws<ArgumentException>("inputs", () => network.TrainBatch(new float[15], new float[10], 0.1f, ws));
        Assert.Contains("at most 4", e.Message);
        Assert.Throws<ArgumentException>("inputs", () => network.PredictBatch([], [], ws));
        e = Assert.Throws<ArgumentException>("targets", () => network.BackpropagateBatch(inputs, new float[7], gradient, ws));
        Assert.Contains("expected 8", e.Message);
        Assert.Throws<ArgumentException>("gradient", () => network.BackpropagateBatch(inputs, targets, new float[3], ws));
        Assert.Throws<ArgumentException>("outputs", () => network.PredictBatch(inputs, new float[3], ws));
        inputs[5] = float.NaN;
        e = Assert.Throws<ArgumentException>("inputs", () => network.TrainBatch(inputs, targets, 0.1f, ws));
        Assert.Contains("inputs[5]", e.Message);
        inputs[5] = 0;
        targets[1] = float.PositiveInfinity;
        Assert.Throws<ArgumentException>("targets", () => network.TrainBatch(inputs, targets, 0.1f, ws));
        targets[1] = 0;
        Assert.Throws<ArgumentOutOfRangeException>("learningRate", () => network.TrainBatch(inputs, targets, float.NaN, ws));
        var other = new Network(3, Loss.HalfSquaredError, new Dense(3, TransferFunction.Relu), new Dense(2, TransferFunction.Identity));
        e = Assert.Throws<ArgumentException>("workspace", () => network.TrainBatch(inputs, targets, 0.1f, other.CreateBatchWorkspace(4)));
        Assert.Contains("made for a 3-3-2", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>("capacity", () => network.CreateBatchWorkspace(0));
        Assert.Throws<ArgumentOutOfRangeException>("batchSize", () => ws.GetOutputs(0, 5));
    }

    [Fact]
    public void TrainBatch_AllocatesNothing_InSteadyState()
    {
        var c = new NetworkCase(new NetworkDefinition(100, Loss.CrossEntropy, new Dense(64, TransferFunction.Relu), new Dense(10, TransferFunction.Softmax)), 1, 2);
        var b = new Batch(c, 32);
        Network network = c.CreateNetwork();
        BatchWorkspace ws = network.CreateBatchWorkspace(32);
        var gradient = new float[network.Definition.ParameterCount];
        var outputs = new float[32 * 10];
        for (int i = 0; i < 3; i++)
        {
            network.TrainBatch(b.Inputs, b.Targets, 0.01f, ws);
            network.BackpropagateBatch(b.Inputs, b.Targets, gradient, ws);
            network.PredictBatch(b.Inputs, outputs, ws);
        }
        Assert.Equal(0, SteadyStateAllocation.Measure(() =>
        {
            for (int i = 0; i < 5; i++)
            {
                network.TrainBatch(b.Inputs, b.Targets, 0.01f, ws);
                network.BackpropagateBatch(b.Inputs, b.Targets, gradient, ws);
                network.PredictBatch(b.Inputs, outputs, ws);
            }
        }));
    }
}
