using FastBackprop.Training;
using Xunit;
using static FastBackprop.Tests.Training.TrainingSamples;

namespace FastBackprop.Tests.Training;

/// <summary>The new optimizers under the divergence policy: an absurd learning rate either stops with the last finite
/// weights (Throw) or is halved until the run trains (HalveLearningRate), the optimizer's whole state rewound with the
/// weights; the line-search and second-order methods never diverge, since they reject non-finite trial points.</summary>
public class OptimizerDivergenceTests
{
    public static TheoryData<string> RateDrivenKinds() => new("adagrad", "adamax", "nadam", "radam");

    private static Optimizer Create(string kind, int n) => kind switch
    {
        "quickprop" => new Quickprop(n),
        "adagrad" => new AdaGrad(n),
        "adamax" => new Adamax(n),
        "nadam" => new NAdam(n),
        "radam" => new RAdam(n),
        "lbfgs" => new Lbfgs(n),
        "scg" => new ScaledConjugateGradient(n),
        _ => new LevenbergMarquardt(n),
    };

    [Theory]
    [MemberData(nameof(RateDrivenKinds))]
    public void Fit_AbsurdRate_StopsWithFiniteWeightsOrHalvesUntilItTrains(string kind)
    {
        Network network = RegressionNetwork();
        var options = new TrainingOptions { Epochs = 2, BatchSize = 20, LearningRate = 1e30f, Optimizer = Create(kind, network.Definition.ParameterCount) };
        var e = Assert.Throws<TrainingDivergedException>(() => Fit(network, Regression(), options));
        Assert.Contains("epoch 1", e.Message, StringComparison.Ordinal);
        Assert.All(network.Parameters.ToArray(), w => Assert.True(float.IsFinite(w)));

        Network halved = RegressionNetwork();
        TrainingHistory history = Fit(halved, Regression(), options with
        {
            Optimizer = Create(kind, halved.Definition.ParameterCount),
            OnDivergence = DivergencePolicy.HalveLearningRate,
            MaxLearningRateHalvings = 200,
        });
        Assert.True(history.LearningRateHalvings > 0, $"{kind}: no halving at eta 1e30.");
        Assert.Equal(2, history.Epochs.Count);
        Assert.All(halved.Parameters.ToArray(), w => Assert.True(float.IsFinite(w)));
    }

    [Fact]
    public void Fit_QuickpropAtAbsurdRate_StaysWithinItsWeightClamp()
    {
        // FANN's clamp keeps every weight in [-1500, 1500]: with tanh hidden units the outputs stay finite.
        Network network = RegressionNetwork();
        Fit(network, Regression(), new TrainingOptions { Epochs = 2, BatchSize = 20, LearningRate = 1e30f, Optimizer = Create("quickprop", network.Definition.ParameterCount) });
        Assert.All(network.Parameters.ToArray(), w => Assert.InRange(w, -1500f, 1500f));
    }

    [Theory]
    [InlineData("lbfgs")]
    [InlineData("scg")]
    [InlineData("lm")]
    public void Fit_ObjectiveOptimizers_RejectNonFiniteTrialsAndNeverDiverge(string kind)
    {
        Network network = RegressionNetwork();
        TrainingHistory history = Fit(network, Regression(), new TrainingOptions
        {
            Epochs = 3,
            BatchSize = 200,
            LearningRate = 1e30f,   // L-BFGS's first trial step: far into overflow
            Optimizer = Create(kind, network.Definition.ParameterCount),
        });
        Assert.Equal(0, history.LearningRateHalvings);
        Assert.All(network.Parameters.ToArray(), w => Assert.True(float.IsFinite(w)));
        // A trial the line search cannot bring back to finite values is never taken: the loss may stall at that rate, never rise.
        Assert.True(history.Epochs[^1].TrainingLoss <= history.Epochs[0].TrainingLoss, $"{kind}: the loss rose.");
    }
}
