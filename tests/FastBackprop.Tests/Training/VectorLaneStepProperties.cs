using FastBackprop.Data;
using FastBackprop.Tests.Support;
using FastBackprop.Training;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Training;

/// <summary>The vector-lane engine (VectorLaneStep): every lane's loss sums, outputs and parameters equal, bit for bit,
/// the same run made alone through its own BatchStep on the same rows at the same rates; for every built-in transfer
/// function and loss, per pattern and in mini-batches (short batches, idle lanes, lanes at different rates, on different
/// data, with and without sample weights).
/// FsCheck prints the Replay seed of a failing case; run at every tier (DOTNET_EnableAVX512=0, DOTNET_EnableAVX2=0,
/// DOTNET_EnableHWIntrinsic=0).</summary>
public class VectorLaneStepProperties
{
    private const int Rows = 40;   // per lane's data set

    private static readonly float[] RateChoices = [0f, 1e-3f, 0.01f, 0.05f, 0.1f, 0.3f, 0.5f, 1f];

    /// <summary>Every built-in function a hidden layer may have.</summary>
    private static TransferFunction[] Hidden(float slope) =>
    [
        TransferFunction.Logistic, TransferFunction.Tanh, TransferFunction.Relu, TransferFunction.LeakyRelu(slope), TransferFunction.Identity,
        .. TransferCatalog.NewFunctions, TransferFunction.Exp,
    ];

    /// <summary>A lane case: the shape, the lanes and batch size, and the seed of everything else (weights, data,
    /// rates, rows, counts).</summary>
    public sealed record LaneCase(NetworkDefinition Definition, int Lanes, int BatchSize, ulong Seed)
    {
        public override string ToString() => $"{Definition} x {Lanes} lanes, batch {BatchSize}, seed {Seed}";
    }

    private static Gen<NetworkDefinition> Definitions() =>
        from depth in Gen.Choose(1, 4)
        from inputWidth in Width()
        from widths in Width().ArrayOf(depth)
        from slope in NetworkGenerators.Slope
        from picks in Gen.Choose(0, 1000).ArrayOf(depth)
        select Build(inputWidth, widths, picks, slope);

    private static Gen<int> Width() => Gen.Frequency((3, Gen.Choose(1, 5)), (2, Gen.Choose(1, 20)), (2, Gen.Elements(1, 3, 15, 16, 17)));

    private static NetworkDefinition Build(int inputWidth, int[] widths, int[] picks, float slope)
    {
        TransferFunction[] hidden = Hidden(slope);
        TransferFunction[] output = [.. hidden, TransferFunction.Softmax];
        var layers = new Layer[widths.Length];
        for (int l = 0; l < layers.Length; l++)
        {
            TransferFunction[] choices = l == layers.Length - 1 ? output : hidden;
            TransferFunction f = choices[picks[l] % choices.Length];
            layers[l] = new Dense(widths[l], f == TransferFunction.Softmax && widths[l] == 1 ? TransferFunction.Identity : f);   // softmax needs 2 units
        }
        return new NetworkDefinition(inputWidth, Loss.HalfSquaredError, layers);
    }

    /// <summary>Definitions of <see cref="Definitions"/> with the output layer and loss of a built-in pairing
    /// (LossCatalog: every loss with each output function it takes).</summary>
    private static Gen<NetworkDefinition> LossDefinitions() =>
        from definition in Definitions()
        from pairing in LossCatalog.Pairing
        select WithLoss(definition, pairing);

    private static NetworkDefinition WithLoss(NetworkDefinition definition, LossPairing pairing)
    {
        Layer[] layers = definition.Layers.ToArray();
        int width = Math.Max(((Dense)layers[^1]).Width, pairing.Output is SoftmaxFunction ? 2 : 1);
        layers[^1] = new Dense(width, pairing.Output);
        return new NetworkDefinition(definition.InputWidth, pairing.Loss, layers);
    }

    private static Arbitrary<LaneCase> Cases(params int[] batchSizes) => Cases(Definitions(), batchSizes);

    private static Arbitrary<LaneCase> Cases(Gen<NetworkDefinition> definitions, int[] batchSizes) =>
        (from definition in definitions
         from lanes in Gen.Frequency((1, Gen.Constant(16)), (2, Gen.Choose(1, 16)))
         from batchSize in Gen.Elements(batchSizes)
         from seed in Gen.Choose(0, int.MaxValue)
         select new LaneCase(definition, lanes, batchSize, (ulong)seed)).ToArbitrary();

    [Property(MaxTest = 80)]
    public Property PerPattern_EveryLaneEqualsItsRunAlone() => Prop.ForAll(Cases(1), c => Compare(c, steps: 8));

    [Property(MaxTest = 80)]
    public Property MiniBatch_EveryLaneEqualsItsRunAlone() => Prop.ForAll(Cases(3, 16, 33), c => Compare(c, steps: 5));

    /// <summary>The online fast path (every lane one row, the half squared error, no sample weights; with 16 lanes on
    /// one data set the rows come by hardware gathers), and its exits: now and then a step with an idle lane.</summary>
    [Property(MaxTest = 80)]
    public Property Online_EveryLaneEqualsItsRunAlone() => Prop.ForAll(Cases(1, 3), c => Compare(c, steps: 8, online: true));

    /// <summary>Every other built-in loss (cross-entropies over softmax and logistic outputs, binary cross-entropy, MSE,
    /// MAE, Huber, Poisson over exp), per pattern and in mini-batches.</summary>
    [Property(MaxTest = 80)]
    public Property OtherLosses_EveryLaneEqualsItsRunAlone() => Prop.ForAll(Cases(LossDefinitions(), [1, 3, 16]), c => Compare(c, steps: 4));

    /// <summary>Tiny shapes (every width 1-4, every layer logistic or every layer tanh: the engine's register-resident
    /// passes, TinyLanePasses) per pattern, online and with single-row lanes among batches, with the half squared
    /// error and with each loss whose output layer keeps the shape tiny (cross-entropy and binary cross-entropy over
    /// logistic: the output delta given as ∂E/∂net; MSE over logistic, MAE and Huber over tanh).</summary>
    [Property(MaxTest = 80)]
    public Property Tiny_EveryLaneEqualsItsRunAlone() => Prop.ForAll(Cases(NetworkGenerators.TinyDefinitions(), [1, 3]), c => Compare(c, steps: 8));

    [Property(MaxTest = 80)]
    public Property TinyOnline_EveryLaneEqualsItsRunAlone() => Prop.ForAll(Cases(NetworkGenerators.TinyDefinitions(), [1]), c => Compare(c, steps: 8, online: true));

    /// <summary>Sums longer than Gemm's depth block (KC = 256), which a batch splits and merges block by block: over
    /// the inputs (forward), the units (the input gradient) and the rows (the weight product).</summary>
    [Theory]
    [InlineData(300, 3, 3)]
    [InlineData(3, 270, 2)]
    [InlineData(2, 3, 260)]
    [InlineData(300, 3, 1)]
    public void LongSums_SplitAsGemmSplitsThem(int inputs, int hidden, int batchSize)
    {
        var definition = new NetworkDefinition(inputs, Loss.HalfSquaredError, new Dense(hidden, TransferFunction.Tanh), new Dense(2, TransferFunction.Identity));
        Compare(new LaneCase(definition, 3, batchSize, 11), steps: 3);
    }

    [Fact]
    public void Divergence_IsReportedForItsLane_AndTheOthersStillEqualAlone()
    {
        var definition = new NetworkDefinition(3, Loss.HalfSquaredError, new Dense(5, TransferFunction.Identity), new Dense(2, TransferFunction.Identity));
        foreach (int batchSize in new[] { 1, 4 })
        {
            var c = new LaneCase(definition, 5, batchSize, 7);
            float[] rates = [0.1f, 0.05f, 1e30f, 0.01f, 0.2f];
            AssertLaneTwoDiverges(new Harness(c, _ => rates), steps: 4, $"batch {batchSize}: lane 2 at rate 1e30");
        }
    }

    /// <summary>The online fast path's exits on divergence: a weight that overflows in its update (reported by the fast
    /// path) and then, its lane going on, a loss that is not finite (the general path's step, the lane frozen).</summary>
    [Theory]
    [InlineData(16, 1e38f, 8)]
    [InlineData(16, 1e30f, 8)]
    [InlineData(16, 1e38f, 9)]
    [InlineData(5, 1e38f, 8)]
    public void Online_Divergence_IsReportedForItsLane_AndTheOthersStillEqualAlone(int lanes, float rate, ulong seed)
    {
        var definition = new NetworkDefinition(3, Loss.HalfSquaredError, new Dense(5, TransferFunction.Identity), new Dense(2, TransferFunction.Identity));
        var c = new LaneCase(definition, lanes, 1, seed);
        float[] rates = [.. Enumerable.Range(0, lanes).Select(i => i == 2 ? rate : 0.05f)];
        AssertLaneTwoDiverges(new Harness(c, _ => rates, online: true, keepStepping: true), steps: 6, $"{lanes} lanes: lane 2 at rate {rate}");
    }

    private static void AssertLaneTwoDiverges(Harness h, int steps, string what)
    {
        bool diverged = false;
        for (int s = 0; s < steps; s++) diverged |= h.Step(s) is { } failures && failures[2];
        Assert.True(diverged, $"{what} reports a divergence");
        h.AssertParametersEqual();
    }

    /// <summary>A row out of range: the fast path leaves it to the general path's check, which throws before any lane moves.</summary>
    [Theory]
    [InlineData(16, true, 6)]
    [InlineData(16, false, 6)]
    [InlineData(16, true, 5)]
    [InlineData(3, false, 6)]
    public void Online_RowOutOfRange_ThrowsAndMovesNoLane(int lanes, bool tooLarge, ulong seed)
    {
        var definition = new NetworkDefinition(2, Loss.HalfSquaredError, new Dense(4, TransferFunction.Logistic), new Dense(2, TransferFunction.Logistic));
        Harness h = new(new LaneCase(definition, lanes, 1, seed), _ => [.. Enumerable.Repeat(0.1f, lanes)], online: true);
        h.Step(0);
        int[] rows = new int[lanes], counts = [.. Enumerable.Repeat(1, lanes)];
        float[] rates = [.. Enumerable.Repeat(0.1f, lanes)];
        rows[lanes - 1] = tooLarge ? Rows : -1;
        Assert.Throws<ArgumentOutOfRangeException>(() => h.Lanes.Run(rows, counts, rates, new StepResult[lanes]));
        h.AssertParametersEqual();
    }

    [Fact]
    public void Supports_IsFalse_ExactlyOutsidePlainSgdDenseBuiltInFunctionsAndLosses()
    {
        var dense = new NetworkDefinition(2, Loss.HalfSquaredError, new Dense(4, TransferFunction.Logistic), new Dense(2, TransferFunction.Softmax));
        var data = new Dataset(new float[4], 2, new float[4], 2);
        var plain = new TrainingOptions();
        Assert.True(VectorLaneStep.Supports(dense, plain, 1, data));
        Assert.True(VectorLaneStep.Supports(dense, plain, 32, data));
        Assert.True(VectorLaneStep.Supports(dense, plain with { Regularization = new Regularization() }, 8, data));
        Assert.False(VectorLaneStep.Supports(dense, plain with { Optimizer = new Adam(dense.ParameterCount) }, 1, data));
        Assert.False(VectorLaneStep.Supports(dense, plain with { GradientClipNorm = 1f }, 1, data));
        Assert.False(VectorLaneStep.Supports(dense, plain with { Regularization = new Regularization { L2 = 1e-4f } }, 1, data));
        Assert.False(VectorLaneStep.Supports(dense, plain with { Regularization = new Regularization { L1 = 1e-4f } }, 1, data));
        Assert.False(VectorLaneStep.Supports(dense, plain with { Regularization = new Regularization { MaxNorm = 3f } }, 1, data));
        Assert.True(VectorLaneStep.Supports(dense, plain, 1, data.WithWeights([1f, 2f])));
        var crossEntropy = new NetworkDefinition(2, Loss.CrossEntropy, new Dense(4, TransferFunction.Logistic), new Dense(2, TransferFunction.Softmax));
        Assert.True(VectorLaneStep.Supports(crossEntropy, plain, 1, data));
        var dropout = new NetworkDefinition(2, Loss.HalfSquaredError, new Dense(4, TransferFunction.Logistic), new Dropout(0.5f), new Dense(2, TransferFunction.Identity));
        Assert.False(VectorLaneStep.Supports(dropout, plain, 1, data));
        var custom = new NetworkDefinition(2, Loss.HalfSquaredError, new Dense(4, new Cube()), new Dense(2, TransferFunction.Identity));
        Assert.False(VectorLaneStep.Supports(custom, plain, 1, data));
    }

    [Fact]
    public void Constructor_RefusesWhatItDoesNotTrain()
    {
        var definition = new NetworkDefinition(2, Loss.HalfSquaredError, new Dense(3, TransferFunction.Tanh), new Dense(2, TransferFunction.Identity));
        var data = new Dataset(new float[4], 2, new float[4], 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => new VectorLaneStep(definition, [data], 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VectorLaneStep(definition, [data], 1, 17));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VectorLaneStep(definition, [data], 0, 1));
        Assert.Throws<ArgumentException>(() => new VectorLaneStep(definition, [data, data], 1, 1));
        Assert.Throws<ArgumentException>(() => new VectorLaneStep(definition, [new Dataset(new float[6], 3, new float[4], 2)], 1, 1));
        var dropout = new NetworkDefinition(2, Loss.HalfSquaredError, new Dropout(0.5f), new Dense(2, TransferFunction.Identity));
        Assert.Throws<ArgumentException>(() => new VectorLaneStep(dropout, [data], 1, 1));
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(8, false)]
    [InlineData(1, true)]
    public void Run_AllocatesNothing_InSteadyState(int batchSize, bool online)
    {
        var c = new LaneCase(new NetworkDefinition(2, Loss.HalfSquaredError, new Dense(4, TransferFunction.Logistic), new Dense(3, TransferFunction.Logistic),
            new Dense(2, TransferFunction.Logistic)), 16, batchSize, online ? 4UL : 3UL);   // 4: one data set for all lanes
        Harness h = new(c, _ => RateChoices[3..4], online);
        int[] rows = new int[16 * batchSize], counts = new int[16];
        float[] rates = new float[16];
        var results = new StepResult[16];
        for (int i = 0; i < 16; i++)
        {
            counts[i] = online ? 1 : i == 5 ? 0 : batchSize - (i % 2);   // online: the fast path (one shared data set); else an idle lane, and lanes of different counts
            rates[i] = 0.1f;
            for (int p = 0; p < batchSize; p++) rows[(i * batchSize) + p] = (i + p) % Rows;
        }
        counts[0] = 1;
        VectorLaneStep step = h.Lanes;
        void Steps()
        {
            for (int s = 0; s < 20; s++) step.Run(rows, counts, rates, results);
        }
        Steps();
        Assert.Equal(0, SteadyStateAllocation.Measure(Steps));
    }

    private static bool Compare(LaneCase c, int steps, bool online = false)
    {
        var random = new SeededRandom(c.Seed ^ 0x5eed);
        Harness h = new(c, _ =>
        {
            var rates = new float[c.Lanes];
            for (int i = 0; i < rates.Length; i++) rates[i] = RateChoices[random.NextInt32(RateChoices.Length)];
            return rates;
        }, online);
        for (int s = 0; s < steps; s++) h.Step(s);
        h.AssertParametersEqual();
        return true;
    }

    /// <summary>K runs alone (a network and its BatchStep each) beside one VectorLaneStep holding the same K networks.
    /// Online: no sample weights, every lane one row a step except now and then an idle lane, all lanes on one data set
    /// for even seeds; keepStepping: a diverged lane goes on stepping (the lock-step driver stops it; here its exits).</summary>
    private sealed class Harness
    {
        private readonly LaneCase c;
        private readonly Func<int, float[]> ratesOf;
        private readonly Network[] alone;
        private readonly BatchStep[] steps;
        private readonly Dataset[] data;
        private readonly bool[] stopped;
        private readonly SeededRandom random;
        private readonly bool online, keepStepping;

        public Harness(LaneCase c, Func<int, float[]> ratesOf, bool online = false, bool keepStepping = false)
        {
            this.online = online;
            this.keepStepping = keepStepping;
            this.c = c;
            this.ratesOf = ratesOf;
            random = new SeededRandom(c.Seed);
            var options = new TrainingOptions { DegreeOfParallelism = 1 };
            alone = new Network[c.Lanes];
            steps = new BatchStep[c.Lanes];
            data = new Dataset[c.Lanes];
            stopped = new bool[c.Lanes];
            for (int i = 0; i < c.Lanes; i++)
            {
                alone[i] = new Network(c.Definition);
                alone[i].InitializeWeights(c.Seed + (ulong)i);
                steps[i] = BatchStep.Create(alone[i], options, c.BatchSize, new SeededRandom(1));
                data[i] = online && c.Seed % 2 == 0 && i > 0 ? data[0] : RandomData(c.Definition, random);
                if (!online && random.NextInt32(3) == 0) data[i] = data[i].WithWeights(RandomWeights(random));   // some lanes weighted
                Assert.True(VectorLaneStep.Supports(c.Definition, options, c.BatchSize, data[i]));
            }
            Lanes = new VectorLaneStep(c.Definition, data, c.BatchSize, c.Lanes);
            for (int i = 0; i < c.Lanes; i++) Lanes.Load(i, alone[i].Parameters);
        }

        public VectorLaneStep Lanes { get; }

        /// <summary>One step of every lane (some idle, some short), compared lane by lane; returns which lanes diverged.</summary>
        public bool[] Step(int s)
        {
            int b = c.BatchSize;
            float[] rates = new float[LaneStep.Capacity];
            ratesOf(s).CopyTo(rates, 0);
            int[] rows = new int[c.Lanes * b], counts = new int[c.Lanes];
            int idle = online && random.NextInt32(6) == 0 ? random.NextInt32(c.Lanes) : -1;
            for (int i = 0; i < c.Lanes; i++)
            {
                int draw = random.NextInt32(10);
                counts[i] = stopped[i] || draw == 0 ? 0 : draw == 1 ? 1 + random.NextInt32(b) : b;   // idle, short or full
                if (online) counts[i] = i == idle || (stopped[i] && !keepStepping) ? 0 : 1;
                for (int p = 0; p < b; p++) rows[(i * b) + p] = random.NextInt32(Rows);
            }
            var results = new StepResult[c.Lanes];
            Lanes.Run(rows, counts, rates, results);
            bool[] diverged = new bool[c.Lanes];
            for (int i = 0; i < c.Lanes; i++)
            {
                if (counts[i] == 0) continue;
                string what = $"{c}, step {s}, lane {i} ({counts[i]} rows at {rates[i]:R})";
                StepResult expected = RunAlone(i, rows.AsSpan(i * b, counts[i]), rates[i], out bool weighsNothing);
                Assert.True(expected.Failure == results[i].Failure, $"{what}: failure {results[i].Failure}, alone {expected.Failure}");
                Canonical.AssertSameBits([expected.LossSum], [results[i].LossSum], $"{what}: loss sum");
                if (expected.Failure is not null)
                {
                    Assert.Equal(expected.Layer, results[i].Layer);
                    diverged[i] = stopped[i] = true;   // the driver replays such a run alone
                    continue;
                }
                if (weighsNothing) Assert.True(Lanes.Outputs(i, counts[i]).IsEmpty, $"{what}: no step, no outputs");
                else Canonical.AssertSameBits(steps[i].Outputs(c.Definition.LayerCount - 1, counts[i]), Lanes.Outputs(i, counts[i]), $"{what}: outputs");
                var stored = new float[c.Definition.ParameterCount];
                Lanes.Store(i, stored);
                Canonical.AssertSameBits(alone[i].Parameters, stored, $"{what}: parameters");
            }
            return diverged;
        }

        public void AssertParametersEqual()
        {
            for (int i = 0; i < c.Lanes; i++)
            {
                var stored = new float[c.Definition.ParameterCount];
                Lanes.Store(i, stored);
                Canonical.AssertSameBits(alone[i].Parameters, stored, $"{c}: lane {i}'s final parameters");
            }
        }

        // The batch as BatchSource gathers it: the rows' inputs and targets copied into contiguous blocks.
        private StepResult RunAlone(int lane, ReadOnlySpan<int> rows, float rate, out bool weighsNothing)
        {
            Dataset set = data[lane];
            int inputs = set.InputWidth, targets = set.TargetWidth;
            float[] x = new float[rows.Length * inputs], d = new float[rows.Length * targets];
            for (int p = 0; p < rows.Length; p++)
            {
                set.Inputs.Slice(rows[p] * inputs, inputs).CopyTo(x.AsSpan(p * inputs));
                set.Targets.Slice(rows[p] * targets, targets).CopyTo(d.AsSpan(p * targets));
            }
            float[] w = set.HasWeights ? [.. rows.ToArray().Select(r => set.Weights[r])] : [];
            weighsNothing = set.HasWeights && w.Sum() == 0;
            return steps[lane].Run(new Batch(x, d, default, rows.Length, w), rate);
        }
    }

    private static Dataset RandomData(NetworkDefinition definition, SeededRandom random)
    {
        var x = new float[Rows * definition.InputWidth];
        var d = new float[Rows * definition.OutputWidth];
        for (int i = 0; i < x.Length; i++) x[i] = random.NextSymmetric(2f);
        var pairing = new LossPairing(definition.Loss, definition.OutputLayer.Transfer);
        for (int p = 0; p < Rows; p++)
        {
            float[] target = definition.Loss == Loss.HalfSquaredError ? [.. Enumerable.Range(0, definition.OutputWidth).Select(_ => random.NextSymmetric(1f))]
                : pairing.Targets(definition.OutputWidth, random);
            target.CopyTo(d, p * definition.OutputWidth);
        }
        return new Dataset(x, definition.InputWidth, d, definition.OutputWidth);
    }

    // Sample weights with zeros among them (a batch of zeros makes no step), equal runs and fractions.
    private static float[] RandomWeights(SeededRandom random)
    {
        float[] choices = [0f, 0.5f, 1f, 1f, 2.25f, 3f];
        var w = new float[Rows];
        for (int p = 0; p < Rows; p++) w[p] = choices[random.NextInt32(choices.Length)];
        return w;
    }

    /// <summary>A user-defined function: the lane engine does not train it.</summary>
    private sealed class Cube : ElementwiseTransferFunction
    {
        public override string Name => "lane-test-cube";
        public override double Function(double x) => x * x * x;
        public override double Derivative(double x) => 3 * x * x;
    }
}
