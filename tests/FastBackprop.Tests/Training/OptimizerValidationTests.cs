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
    }

    public static TheoryData<string> Kinds() => new("Sgd", "Momentum", "Adam", "AdamW", "RmsProp", "Rprop");

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
            _ => throw new ArgumentException(kind, nameof(kind)),
        };
    }
}
