using FastBackprop.Kernels;
using FastBackprop.Training;
using Xunit;

namespace FastBackprop.Tests.Training;

/// <summary>Bad hyper-parameters, mismatched spans and impossible states: each throws, names the culprit, and changes nothing.</summary>
public class OptimizerValidationTests
{
    public static TheoryData<string, string, float> BadHyperParameters() => new()
    {
        { "Sgd", "momentum", -0.1f }, { "Sgd", "momentum", 1f }, { "Sgd", "momentum", float.NaN },
        { "Sgd", "weightDecay", -1e-3f }, { "Sgd", "weightDecay", float.PositiveInfinity },
        { "Adam", "beta1", 1f }, { "Adam", "beta1", -0.5f }, { "Adam", "beta2", float.NaN }, { "Adam", "beta2", 1.5f },
        { "Adam", "epsilon", 0f }, { "Adam", "epsilon", float.NaN }, { "Adam", "weightDecay", -1f },
        { "AdamW", "beta1", float.NaN }, { "AdamW", "epsilon", -1e-8f }, { "AdamW", "weightDecay", float.NaN },
        { "RmsProp", "rho", 1f }, { "RmsProp", "rho", -0.1f }, { "RmsProp", "epsilon", 0f }, { "RmsProp", "weightDecay", -0.1f },
        { "Rprop", "increase", 1f }, { "Rprop", "increase", float.NaN }, { "Rprop", "decrease", 1f }, { "Rprop", "decrease", 0f },
        { "Rprop", "minStep", 0f }, { "Rprop", "maxStep", 1e-7f }, { "Rprop", "initialStep", 100f }, { "Rprop", "weightDecay", float.NaN },
        { "AdaGrad", "epsilon", 0f }, { "AdaGrad", "learningRateDecay", -1f }, { "AdaGrad", "initialAccumulator", float.NaN }, { "AdaGrad", "weightDecay", -1f },
        { "Adamax", "beta1", 1f }, { "Adamax", "beta2", -0.1f }, { "Adamax", "epsilon", 0f }, { "Adamax", "weightDecay", float.PositiveInfinity },
        { "NAdam", "beta1", float.NaN }, { "NAdam", "beta2", 1f }, { "NAdam", "epsilon", -1f }, { "NAdam", "momentumDecay", -1e-3f }, { "NAdam", "weightDecay", -1f },
        { "RAdam", "beta1", 1.5f }, { "RAdam", "beta2", 1f }, { "RAdam", "epsilon", 0f }, { "RAdam", "weightDecay", float.NaN },
        { "Quickprop", "maximumGrowth", 0f }, { "Quickprop", "maximumGrowth", float.NaN }, { "Quickprop", "weightDecay", -1e-4f },
        { "RpropPlus", "increase", 0.9f }, { "RpropPlus", "decrease", 1.5f }, { "RpropPlus", "minStep", -1f }, { "RpropPlus", "initialStep", 1e-9f },
        { "IrpropPlus", "maxStep", float.NaN }, { "IrpropPlus", "weightDecay", -0.5f },
        { "Lbfgs", "gradientTolerance", -1f }, { "Lbfgs", "changeTolerance", float.NaN },
        { "ScaledConjugateGradient", "sigma", 0f }, { "ScaledConjugateGradient", "lambda", float.NegativeInfinity },
        { "LevenbergMarquardt", "mu", 0f }, { "LevenbergMarquardt", "muIncrease", 1f }, { "LevenbergMarquardt", "muDecrease", 1f }, { "LevenbergMarquardt", "muMax", 1e-4f },
    };

    [Theory]
    [MemberData(nameof(BadHyperParameters))]
    public void Optimizer_Throws_BadHyperParameter(string kind, string parameter, float value)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Create(kind, parameter, value));
        Assert.Equal(parameter, e.ParamName);
        Assert.Contains(parameter, e.Message, StringComparison.Ordinal);
        Assert.Contains("expected", e.Message, StringComparison.Ordinal);
        Assert.Contains(value.ToString(System.Globalization.CultureInfo.CurrentCulture), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Optimizer_Throws_ZeroParameterCount()
    {
        Assert.Equal("parameterCount", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(0)).ParamName);
        Assert.Equal("historySize", Assert.Throws<ArgumentOutOfRangeException>(() => new Lbfgs(10, historySize: 0)).ParamName);
        Assert.Equal("maxIterations", Assert.Throws<ArgumentOutOfRangeException>(() => new Lbfgs(10, maxIterations: 0)).ParamName);
    }

    [Fact]
    public void LevenbergMarquardt_Throws_AboveTheParameterLimitSayingWhy()
    {
        _ = new LevenbergMarquardt(LevenbergMarquardt.MaxParameterCount);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new LevenbergMarquardt(LevenbergMarquardt.MaxParameterCount + 1));
        Assert.Equal("parameterCount", e.ParamName);
        Assert.Contains("at most 4096 parameters", e.Message, StringComparison.Ordinal);
        Assert.Contains("Cholesky factor", e.Message, StringComparison.Ordinal);
        Assert.Contains("L-BFGS or scaled conjugate gradient", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ObjectiveOptimizers_Throw_WhenStepMissesTheLossOrObjective()
    {
        float[] w = new float[4], g = [1f, -1f, 0.5f, 0f];
        foreach (Optimizer optimizer in new Optimizer[] { new Lbfgs(4), new ScaledConjugateGradient(4), new LevenbergMarquardt(4), new IrpropPlus(4) })
        {
            var e = Assert.Throws<InvalidOperationException>(() => optimizer.Step(w, g, 0.1f));
            Assert.Contains("call Step(parameters, gradient, learningRate, loss, objective)", e.Message, StringComparison.Ordinal);
            Assert.Equal("loss", Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.Step(w, g, 0.1f, double.NaN, null)).ParamName);
            if (optimizer.Requires >= OptimizerInputs.Objective)
            {
                Assert.Equal("objective", Assert.Throws<ArgumentNullException>(() => optimizer.Step(w, g, 0.1f, 1.0, null)).ParamName);
            }
            Assert.Equal(0, optimizer.StepCount);
            Assert.All(w, x => Assert.Equal(0f, x));
        }
        Assert.Equal("objective", Assert.Throws<ArgumentException>(() => new LevenbergMarquardt(4).Step(w, g, 0.1f, 1.0, new PlainObjective())).ParamName);
    }

    [Fact]
    public void Fit_Throws_ObjectiveOptimizerWithDropoutOrClipping()
    {
        var (train, _) = TrainingSamples.DigitsSplit();
        var dropout = new Network(64, Loss.CrossEntropy, new Dense(8, TransferFunction.Tanh), new Dropout(0.2f), new Dense(10, TransferFunction.Softmax));
        var e = Assert.Throws<ArgumentException>(() => TrainingSamples.Fit(dropout, train, new TrainingOptions { Optimizer = new Lbfgs(dropout.Definition.ParameterCount) }));
        Assert.Equal("options.Optimizer", e.ParamName);
        Assert.Contains("Lbfgs evaluates the loss at trial weights", e.Message, StringComparison.Ordinal);
        Assert.Contains("dropout", e.Message, StringComparison.Ordinal);
        Network network = TrainingSamples.DigitsNetwork();
        e = Assert.Throws<ArgumentException>(() => TrainingSamples.Fit(network, train, new TrainingOptions { Optimizer = new ScaledConjugateGradient(network.Definition.ParameterCount), GradientClipNorm = 1 }));
        Assert.Equal("GradientClipNorm", e.ParamName);
        // iRPROP+ needs only the loss: dropout and clipping are fine.
        TrainingSamples.Fit(dropout, train, new TrainingOptions { Epochs = 1, Optimizer = new IrpropPlus(dropout.Definition.ParameterCount), GradientClipNorm = 1 });
    }

    private sealed class PlainObjective : IObjective
    {
        public int ParameterCount => 4;

        public double Evaluate(ReadOnlySpan<float> parameters, Span<float> gradient) => 0;
    }

    public static TheoryData<string> Kinds() => new("Sgd", "Momentum", "Adam", "AdamW", "RmsProp", "Rprop",
        "AdaGrad", "Adamax", "NAdam", "RAdam", "Quickprop", "RpropPlus");

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Optimizer_Throws_StepSpansOfWrongLength(string kind)
    {
        Optimizer optimizer = Create(kind, "", 0f);
        float[] before = OptimizerProperties.State(optimizer);
        var e = Assert.Throws<ArgumentException>(() => optimizer.Step(new float[9], new float[10], 0.1f));
        Assert.Equal("parameters", e.ParamName);
        Assert.Contains("9", e.Message, StringComparison.Ordinal);
        Assert.Contains("10", e.Message, StringComparison.Ordinal);
        Assert.Equal("gradient", Assert.Throws<ArgumentException>(() => optimizer.Step(new float[10], new float[11], 0.1f)).ParamName);
        Assert.Equal(0, optimizer.StepCount);
        Assert.Equal(before, OptimizerProperties.State(optimizer));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Optimizer_Throws_BadLearningRate(string kind)
    {
        Optimizer optimizer = Create(kind, "", 0f);
        float[] w = new float[10];
        foreach (float lr in new[] { float.NaN, -0.1f, float.PositiveInfinity })
        {
            Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.Step(w, new float[10], lr)).ParamName);
        }
        Assert.Equal(0, optimizer.StepCount);
        Assert.All(w, x => Assert.Equal(0f, x));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Optimizer_Throws_LoadStateOfWrongLengthOrNegativeStep(string kind)
    {
        Optimizer optimizer = Create(kind, "", 0f);
        byte[] state = optimizer.SaveState();
        var e = Assert.Throws<ArgumentException>(() => optimizer.LoadState([.. state, 0]));
        Assert.Equal("state", e.ParamName);
        Assert.Contains("1 bytes after", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => optimizer.LoadState(state.AsSpan(0, state.Length - 1)));
        Assert.Contains($"the state of a {optimizer.GetType().Name} of 10 parameters", e.Message, StringComparison.Ordinal);
        byte[] negative = (byte[])state.Clone();
        BitConverter.TryWriteBytes(negative.AsSpan(0, 8), -1L);
        Assert.Contains("the step count is -1", Assert.Throws<ArgumentException>(() => optimizer.LoadState(negative)).Message, StringComparison.Ordinal);
        Assert.Equal(state, optimizer.SaveState());
    }

    [Fact]
    public void Optimizer_Throws_LoadStateUnreachableValues()
    {
        var adam = new Adam(4);
        float[] state = new float[8];
        state[5] = -1f;                                   // a negative second moment
        Assert.Equal("state", Assert.Throws<ArgumentException>(() => adam.LoadBuffers(state, 3)).ParamName);
        state[5] = 0f;
        state[1] = float.NaN;
        Assert.Throws<ArgumentException>(() => adam.LoadBuffers(state, 3));
        Assert.Equal(0, adam.StepCount);

        var rprop = new Rprop(2);
        Assert.Throws<ArgumentException>(() => rprop.LoadBuffers([0.5f, 0f, 0.1f, 0.1f], 1));   // a sign that is not -1, 0, 1
        Assert.Throws<ArgumentException>(() => rprop.LoadBuffers([1f, 0f, 0.1f, 60f], 1));     // a step above maxStep
        Assert.Equal([0f, 0f, 0.1f, 0.1f], OptimizerProperties.State(rprop));
    }

    [Fact]
    public void Kernels_Throw_MismatchedLengthsAndBadStep()
    {
        Assert.Equal("gradient", Assert.Throws<ArgumentException>(() => SgdUpdate.Apply(new float[5], new float[4], 0.1f)).ParamName);
        Assert.Equal("velocity", Assert.Throws<ArgumentException>(() => MomentumUpdate.Apply(new float[5], new float[5], new float[6], 0.1f, 0.9f, false)).ParamName);
        Assert.Equal("secondMoment", Assert.Throws<ArgumentException>(
            () => AdamUpdate.Apply(new float[5], new float[5], new float[5], new float[4], 0.1f, 0.9f, 0.999f, 1e-8f, 1)).ParamName);
        Assert.Equal("step", Assert.Throws<ArgumentOutOfRangeException>(
            () => AdamUpdate.Apply(new float[5], new float[5], new float[5], new float[5], 0.1f, 0.9f, 0.999f, 1e-8f, 0)).ParamName);
        Assert.Equal("meanSquare", Assert.Throws<ArgumentException>(() => RmsPropUpdate.Apply(new float[5], new float[5], new float[3], 0.1f, 0.9f, 1e-8f)).ParamName);
        Assert.Equal("stepSize", Assert.Throws<ArgumentException>(() => RpropUpdate.Apply(new float[5], new float[5], new float[5], new float[2])).ParamName);
    }

    private static Optimizer Create(string kind, string parameter, float value)
    {
        float P(string name, float otherwise) => name == parameter ? value : otherwise;
        const int n = 10;
        return kind switch
        {
            "Sgd" => new Sgd(n, P("momentum", 0f), false, P("weightDecay", 0f)),
            "Momentum" => new Sgd(n, 0.9f, true, 0.01f),
            "Adam" => new Adam(n, P("beta1", 0.9f), P("beta2", 0.999f), P("epsilon", 1e-8f), P("weightDecay", 0f)),
            "AdamW" => new AdamW(n, P("beta1", 0.9f), P("beta2", 0.999f), P("epsilon", 1e-8f), P("weightDecay", 0.01f)),
            "RmsProp" => new RmsProp(n, P("rho", 0.99f), P("epsilon", 1e-8f), P("weightDecay", 0f)),
            "Rprop" => new Rprop(n, P("increase", 1.2f), P("decrease", 0.5f), P("minStep", 1e-6f), P("maxStep", 50f), P("initialStep", 0.1f), P("weightDecay", 0f)),
            "AdaGrad" => new AdaGrad(n, P("epsilon", 1e-10f), P("learningRateDecay", 0f), P("initialAccumulator", 0f), P("weightDecay", 0f)),
            "Adamax" => new Adamax(n, P("beta1", 0.9f), P("beta2", 0.999f), P("epsilon", 1e-8f), P("weightDecay", 0f)),
            "NAdam" => new NAdam(n, P("beta1", 0.9f), P("beta2", 0.999f), P("epsilon", 1e-8f), P("momentumDecay", 4e-3f), P("weightDecay", 0f)),
            "RAdam" => new RAdam(n, P("beta1", 0.9f), P("beta2", 0.999f), P("epsilon", 1e-8f), P("weightDecay", 0f)),
            "Quickprop" => new Quickprop(n, P("maximumGrowth", 1.75f), P("weightDecay", 0f)),
            "RpropPlus" => new RpropPlus(n, P("increase", 1.2f), P("decrease", 0.5f), P("minStep", 1e-6f), P("maxStep", 50f), P("initialStep", 0.1f), P("weightDecay", 0f)),
            "IrpropPlus" => new IrpropPlus(n, P("increase", 1.2f), P("decrease", 0.5f), P("minStep", 1e-6f), P("maxStep", 50f), P("initialStep", 0.1f), P("weightDecay", 0f)),
            "Lbfgs" => new Lbfgs(n, gradientTolerance: P("gradientTolerance", 1e-7f), changeTolerance: P("changeTolerance", 1e-9f)),
            "ScaledConjugateGradient" => new ScaledConjugateGradient(n, P("sigma", 5e-5f), P("lambda", 5e-7f)),
            "LevenbergMarquardt" => new LevenbergMarquardt(n, P("mu", 1e-3f), P("muIncrease", 10f), P("muDecrease", 0.1f), P("muMax", 1e10f)),
            _ => throw new ArgumentException(kind, nameof(kind)),
        };
    }
}
