using FastBackprop.Data;
using FastBackprop.Tests.Support;
using FastBackprop.Training;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.NetworkTests;

// ---------------------------------------------------------------------------------------------
// Every built-in loss on its own: the float engine (Loss.Pattern, the kernels of OutputDelta)
// against the double reference (Loss.Reference) on random outputs and targets, the reference's
// signal against central differences of its value (in y, or in net through the output function
// for the fused losses), values worked out by hand from PyTorch's definitions, and the checks.
//
// Tolerance: the engine rounds each difference and product once (2^-24) and sums E in double or
// in canonical float lanes; 1e-5 of the terms' scale is ~100x above that and far below any wrong
// formula (a lost factor 2 or 1/K, a wrong sign, a missing smoothing term are O(1) relative).
// ---------------------------------------------------------------------------------------------

/// <summary>The losses against their double references and definitions.</summary>
public class LossProperties
{
    private sealed record LossCase(LossPairing Pairing, int Width, ulong Seed)
    {
        public override string ToString() => $"{Pairing} width={Width} seed={Seed}";
    }

    private static Arbitrary<LossCase> Cases { get; } =
        (from pairing in LossCatalog.Pairing
         from width in Gen.Choose(1, 40)
         from seed in NetworkGenerators.Seed
         select new LossCase(pairing, pairing.Output is SoftmaxFunction ? Math.Max(2, width) : width, seed)).ToArbitrary();

    // Net sums in (-4, 4), outputs y = f(net) by the engine's float function, and targets for the loss.
    private static (float[] Net, float[] Y, float[] Target) Operands(LossCase c)
    {
        var random = new SeededRandom(c.Seed);
        var net = new float[c.Width];
        for (int k = 0; k < net.Length; k++) net[k] = random.NextSymmetric(4f);
        var y = new float[c.Width];
        c.Pairing.Output.Activate(net, y);
        return (net, y, c.Pairing.Targets(c.Width, random));
    }

    [Property(MaxTest = 300)]
    public Property Pattern_MatchesReference_ValueAndSignal() =>
        Prop.ForAll(Cases, c =>
        {
            (float[] net, float[] y, float[] target) = Operands(c);
            Loss loss = c.Pairing.Loss;
            var signal = new float[c.Width];
            float error = loss.Pattern(c.Pairing.Output, net, y, target, signal);
            var expected = new double[c.Width];
            double reference = loss.Reference(c.Pairing.Output, NetworkGenerators.ToDouble(net), NetworkGenerators.ToDouble(y), NetworkGenerators.ToDouble(target), expected);
            double perOutput = loss.MeanOverOutputs ? 1.0 / c.Width : 1.0, scale = Math.Abs(reference);
            for (int k = 0; k < c.Width; k++) scale += (Math.Abs(y[k]) + Math.Abs(target[k])) * (1 + Math.Abs(net[k])) * perOutput;
            Assert.True(Math.Abs(error - reference) <= 1e-5 * scale, $"{c}: E engine {error:R}, reference {reference:R}");
            for (int k = 0; k < c.Width; k++)
            {
                double tolerance = 1e-5 * (Math.Abs(y[k]) + Math.Abs(target[k]) + 1) * perOutput;
                Assert.True(Math.Abs(signal[k] - expected[k]) <= tolerance, $"{c}: signal[{k}] engine {signal[k]:R}, reference {expected[k]:R}");
            }
        });

    [Property(MaxTest = 200)]
    public Property Reference_SignalIsTheDerivativeOfTheValue() =>
        Prop.ForAll(Cases, c =>
        {
            (float[] netF, float[] _, float[] targetF) = Operands(c);
            Loss loss = c.Pairing.Loss;
            TransferFunction output = c.Pairing.Output;
            bool fused = loss.GivesNetGradient(output);
            double[] net = NetworkGenerators.ToDouble(netF), target = NetworkGenerators.ToDouble(targetF), y = new double[c.Width];
            output.Activate(net, y);
            var signal = new double[c.Width];
            double error = loss.Reference(output, net, y, target, signal);
            const double h = 1e-6;
            for (int k = 0; k < c.Width; k++)
            {
                if (loss == Loss.MeanAbsoluteError && Math.Abs(y[k] - target[k]) < 4 * h) continue;   // the kink
                double numeric = (At(+h) - At(-h)) / (2 * h);
                double tolerance = 1e-6 * (1 + Math.Abs(error)) + 1e-5 * Math.Abs(signal[k]);
                Assert.True(Math.Abs(numeric - signal[k]) <= tolerance, $"{c}: signal[{k}] {signal[k]:R}, central differences {numeric:R}");

                // E with net_k (fused) or y_k moved by step.
                double At(double step)
                {
                    double[] n = (double[])net.Clone(), o = (double[])y.Clone();
                    if (fused)
                    {
                        n[k] += step;
                        output.Activate(n, o);
                    }
                    else o[k] += step;
                    return loss.Reference(output, n, o, target, new double[c.Width]);
                }
            }
        });

    public static TheoryData<string, float[], float[], float[], double, double[]> KnownValues => new()
    {
        // name, net, y, target, E, signal: worked by hand from PyTorch's definitions (reduction='mean' over the outputs).
        { "mse", [0, 0], [1, 2], [0, 0], 2.5, [1, 2] },                                       // (1 + 4) / 2; 2 r / K
        { "mae", [0, 0, 0], [1, -2, 0.5f], [0, 0, 0.5f], 1.0, [1 / 3.0, -1 / 3.0, 0] },         // (1 + 2 + 0) / 3; subgradient 0 at r = 0
        { "huber(1)", [0, 0], [0.5f, 3], [0, 0], 1.3125, [0.25, 0.5] },                      // (0.125 + 1 (3 - 0.5)) / 2; clamp(r, -1, 1) / 2
        { "huber(2)", [0], [-5], [0], 8.0, [-2] },                                            // 2 (5 - 1); -2
        { "poisson", [0, 0.6931471805599453f], [1, 2], [1, 3], (1 + 2 - 3 * 0.6931471805599453) / 2, [0, -0.5] },   // (e^net - d net) / K; (y - d) / K
        { "ce(0.2)", [0, 0], [0.5f, 0.5f], [1, 0], Math.Log(2), [-0.4, 0.4] },              // t = 0.8 d + 0.1: -Σ t ln ½; y - t
        { "bce", [0], [0.5f], [1], Math.Log(2), [-0.5] },
        { "hse", [0, 0], [1, 2], [0, 0], 2.5, [1, 2] },                                       // ½ (1 + 4); y - d
    };

    [Theory]
    [MemberData(nameof(KnownValues))]
    public void Pattern_GivesPyTorchsValues(string name, float[] net, float[] y, float[] target, double error, double[] signal)
    {
        Loss loss = Loss.FromName(name);
        TransferFunction output = name switch
        {
            "poisson" => TransferFunction.Exp,
            "bce" => TransferFunction.Logistic,
            "ce(0.2)" => TransferFunction.Softmax,
            _ => TransferFunction.Identity,
        };
        var actual = new float[y.Length];
        Assert.Equal(error, loss.Pattern(output, net, y, target, actual), 6);
        for (int k = 0; k < y.Length; k++) Assert.Equal(signal[k], actual[k], 6);
    }

    public static TheoryData<Loss> AllLosses => new(LossCatalog.Pairings.Select(p => p.Loss).Distinct());

    [Theory]
    [MemberData(nameof(AllLosses))]
    public void FromName_ReadsEveryNameBack(Loss loss)
    {
        Loss read = Loss.FromName(loss.Name);
        Assert.Equal(loss, read);
        Assert.Equal(loss.Name, read.Name);
        Assert.Equal(loss.Name, Loss.FromName(loss.Name.ToUpperInvariant()).Name);
    }

    [Theory]
    [InlineData("half-squared-error", "hse")]
    [InlineData("cross-entropy", "ce")]
    [InlineData("huber", "huber(1)")]
    [InlineData("ce(0)", "ce")]
    [InlineData("huber(1.5)", "huber(1.5)")]
    [InlineData("binary-cross-entropy", "bce")]
    public void FromName_ReadsAliasesAndDefaults(string name, string expected) => Assert.Equal(expected, Loss.FromName(name).Name);

    [Theory]
    [InlineData("huber(0)", "huber delta")]
    [InlineData("huber(-1)", "huber delta")]
    [InlineData("huber(nan)", "huber delta")]
    [InlineData("huber(x)", "a number in the parentheses")]
    [InlineData("ce(1.5)", "label smoothing in [0, 1]")]
    [InlineData("ce(-0.1)", "label smoothing in [0, 1]")]
    [InlineData("cosine", "expected one of hse")]
    public void FromName_Throws_ForBadNamesAndParameters(string name, string part)
    {
        var e = Assert.Throws<ArgumentException>(() => Loss.FromName(name));
        Assert.Equal("name", e.ParamName);
        Assert.Contains(part, e.Message);
    }

    [Fact]
    public void Factories_Throw_ForParametersOutOfRange()
    {
        Assert.Equal("delta", Assert.Throws<ArgumentOutOfRangeException>(() => Loss.Huber(0f)).ParamName);
        Assert.Equal("delta", Assert.Throws<ArgumentOutOfRangeException>(() => Loss.Huber(float.PositiveInfinity)).ParamName);
        Assert.Equal("smoothing", Assert.Throws<ArgumentOutOfRangeException>(() => Loss.CategoricalCrossEntropy(1.01f)).ParamName);
        Assert.Equal("smoothing", Assert.Throws<ArgumentOutOfRangeException>(() => Loss.CategoricalCrossEntropy(float.NaN)).ParamName);
        Assert.Same(Loss.CrossEntropy, Loss.CategoricalCrossEntropy(0f));
    }

    [Theory]
    [InlineData("bce", "softmax", "expected logistic in the output layer")]
    [InlineData("bce", "identity", "expected logistic in the output layer")]
    [InlineData("poisson", "identity", "expected exp in the output layer")]
    [InlineData("poisson", "softmax", "expected exp in the output layer")]
    [InlineData("ce(0.1)", "logistic", "expected softmax in the output layer")]
    [InlineData("ce", "tanh", "expected softmax or logistic in the output layer")]
    [InlineData("ce", "exp", "expected softmax or logistic in the output layer")]
    public void NetworkDefinition_Throws_ForAnOutputFunctionTheLossDoesNotTake(string loss, string output, string part)
    {
        var e = Assert.Throws<ArgumentException>(() => new NetworkDefinition(2, Loss.FromName(loss), new Dense(3, TransferFunction.Tanh), new Dense(2, TransferFunction.FromName(output))));
        Assert.Equal("loss", e.ParamName);
        Assert.Contains($"output transfer function '{output}'", e.Message);
        Assert.Contains(part, e.Message);
    }

    // A Dataset refuses non-finite values itself; the loss's check is the same rule for targets that reach it otherwise.
    [Theory]
    [InlineData("hse", "identity", new float[] { 0, float.NaN }, "target 1 is NaN; HalfSquaredError expects finite targets")]
    [InlineData("mse", "identity", new float[] { float.PositiveInfinity, 0 }, "target 0 is Infinity; MeanSquaredError expects finite targets")]
    [InlineData("mae", "tanh", new float[] { 0, float.NegativeInfinity }, "target 1 is -Infinity; MeanAbsoluteError expects finite targets")]
    [InlineData("huber(1)", "identity", new float[] { float.NaN, 0 }, "target 0 is NaN; Huber(1) expects finite targets")]
    [InlineData("bce", "logistic", new float[] { 0.5f, float.NaN }, "target 1 is NaN; binary cross-entropy expects targets in [0, 1]")]
    [InlineData("poisson", "exp", new float[] { float.PositiveInfinity, 1 }, "target 0 is Infinity; the Poisson loss expects counts or rates")]
    [InlineData("ce", "softmax", new float[] { float.NaN, 1 }, "target 0 is NaN; cross-entropy expects targets in [0, 1]")]
    public void TargetProblem_RejectsNonFiniteTargets(string loss, string output, float[] bad, string expected) =>
        Assert.Equal(expected, Loss.FromName(loss).TargetProblem(TransferFunction.FromName(output), bad)![..expected.Length]);

    [Theory]
    [InlineData("ce", "softmax", new float[] { 0.5f, 0.4f }, "the targets sum to 0.9")]
    [InlineData("ce(0.1)", "softmax", new float[] { 1.2f, -0.2f }, "target 0 is 1.2; cross-entropy expects targets in [0, 1]")]
    [InlineData("ce", "logistic", new float[] { 0.5f, 1.5f }, "target 1 is 1.5; cross-entropy expects targets in [0, 1]")]
    [InlineData("bce", "logistic", new float[] { -0.5f, 0.5f }, "target 0 is -0.5; binary cross-entropy expects targets in [0, 1]")]
    [InlineData("poisson", "exp", new float[] { 2, -1 }, "target 1 is -1; the Poisson loss expects counts or rates, finite and at least 0")]
    public void Fit_Throws_ForTargetsTheLossDoesNotTake_NamingThePattern(string loss, string output, float[] bad, string part)
    {
        var network = new Network(1, Loss.FromName(loss), new Dense(2, TransferFunction.FromName(output)));
        float[] good = loss is "ce" or "ce(0.1)" ? [0.25f, 0.75f] : [0.5f, 0.5f];
        var data = new Dataset([0f, 1f, 2f], 1, [.. good, .. good, .. bad], 2);
        var e = Assert.Throws<ArgumentException>(() => Trainer.Fit(network, data, new TrainingOptions { Epochs = 1 }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("pattern 2: ", e.Message);
        Assert.Contains(part, e.Message);
    }

    [Theory]
    [MemberData(nameof(AllLosses))]
    public void Fit_TakesEveryLossWithSuitableTargets(Loss loss)
    {
        LossPairing pairing = LossCatalog.Pairings.First(p => p.Loss.Equals(loss));
        var network = new Network(3, loss, new Dense(5, TransferFunction.Tanh), new Dense(2, pairing.Output));
        network.InitializeWeights(3);
        var random = new SeededRandom(11);
        var inputs = new float[30 * 3];
        var targets = new List<float>();
        for (int p = 0; p < 30; p++)
        {
            for (int i = 0; i < 3; i++) inputs[p * 3 + i] = random.NextSymmetric(1f);
            targets.AddRange(pairing.Targets(2, random));
        }
        var data = new Dataset(inputs, 3, [.. targets], 2);
        double before = Trainer.Evaluate(network, data).Loss;
        Trainer.Fit(network, data, new TrainingOptions { Epochs = 30, BatchSize = 5, LearningRate = 0.05f }, cancellationToken: TestContext.Current.CancellationToken);
        double after = Trainer.Evaluate(network, data).Loss;
        Assert.True(after < before, $"{pairing}: loss {before} before training, {after} after");
    }
}
