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
            _ => throw new ArgumentException(kind, nameof(kind)),
        };
    }
}
