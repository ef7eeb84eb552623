using FastBackprop.Data;
using FastBackprop.Reference;
using FastBackprop.Tests.NetworkTests;
using FastBackprop.Tests.Support;
using FastBackprop.Training;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;
using static FastBackprop.Tests.Training.TrainingSamples;

namespace FastBackprop.Tests.Training;

// ---------------------------------------------------------------------------------------------
// Sample weights against their definition, the weighted mean Σ_p w_p E_p / Σ_p w_p of each batch
// (scikit-learn's sample_weight), and against the data set in which each pattern is repeated
// w_p times (integer weights).
//
// TOLERANCE. The repeated batch's plain mean gradient is the mean of its pattern gradients, held
// by BatchProperties to NetworkProperties.RelativeTolerance x (the mean of their error scales)
// against the double reference. The weighted gradient is the same mean with each pattern counted
// w_p times: its reference value and its scale are the weighted means Σ w_p g_p / W and
// Σ w_p S_p / W, which are exactly the repeated batch's (W = Σ w_p = the repeated batch's size).
// The weighting adds one multiplication per signal element (s_p = w_p B / W, itself two roundings),
// a relative 3u, far inside the bound's margin. Both are therefore within that bound of the same
// reference, and so (triangle inequality) within twice it of each other: that is the tolerance
// between weighted and repeated training, asserted here per parameter. Rectifier networks are
// left out: a net sum at a kink may legitimately take either f' (see BatchProperties).
// ---------------------------------------------------------------------------------------------

/// <summary>Weighted batches versus the reference weighted mean and versus repeated patterns.</summary>
public class SampleWeightProperties
{
    private sealed record WeightedBatch(NetworkCase Case, int[] Weights)
    {
        public int Size => Weights.Length;

        public NetworkCase Pattern(int p) => Case with { DataSeed = Case.DataSeed + (ulong)p };

        /// <summary>The patterns, each once (Repeated false) or w_p times in place (Repeated true).</summary>
        public (float[] Inputs, float[] Targets, int Rows) Rows(bool repeated)
        {
            var x = new List<float>();
            var d = new List<float>();
            int rows = 0;
            for (int p = 0; p < Size; p++)
            {
                for (int copy = 0; copy < (repeated ? Weights[p] : 1); copy++, rows++)
                {
                    x.AddRange(Pattern(p).CreateInput());
                    d.AddRange(Pattern(p).CreateTarget());
                }
            }
            return ([.. x], [.. d], rows);
        }
    }

    private static bool HasRectifier(NetworkDefinition d)
    {
        foreach (Layer layer in d.Layers)
        {
            if (layer is Dense { Transfer: RectifierFunction }) return true;
        }
        return false;
    }

    private static Arbitrary<WeightedBatch> Batches() =>
        (from c in NetworkGenerators.Cases(maxDepth: 3, maxWidth: 24).Where(c => !HasRectifier(c.Definition))
         from size in Gen.Choose(2, 12)
         from weights in Gen.Choose(0, 3).ArrayOf(size).Where(w => w.Any(v => v > 0))
         select new WeightedBatch(c, weights)).ToArbitrary();

    // The reference weighted means: Σ_p w_p g_p / W, Σ_p w_p S_p / W, Σ_p w_p E_p / W and its scale.
    private static (double[] Gradient, double[] Scale, double Error, double ErrorScale) Reference(WeightedBatch b, double[] parameters)
    {
        var gradient = new double[parameters.Length];
        var scale = new double[parameters.Length];
        double error = 0, errorScale = 0, total = b.Weights.Sum();
        for (int p = 0; p < b.Size; p++)
        {
            if (b.Weights[p] == 0) continue;
            NetworkCase c = b.Pattern(p);
            float[] input = c.CreateInput(), target = c.CreateTarget();
            ReferencePass pass = ReferenceBackprop.Run(c.Definition, parameters, NetworkGenerators.ToDouble(input), NetworkGenerators.ToDouble(target));
            var scales = ErrorScales.Compute(c.Definition, parameters, input, target, pass);
            for (int i = 0; i < gradient.Length; i++)
            {
                gradient[i] += b.Weights[p] * pass.Gradient[i] / total;
                scale[i] += b.Weights[p] * scales.Gradient[i] / total;
            }
            error += b.Weights[p] * pass.Error / total;
            errorScale += b.Weights[p] * scales.Error / total;
        }
        return (gradient, scale, error, errorScale);
    }

    [Property(MaxTest = 40)]
    public Property WeightedBatchGradient_MatchesReferenceWeightedMean_AndRepeatedPatterns() =>
        Prop.ForAll(Batches(), b =>
        {
            Network network = b.Case.CreateNetwork();
            var (expected, scale, error, errorScale) = Reference(b, NetworkGenerators.ToDouble(network.Parameters));

            var (x, d, rows) = b.Rows(repeated: false);
            using BatchWorkspace ws = network.CreateBatchWorkspace(rows);
            ws.UseWeights([.. b.Weights.Select(w => (float)w)]);
            var weighted = new float[network.Definition.ParameterCount];
            float weightedError = network.BackpropagateBatch(x, d, weighted, ws);

            var (xr, dr, repeatedRows) = b.Rows(repeated: true);
            using BatchWorkspace wr = network.CreateBatchWorkspace(repeatedRows);
            var repeated = new float[network.Definition.ParameterCount];
            float repeatedError = network.BackpropagateBatch(xr, dr, repeated, wr);

            NetworkProperties.AssertClose(weighted, expected, scale, "weighted batch gradient");
            NetworkProperties.AssertClose(repeated, expected, scale, "repeated batch gradient");
            NetworkProperties.AssertClose(weightedError, error, errorScale, "weighted mean E");
            NetworkProperties.AssertClose(repeatedError, error, errorScale, "repeated mean E");
            for (int i = 0; i < weighted.Length; i++)
            {
                double tolerance = 2 * NetworkProperties.RelativeTolerance * scale[i];
                Assert.True(Math.Abs(weighted[i] - repeated[i]) <= tolerance,
                    $"parameter {i}: weighted {weighted[i]:R}, repeated {repeated[i]:R}, |diff| > {tolerance:E3}");
            }
        });

    /// <summary>Full-batch training (batch = data size, so no shuffle matters) on weighted data and on the repeated
    /// data, several epochs: each step's gradients agree within the bound above, and plain SGD keeps the weights
    /// within a few steps' worth of it (asserted loosely: 1e-4 relative to the largest weight).</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FullBatchFit_Weighted_EqualsRepeated(bool adam)
    {
        Dataset data = Regression().Subset([.. Enumerable.Range(0, 40)]);
        int[] counts = [.. Enumerable.Range(0, data.Count).Select(i => i % 4)];   // 0, 1, 2, 3, ...
        Dataset weighted = data.WithWeights([.. counts.Select(c => (float)c)]);
        Dataset repeated = data.Subset([.. Enumerable.Range(0, data.Count).SelectMany(i => Enumerable.Repeat(i, counts[i]))]);

        float[] Train(Dataset set) => TrainedWeights(RegressionNetwork(), set, epochs: 5, set.Count, adam, adam ? 0.01f : 0.1f);
        float[] a = Train(weighted), b = Train(repeated);
        double largest = a.Max(Math.Abs);
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) <= 1e-4 * largest, $"parameter {i}: weighted {a[i]:R}, repeated {b[i]:R}");
    }

    // The weights after unshuffled training with plain SGD or Adam.
    private static float[] TrainedWeights(Network network, Dataset set, int epochs, int batchSize, bool adam, float rate)
    {
        Fit(network, set, new TrainingOptions
        {
            Epochs = epochs,
            BatchSize = batchSize,
            Shuffle = false,
            LearningRate = rate,
            Optimizer = adam ? new Adam(network.Definition.ParameterCount) : null,
        });
        return network.Parameters.ToArray();
    }

    public static TheoryData<int, bool> Settings => new() { { 1, false }, { 1, true }, { 7, false }, { 7, true }, { 5000, false }, { 5000, true } };

    [Theory]
    [MemberData(nameof(Settings))]
    public void Fit_WeightsAllOne_IsBitIdenticalToNoWeights(int batchSize, bool adam)
    {
        Dataset data = DigitsSplit().Train.Subset([.. Enumerable.Range(0, 300)]);
        Dataset ones = data.WithWeights([.. Enumerable.Repeat(1f, data.Count)]);
        (float[] Weights, double Loss, double Validation) Train(Dataset set)
        {
            Network network = DigitsNetwork();
            TrainingHistory h = Fit(network, set, new TrainingOptions
            {
                Epochs = 2,
                BatchSize = batchSize,
                Seed = 5,
                ValidationFraction = 0.2,
                LearningRate = adam ? 1e-3f : 0.05f,
                Optimizer = adam ? new Adam(network.Definition.ParameterCount) : null,
            });
            return (network.Parameters.ToArray(), h.Epochs[^1].TrainingLoss, h.Epochs[^1].Validation!.Loss);
        }
        var plain = Train(data);
        var weighted = Train(ones);
        Assert.Equal(plain.Weights, weighted.Weights);
        Assert.Equal(plain.Loss, weighted.Loss);
        Assert.Equal(plain.Validation, weighted.Validation);
    }

    /// <summary>The optimizers that evaluate trial points (BatchObjective: the batch plan for L-BFGS, the per-pattern
    /// Gauss-Newton product for Levenberg-Marquardt): weights of all 1 give the bits of no weights, and, for
    /// Levenberg-Marquardt, integer weights train as repeated patterns (full batch, within 1e-3 of the largest weight).
    /// L-BFGS's trajectory is not compared: its line search's accept/reject decisions turn last-bit differences of the
    /// loss into different steps (1% apart after one iteration here); its objective is, below.</summary>
    [Theory]
    [InlineData("lbfgs")]
    [InlineData("lm")]
    public void ObjectiveOptimizers_Weighted_AsNoWeightsAndAsRepeated(string name)
    {
        Dataset data = Regression().Subset([.. Enumerable.Range(0, 30)]);
        int[] counts = [.. Enumerable.Range(0, data.Count).Select(i => (i + 1) % 3)];
        Dataset repeated = data.Subset([.. Enumerable.Range(0, data.Count).SelectMany(i => Enumerable.Repeat(i, counts[i]))]);
        float[] Train(Dataset set)
        {
            Network network = RegressionNetwork();
            int n = network.Definition.ParameterCount;
            Optimizer optimizer = name == "lm" ? new LevenbergMarquardt(n) : new Lbfgs(n);
            Fit(network, set, new TrainingOptions { Epochs = 3, BatchSize = set.Count, Shuffle = false, Optimizer = optimizer });
            return network.Parameters.ToArray();
        }
        Assert.Equal(Train(data), Train(data.WithWeights([.. Enumerable.Repeat(1f, data.Count)])));
        if (name != "lm") return;
        float[] a = Train(data.WithWeights([.. counts.Select(c => (float)c)])), b = Train(repeated);
        double largest = a.Max(Math.Abs);
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) <= 1e-3 * largest, $"parameter {i}: weighted {a[i]:R}, repeated {b[i]:R}");
    }

    /// <summary>The trial-point objective (BatchObjective.Evaluate: mean loss and gradient) on weighted patterns equals
    /// the one on the repeated patterns, within the bound of the property above (here 1e-6 of the largest entry).</summary>
    [Fact]
    public void BatchObjective_Weighted_EqualsRepeated()
    {
        Dataset data = Regression().Subset([.. Enumerable.Range(0, 30)]);
        int[] counts = [.. Enumerable.Range(0, data.Count).Select(i => (i + 1) % 3)];
        Dataset repeated = data.Subset([.. Enumerable.Range(0, data.Count).SelectMany(i => Enumerable.Repeat(i, counts[i]))]);
        Network network = RegressionNetwork();
        (double Loss, float[] Gradient) Evaluate(Dataset set, float[]? weights)
        {
            using BatchWorkspace ws = network.CreateBatchWorkspace(set.Count);
            var objective = new BatchObjective(network, ws);
            objective.Bind(new Batch(set.Inputs.ToArray(), set.Targets.ToArray(), default, set.Count, weights));
            var gradient = new float[network.Definition.ParameterCount];
            return (objective.Evaluate(network.Parameters, gradient), gradient);
        }
        var (weightedLoss, weighted) = Evaluate(data, [.. counts.Select(c => (float)c)]);
        var (repeatedLoss, plain) = Evaluate(repeated, null);
        Assert.Equal(repeatedLoss, weightedLoss, 1e-6 * repeatedLoss);
        double largest = plain.Max(Math.Abs);
        for (int i = 0; i < plain.Length; i++) Assert.True(Math.Abs(weighted[i] - plain[i]) <= 1e-6 * largest, $"gradient {i}: weighted {weighted[i]:R}, repeated {plain[i]:R}");
    }

    /// <summary>Online (a batch of one pattern, as the objective optimizers see it at BatchSize 1), the objective is
    /// w_p E_p with gradient w_p ∇E_p, as every online step weighs a pattern; its Gauss-Newton value is the same figure.
    /// Weight 4 is a power of two, so the gradient's scaled signal is exact and the loss is 4 E_p to the bit.</summary>
    [Fact]
    public void BatchObjective_Online_IsTheWeightTimesThePatternsLoss()
    {
        Dataset data = Regression().Subset([3]);
        Network network = RegressionNetwork();
        (double Loss, float[] Gradient, double GaussNewton) Evaluate(float[]? weights)
        {
            using BatchWorkspace ws = network.CreateBatchWorkspace(1);
            var objective = new BatchObjective(network, ws);
            objective.Bind(new Batch(data.Inputs.ToArray(), data.Targets.ToArray(), default, 1, weights), online: true);
            var gradient = new float[network.Definition.ParameterCount];
            double loss = objective.Evaluate(network.Parameters, gradient);
            int n = network.Definition.ParameterCount;
            double gaussNewton = objective.EvaluateGaussNewton(network.Parameters, new double[n * (n + 1) / 2], new double[n]);
            return (loss, gradient, gaussNewton);
        }
        var (plainLoss, plain, plainGaussNewton) = Evaluate(null);
        var (weightedLoss, weighted, weightedGaussNewton) = Evaluate([4f]);
        Assert.Equal(4 * plainLoss, weightedLoss);
        Assert.Equal(plainLoss, plainGaussNewton, 1e-6 * plainLoss);
        Assert.Equal(weightedLoss, weightedGaussNewton, 1e-6 * weightedLoss);
        Assert.Equal([.. plain.Select(g => 4 * g)], weighted);
    }

    /// <summary>Patterns of weight 0 change nothing: full batches of 8 real patterns, and of the same 8 with 8
    /// zero-weight patterns after them (a power-of-two share, so every scale is exact: the weights agree to the bit).</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Fit_ZeroWeightPatterns_HaveNoEffect(bool adam)
    {
        Dataset all = DigitsSplit().Train.Subset([.. Enumerable.Range(0, 16)]);
        Dataset real = all.Subset([.. Enumerable.Range(0, 8)]).WithWeights([.. Enumerable.Repeat(1f, 8)]);
        Dataset padded = all.WithWeights([.. Enumerable.Range(0, 16).Select(i => i < 8 ? 1f : 0f)]);
        float[] Train(Dataset set) => TrainedWeights(DigitsNetwork(), set, epochs: 3, set.Count, adam, adam ? 1e-3f : 0.05f);
        Assert.Equal(Train(real), Train(padded));
    }

    /// <summary>A batch whose weights sum to 0 is no step (not a zero-gradient step: Adam's moments would move the
    /// weights), and online training with a weight of 0 skips the pattern.</summary>
    [Theory]
    [InlineData(1, false)]
    [InlineData(4, true)]
    public void Fit_BatchOfZeroWeights_MakesNoUpdate(int batchSize, bool adam)
    {
        Dataset all = DigitsSplit().Train.Subset([.. Enumerable.Range(0, 8)]);
        Dataset first = all.Subset([.. Enumerable.Range(0, batchSize)]);
        Dataset withZeros = all.WithWeights([.. Enumerable.Range(0, 8).Select(i => i < batchSize ? 1f : 0f)]);
        float[] Train(Dataset set) => TrainedWeights(DigitsNetwork(), set, epochs: 1, batchSize, adam, adam ? 1e-3f : 0.05f);
        Assert.Equal(Train(first), Train(withZeros));
    }

    /// <summary>Online plain SGD (batch size 1): a weighted pattern's step is w_p times its gradient, so weight 2
    /// gives the step at twice the learning rate.</summary>
    [Fact]
    public void OnlineFit_Weight_ScalesTheStep()
    {
        Dataset one = DigitsSplit().Train.Subset([0]);
        Network a = DigitsNetwork(), b = DigitsNetwork();
        Fit(a, one.WithWeights([2f]), new TrainingOptions { Epochs = 1, BatchSize = 1, LearningRate = 0.05f });
        Fit(b, one, new TrainingOptions { Epochs = 1, BatchSize = 1, LearningRate = 0.1f });
        Assert.Equal(b.Parameters.ToArray(), a.Parameters.ToArray());
    }

    [Fact]
    public void Evaluate_Weighted_ReportsWeightedMeans()
    {
        Dataset test = DigitsSplit().Test.Subset([.. Enumerable.Range(0, 50)]);
        float[] w = [.. Enumerable.Range(0, test.Count).Select(i => (float)(i % 3))];
        Network network = DigitsNetwork();
        Fit(network, DigitsSplit().Train, new TrainingOptions { Epochs = 2, Seed = 1 });
        Evaluation e = Trainer.Evaluate(network, test.WithWeights(w));

        double loss = 0, correct = 0, total = w.Sum();
        for (int p = 0; p < test.Count; p++)
        {
            loss += w[p] * network.ComputeLoss(test.GetInput(p), test.GetTarget(p));
            var y = new float[10];
            network.Predict(test.GetInput(p), y);
            if (Array.IndexOf(y, y.Max()) == test.GetLabel(p)) correct += w[p];
        }
        Assert.Equal(total, e.WeightSum);
        Assert.Equal(loss / total, e.Loss, 5);
        Assert.Equal(correct / total, e.Accuracy!.Value, 12);
        Assert.Equal(test.Count, e.Count);
        Assert.Null(Trainer.Evaluate(network, test).WeightSum);
    }

    [Fact]
    public void Evaluate_WeightedRegression_ReportsWeightedMse()
    {
        Dataset data = Regression();
        float[] w = [.. Enumerable.Range(0, data.Count).Select(i => 0.5f + i % 5)];
        Network network = RegressionNetwork();
        Evaluation e = Trainer.Evaluate(network, data.WithWeights(w));
        double squared = 0, total = 0;
        for (int p = 0; p < data.Count; p++)
        {
            var y = new float[2];
            network.Predict(data.GetInput(p), y);
            for (int k = 0; k < 2; k++) squared += w[p] * (double)(y[k] - data.GetTarget(p)[k]) * (y[k] - data.GetTarget(p)[k]);
            total += w[p];
        }
        Assert.Equal(squared / (total * 2), e.MeanSquaredError!.Value, 9);
    }

    [Fact]
    public void Fit_ValidationSplitWithOnlyZeroWeightsForTraining_Throws()
    {
        Dataset data = DigitsSplit().Train.Subset([0, 1, 2, 3]);
        var (_, trainRows) = data.SplitRows(0.5, 7 ^ 0x5EED5EED5EED5EEDUL);
        float[] w = new float[4];
        for (int i = 0; i < 4; i++) w[i] = trainRows.Contains(i) ? 0f : 1f;
        var e = Assert.Throws<ArgumentException>("data", () => Fit(DigitsNetwork(), data.WithWeights(w), new TrainingOptions { Epochs = 1, Seed = 7, ValidationFraction = 0.5 }));
        Assert.Contains("all 0", e.Message, StringComparison.Ordinal);
    }
}
