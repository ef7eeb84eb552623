using System.Runtime.InteropServices;
using FastBackprop.Data;
using FastBackprop.IO;
using FastBackprop.Kernels;
using FastBackprop.Reference;
using FastBackprop.Tests.Support;
using FastBackprop.Training;
using FsCheck.Xunit;
using Xunit;
using static FastBackprop.Tests.Training.TrainingSamples;

namespace FastBackprop.Tests.Training;

// ---------------------------------------------------------------------------------------------
// Regularization end to end: the penalised objective's gradient against central differences of
// the double reference loss plus the penalty; which parameters the bias choice penalises; L2 with
// biases = the optimizers' weightDecay, to the bit; max-norm after every step; the default (none)
// taking the old strategies; the range checks; 0 B per step.
// ---------------------------------------------------------------------------------------------

/// <summary><see cref="Regularization"/> through <see cref="Trainer.Fit"/>, the batch steps and the objective.</summary>
[Properties(Arbitrary = [typeof(OptimizerGenerators)], MaxTest = 40)]
public class RegularizationTests
{
    private static readonly Regularization[] Settings =
    [
        new() { L1 = 0.05f },
        new() { L2 = 0.2f },
        new() { L1 = 0.02f, L2 = 0.1f, PenalizeBiases = true },
        new() { L2 = 0.3f, PenalizeBiases = true },
    ];

    // ---- the gradient -------------------------------------------------------------------------

    /// <summary>The objective the full-batch optimizers see, E(w) + P(w): its value and gradient (Evaluate, and the
    /// Gauss-Newton form) against central differences of the reference loss plus the penalty, in double.</summary>
    [Property]
    public void PenalisedObjective_GradientMatchesCentralDifferences(OptimizerCase c)
    {
        var random = new SeededRandom(c.Seed);
        using var problem = new NetworkProblem(random);
        Network network = problem.Network;
        NetworkDefinition definition = network.Definition;
        int n = definition.ParameterCount;
        RandomizeBiases(network, random);
        Regularization regularization = Settings[random.NextInt32(Settings.Length)];
        using BatchWorkspace workspace = network.CreateBatchWorkspace(problem.Data.Count);
        var objective = new BatchObjective(network, workspace, new ParameterPenalty(definition, regularization));
        objective.Bind(new Batch(problem.Data.Inputs.ToArray(), problem.Data.Targets.ToArray(), default, problem.Data.Count));
        float[] w = network.Parameters.ToArray();
        float[] gradient = new float[n];

        double value = objective.Evaluate(w, gradient);

        double[] wd = [.. w.Select(v => (double)v)];
        double expected = ReferenceObjective(problem.Data, definition, regularization, wd);
        string where = $"{c}, {problem}, {regularization}";
        Assert.True(Math.Abs(value - expected) <= 1e-5 * (1 + Math.Abs(expected)), $"{where}: E + P {value:R}, reference {expected:R}.");
        const double H = 1e-3;
        double sumOfDifferences = 0;
        for (int i = 0; i < n; i++)
        {
            if (regularization.L1 > 0 && w[i] != 0 && Math.Abs(w[i]) < 2 * H) continue;   // |w| kinks inside the stencil
            double saved = wd[i];
            wd[i] = saved + H;
            double up = ReferenceObjective(problem.Data, definition, regularization, wd);
            wd[i] = saved - H;
            double down = ReferenceObjective(problem.Data, definition, regularization, wd);
            wd[i] = saved;
            double difference = (up - down) / (2 * H);
            sumOfDifferences += Math.Abs(difference);
            Assert.True(Math.Abs(gradient[i] - difference) <= 1e-4 * (1 + Math.Abs(difference)), $"{where}: gradient[{i}] {gradient[i]:R}, central difference {difference:R}.");
        }
        Assert.True(sumOfDifferences > 1e-3, $"{where}: the central differences are all ~0 (vacuous test).");

        // The Gauss-Newton form: the same gradient, and G gains L2 on exactly the penalised diagonal.
        double[] packed = new double[n * (n + 1) / 2], gnGradient = new double[n];
        double[] plainPacked = new double[packed.Length], plainGradient = new double[n];
        double gnValue = objective.EvaluateGaussNewton(w, packed, gnGradient);
        problem.Objective.EvaluateGaussNewton(w, plainPacked, plainGradient);
        Assert.True(Math.Abs(gnValue - value) <= 1e-6 * (1 + Math.Abs(value)), $"{where}: Gauss-Newton E + P {gnValue:R}, Evaluate's {value:R}.");
        bool[] penalised = Penalised(definition, regularization.PenalizeBiases);
        for (int i = 0; i < n; i++)
        {
            Assert.True(Math.Abs(gnGradient[i] - gradient[i]) <= 1e-5 * (1 + Math.Abs(gradient[i])), $"{where}: Gauss-Newton gradient[{i}] {gnGradient[i]:R}, Evaluate's {gradient[i]:R}.");
            for (int j = 0; j <= i; j++)
            {
                int at = (i * (i + 1) / 2) + j;
                double expectedG = i == j && penalised[i] ? plainPacked[at] + regularization.L2 : plainPacked[at];
                Assert.True(expectedG == packed[at], $"{where}: G[{i}, {j}] {packed[at]:R}, expected {expectedG:R}.");
            }
        }
    }

    /// <summary>The penalty's gradient lands on the weights only by default, and on the biases too with PenalizeBiases:
    /// checked on the penalty's own gradient and on one full-batch step against the same step without the penalty.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BiasPenalty_ChangesExactlyTheIntendedParameters(bool penalizeBiases)
    {
        Dataset data = Regression();
        var regularization = new Regularization { L1 = 0.01f, L2 = 0.1f, PenalizeBiases = penalizeBiases };
        Network plain = RegressionNetworkWithBiases(), penalisedNetwork = RegressionNetworkWithBiases();
        bool[] penalised = Penalised(plain.Definition, penalizeBiases);
        Assert.Equal(penalizeBiases, penalised.All(p => p));

        float[] gradient = new float[plain.Definition.ParameterCount];
        new ParameterPenalty(plain.Definition, regularization).AddGradient(gradient, plain.Parameters);
        for (int i = 0; i < gradient.Length; i++) Assert.True(penalised[i] == (gradient[i] != 0), $"penalty gradient[{i}] = {gradient[i]}; penalised {penalised[i]}.");

        int count = plain.Definition.ParameterCount;
        TrainingOptions options = new() { Epochs = 1, BatchSize = data.Count, Shuffle = false, LearningRate = 0.1f, Optimizer = new Sgd(count) };
        Fit(plain, data, options);
        Fit(penalisedNetwork, data, options with { Optimizer = new Sgd(count), Regularization = regularization });
        for (int i = 0; i < count; i++)
        {
            bool changed = BitConverter.SingleToInt32Bits(plain.Parameters[i]) != BitConverter.SingleToInt32Bits(penalisedNetwork.Parameters[i]);
            Assert.True(changed == penalised[i], $"parameter {i}: {plain.Parameters[i]:R} without the penalty, {penalisedNetwork.Parameters[i]:R} with; penalised {penalised[i]}.");
        }
    }

    /// <summary>L2 = lambda on every parameter is the optimizers' coupled weightDecay = lambda, bit for bit over a whole Fit
    /// (the same fused multiply-add, before the same update); plain SGD with L2 is Sgd with weightDecay.</summary>
    [Theory]
    [InlineData("sgd")]
    [InlineData("momentum")]
    [InlineData("adam")]
    [InlineData("rmsprop")]
    public void L2WithBiases_EqualsWeightDecay_BitForBit(string kind)
    {
        const float Lambda = 3e-3f;
        (Dataset train, _) = DigitsSplit();
        Network decayed = DigitsNetwork(), penalised = DigitsNetwork();
        int n = decayed.Definition.ParameterCount;
        Optimizer? Create(float decay) => kind switch
        {
            "sgd" => decay == 0 ? null : new Sgd(n, weightDecay: decay),
            "momentum" => new Sgd(n, momentum: 0.9f, weightDecay: decay),
            "adam" => new Adam(n, weightDecay: decay),
            _ => new RmsProp(n, weightDecay: decay),
        };
        TrainingOptions options = new() { Epochs = 2, BatchSize = 32, Seed = 4, LearningRate = kind is "adam" or "rmsprop" ? 1e-3f : 0.05f };
        Fit(decayed, train, options with { Optimizer = Create(Lambda) });
        Fit(penalised, train, options with { Optimizer = Create(0f), Regularization = new Regularization { L2 = Lambda, PenalizeBiases = true } });
        OptimizerProperties.AssertBitEqual(decayed.Parameters, penalised.Parameters, $"{kind}: weights");
    }

    // ---- max-norm -----------------------------------------------------------------------------

    /// <summary>After every step no unit's incoming weight vector is longer than c (within the projection's rounding), with
    /// the fused plain-SGD step, online SGD and Adam; and the constraint was active (some rows sit at c).</summary>
    [Theory]
    [InlineData(null, 32)]
    [InlineData(null, 1)]
    [InlineData("adam", 16)]
    public void MaxNorm_NoUnitExceedsC_AfterEveryStep(string? optimizer, int batchSize)
    {
        const float C = 0.8f;
        (Dataset train, _) = DigitsSplit();
        Dataset data = train.Split(0.25, seed: 3).First;
        Network network = DigitsNetwork();
        int rowsAtC = 0;
        void Check(BatchReport report)
        {
            rowsAtC = 0;
            for (int l = 0; l < network.Definition.LayerCount; l++)
            {
                LayerLayout layout = network.Definition.GetLayout(l);
                for (int k = 0; k < layout.Units; k++)
                {
                    double norm = RowNorm(network.Parameters.Slice(layout.WeightOffset + (k * layout.Inputs), layout.Inputs));
                    Assert.True(norm <= C * (1 + 1e-6), $"epoch {report.Epoch}, batch {report.Batch}: layer {l} unit {k} has norm {norm:R} > {C}.");
                    if (norm >= C * (1 - 1e-6)) rowsAtC++;
                }
            }
        }
        Fit(network, data, new TrainingOptions
        {
            Epochs = 2,
            BatchSize = batchSize,
            LearningRate = optimizer is null ? 0.5f : 0.01f,
            Optimizer = optimizer is null ? null : new Adam(network.Definition.ParameterCount),
            Regularization = new Regularization { MaxNorm = C },
            BatchCompleted = Check,
        });
        Assert.True(rowsAtC > 0, "no row reached c: the constraint was never active (vacuous test).");
    }

    // ---- off is the old step -------------------------------------------------------------------

    /// <summary>With nothing set, BatchStep.Create picks the strategies it picked before (the fused plain-SGD step, the
    /// online step, the optimizer's gradient step), with no wrapper; all-zero settings train the same bits as none.</summary>
    [Fact]
    public void NoRegularization_TakesTheOldStepsAndBits()
    {
        Network network = DigitsNetwork();
        using (BatchStep fused = BatchStep.Create(network, new TrainingOptions { Regularization = new Regularization() }, 32, new SeededRandom(1))) Assert.IsType<FusedSgdStep>(fused);
        using (BatchStep online = BatchStep.Create(network, new TrainingOptions(), 1, new SeededRandom(1))) Assert.IsType<OnlineSgdStep>(online);
        using (BatchStep maxNorm = BatchStep.Create(network, new TrainingOptions { Regularization = new Regularization { MaxNorm = 2f } }, 32, new SeededRandom(1))) Assert.IsType<MaxNormStep>(maxNorm);
        using (BatchStep penalised = BatchStep.Create(network, new TrainingOptions { Regularization = new Regularization { L2 = 1e-4f } }, 32, new SeededRandom(1))) Assert.IsType<GradientStep>(penalised);

        (Dataset train, _) = DigitsSplit();
        Network none = DigitsNetwork(), zero = DigitsNetwork();
        var options = new TrainingOptions { Epochs = 1, Seed = 2, LearningRate = 0.05f };
        Fit(none, train, options);
        Fit(zero, train, options with { Regularization = new Regularization() });
        OptimizerProperties.AssertBitEqual(none.Parameters, zero.Parameters, "weights");
    }

    /// <summary>The regularised steps allocate nothing either, once warmed up: plain SGD unfused, online, Adam with max-norm,
    /// and L-BFGS with the penalty in its objective.</summary>
    [Theory]
    [InlineData("sgd", 32)]
    [InlineData("sgd", 1)]
    [InlineData("adam", 32)]
    [InlineData("lbfgs", 64)]
    public void RegularisedStep_AllocatesNothing(string kind, int batchSize)
    {
        Network network = DigitsNetwork();
        int n = network.Definition.ParameterCount;
        var options = new TrainingOptions
        {
            Optimizer = kind switch { "adam" => new Adam(n), "lbfgs" => new Lbfgs(n, maxIterations: 2), _ => null },
            Regularization = new Regularization { L1 = 1e-4f, L2 = 1e-3f, MaxNorm = kind == "lbfgs" ? 0f : 3f },
        };
        var source = new BatchSource(new DatasetRows(DigitsSplit().Train), batchSize);
        source.SetOrder(new SeededRandom(1), shuffle: false);
        using BatchStep step = BatchStep.Create(network, options, source.BatchSize, new SeededRandom(2));
        void Steps()
        {
            for (int b = 0; b < 4; b++) Assert.Null(step.Run(source.Gather(b), 0.001f).Failure);
        }
        Steps();   // warm-up: JIT, the optimizers' work buffers
        Steps();
        Assert.Equal(0, SteadyStateAllocation.Measure(Steps));
    }

    /// <summary>iRPROP+, which backtracks when the loss grew, is given the penalised loss (the mean data loss plus the
    /// penalty at the step's weights), the function the penalised gradient belongs to.</summary>
    [Fact]
    public void IrpropPlus_IsGivenThePenalisedLoss()
    {
        Network network = RegressionNetworkWithBiases();
        var regularization = new Regularization { L1 = 1e-3f, L2 = 0.05f };
        var optimizer = new IrpropPlus(network.Definition.ParameterCount);
        var source = new BatchSource(new DatasetRows(Regression()), 50);
        source.SetOrder(new SeededRandom(1), shuffle: false);
        using BatchStep step = BatchStep.Create(network, new TrainingOptions { Optimizer = optimizer, Regularization = regularization }, source.BatchSize, new SeededRandom(2));
        for (int b = 0; b < 3; b++)
        {
            double penalty = regularization.Penalty(network);
            StepResult result = step.Run(source.Gather(b), 0f);
            double expected = ((double)result.LossSum / 50) + penalty;
            Assert.True(expected == optimizer.PreviousLoss, $"step {b}: iRPROP+ was given {optimizer.PreviousLoss:R}; expected the penalised {expected:R}.");
        }
    }

    // ---- the full-batch optimizers --------------------------------------------------------------

    /// <summary>L-BFGS and Levenberg-Marquardt minimise the penalised objective: a strong L2 penalty ends with smaller weights
    /// than none; max-norm is refused for them with an error naming the option.</summary>
    [Theory]
    [InlineData("lbfgs")]
    [InlineData("lm")]
    [InlineData("scg")]
    public void ObjectiveOptimizers_MinimiseThePenalisedObjective(string kind)
    {
        Dataset data = Regression();
        double NormAfter(Regularization? regularization)
        {
            Network network = RegressionNetwork();
            int n = network.Definition.ParameterCount;
            Optimizer optimizer = kind switch { "lbfgs" => new Lbfgs(n), "lm" => new LevenbergMarquardt(n), _ => new ScaledConjugateGradient(n) };
            Fit(network, data, new TrainingOptions { Epochs = 5, BatchSize = data.Count, LearningRate = 1f, Optimizer = optimizer, Regularization = regularization });
            return RowNorm(network.Parameters);
        }
        double plain = NormAfter(null), penalised = NormAfter(new Regularization { L2 = 0.05f, PenalizeBiases = true });
        Assert.True(penalised < 0.8 * plain, $"{kind}: |w| {penalised:R} with L2, {plain:R} without.");

        Network refused = RegressionNetwork();
        var e = Assert.Throws<ArgumentException>(() => Fit(refused, data, new TrainingOptions
        {
            BatchSize = data.Count,
            Optimizer = new Lbfgs(refused.Definition.ParameterCount),
            Regularization = new Regularization { MaxNorm = 1f },
        }));
        Assert.Equal("options.Regularization", e.ParamName);
        Assert.Contains("MaxNorm", e.Message, StringComparison.Ordinal);
    }

    // ---- errors, value, text -----------------------------------------------------------------------

    [Theory]
    [InlineData("L1", -1f)]
    [InlineData("L1", float.NaN)]
    [InlineData("L2", float.PositiveInfinity)]
    [InlineData("L2", -1e-9f)]
    [InlineData("MaxNorm", -2f)]
    [InlineData("MaxNorm", float.NaN)]
    public void Regularization_Throws_ForOutOfRangeValues(string member, float value)
    {
        Regularization regularization = member switch
        {
            "L1" => new() { L1 = value },
            "L2" => new() { L2 = value },
            _ => new() { MaxNorm = value },
        };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Fit(RegressionNetwork(), Regression(), new TrainingOptions { Regularization = regularization }));
        Assert.Equal($"Regularization.{member}", e.ParamName);
        Assert.Contains("expected a finite number, 0 (off) or more", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Penalty_MatchesTheDefinition()
    {
        Network network = RegressionNetworkWithBiases();
        foreach (Regularization regularization in Settings)
        {
            double[] w = [.. network.Parameters.ToArray().Select(v => (double)v)];
            double expected = ReferencePenalty(network.Definition, regularization, w);
            double actual = regularization.Penalty(network);
            Assert.True(Math.Abs(actual - expected) <= 1e-6 * expected, $"{regularization}: {actual:R}, reference {expected:R}.");
        }
        Assert.Equal(0, new Regularization { MaxNorm = 1f }.Penalty(network));
        Assert.Equal("l1 0.02, l2 0.1 (weights and biases)", Settings[2].ToString());
        Assert.Equal("l2 0.2 (weights only), max-norm 3", (Settings[1] with { MaxNorm = 3f }).ToString());
        Assert.Equal("none", new Regularization().ToString());
    }

    /// <summary>L1, L2, both with biases, and max-norm with Adam, through Fit on the digits: one pinned value for every tier
    /// (the penalty and the projection are exactly rounded operations and canonical sums; CI runs this under the four).</summary>
    [Fact]
    public void Fit_Regularised_GivesThePinnedBitsAtEveryTier()
    {
        const string Expected = "601ACD77 B1E5FB31";
        var network = new Network(64, Loss.HalfSquaredError, new Dense(32, TransferFunction.Relu), new Dense(10, TransferFunction.Identity));
        network.InitializeWeights(1, WeightInitialization.HeNormal);
        (Dataset train, _) = DigitsSplit();
        TrainingHistory history = Fit(network, train, new TrainingOptions
        {
            Epochs = 2,
            Seed = 5,
            LearningRate = 2e-3f,
            Optimizer = new Adam(network.Definition.ParameterCount),
            Regularization = new Regularization { L1 = 1e-4f, L2 = 1e-3f, PenalizeBiases = true, MaxNorm = 1.5f },
        });
        var losses = history.Epochs.Select(e => e.TrainingLoss).ToArray();
        string actual = $"{Crc32.Compute(MemoryMarshal.AsBytes(network.Parameters)):X8} {Crc32.Compute(MemoryMarshal.AsBytes(losses.AsSpan())):X8}";
        Assert.True(actual == Expected, $"on {VectorTiers.Active}: expected \"{Expected}\", got \"{actual}\"");
    }

    // ---- helpers -----------------------------------------------------------------------------------

    // The regression network with biases drawn at random (initialisation leaves them 0, where sign and w both vanish).
    private static Network RegressionNetworkWithBiases()
    {
        Network network = RegressionNetwork();
        RandomizeBiases(network, new SeededRandom(17));
        return network;
    }

    private static void RandomizeBiases(Network network, SeededRandom random)
    {
        for (int l = 0; l < network.Definition.LayerCount; l++)
        {
            LayerLayout layout = network.Definition.GetLayout(l);
            for (int k = 0; k < layout.BiasCount; k++) network.Parameters[layout.BiasOffset + k] = random.NextSymmetric(0.5f);
        }
    }

    // penalised[i]: parameter i is a weight, or a bias when biases are penalised; from the layouts, one index at a time.
    private static bool[] Penalised(NetworkDefinition definition, bool biases)
    {
        bool[] penalised = new bool[definition.ParameterCount];
        for (int l = 0; l < definition.LayerCount; l++)
        {
            LayerLayout layout = definition.GetLayout(l);
            for (int i = 0; i < layout.WeightCount; i++) penalised[layout.WeightOffset + i] = true;
            for (int k = 0; k < layout.BiasCount; k++) penalised[layout.BiasOffset + k] = biases;
        }
        return penalised;
    }

    // P(w) = L1 Σ|w| + L2/2 Σ w² over the penalised parameters, in double, written from the definition.
    private static double ReferencePenalty(NetworkDefinition definition, Regularization regularization, double[] w)
    {
        bool[] penalised = Penalised(definition, regularization.PenalizeBiases);
        double sum = 0;
        for (int i = 0; i < w.Length; i++)
        {
            if (penalised[i]) sum += (regularization.L1 * Math.Abs(w[i])) + (0.5 * regularization.L2 * w[i] * w[i]);
        }
        return sum;
    }

    // (1/N) Σ_p E_p(w) + P(w), the reference backpropagation's error in double.
    private static double ReferenceObjective(Dataset data, NetworkDefinition definition, Regularization regularization, double[] w)
    {
        double sum = 0;
        for (int p = 0; p < data.Count; p++)
        {
            double[] x = [.. data.GetInputs(p, 1).ToArray().Select(v => (double)v)];
            double[] d = [.. data.GetTargets(p, 1).ToArray().Select(v => (double)v)];
            sum += ReferenceBackprop.Error(definition, w, x, d);
        }
        return (sum / data.Count) + ReferencePenalty(definition, regularization, w);
    }

    private static double RowNorm(ReadOnlySpan<float> row)
    {
        double sum = 0;
        foreach (float v in row) sum += (double)v * v;
        return Math.Sqrt(sum);
    }
}
