using FastBackprop.Data;
using FastBackprop.Training;
using Xunit;

namespace FastBackprop.Tests.NetworkTests;

// ---------------------------------------------------------------------------------------------
// The non-finite contract (Network.cs header): training calls return E and never let a
// non-finite pass reach the weights; prediction calls never return NaN but throw, naming the
// parameter that is not finite or the layer that overflowed.
// ---------------------------------------------------------------------------------------------

/// <summary>What the network does when values stop being finite.</summary>
public class NonFiniteTests
{
    private static readonly float[] Input = [0.3f, -0.7f, 0.9f];
    private static readonly float[] Target = [0.2f, 0.8f];

    // 3-20-2: above the tiny plan's widths, so both pattern plans are covered (Tiny below).
    private static Network Create(int hidden)
    {
        var network = new Network(3, Loss.HalfSquaredError, new Dense(hidden, TransferFunction.Tanh), new Dense(2, TransferFunction.Identity));
        network.InitializeWeights(11);
        return network;
    }

    [Theory]
    [InlineData(4)]
    [InlineData(20)]
    public void TrainStep_WithAHugeLearningRate_ReturnsNonFiniteErrorAndLeavesThoseWeightsAlone(int hidden)
    {
        Network network = Create(hidden);
        float first = network.TrainStep(Input, Target, 1e30f);   // finite E, then an update that blows the weights up
        Assert.True(float.IsFinite(first));
        float second = 0f;
        for (int i = 0; i < 5 && float.IsFinite(second); i++) second = network.TrainStep(Input, Target, 1e30f);
        Assert.False(float.IsFinite(second));
        float[] after = network.Parameters.ToArray();
        Assert.False(float.IsFinite(network.TrainStep(Input, Target, 1e30f)));
        Assert.Equal(after, network.Parameters.ToArray());   // a non-finite pass updates nothing
    }

    [Theory]
    [InlineData(4)]
    [InlineData(20)]
    public void Predictions_OnNaNWeights_Throw_NamingTheParameter(int hidden)
    {
        Network network = Create(hidden);
        network.GetWeights(1)[3] = float.NaN;
        int index = network.Definition.GetLayout(1).WeightOffset + 3;
        string[] parts = [$"parameter {index} (weight 3 of layer 1, dense(2, identity)) is NaN", "not finite"];
        AssertMessage(Assert.Throws<InvalidOperationException>(() => network.Predict(Input, new float[2])), parts);
        AssertMessage(Assert.Throws<InvalidOperationException>(() => network.ComputeLoss(Input, Target)), parts);
        AssertMessage(Assert.Throws<InvalidOperationException>(() => network.ThrowIfNotFinite()), parts);
        using BatchWorkspace ws = network.CreateBatchWorkspace(2);
        AssertMessage(Assert.Throws<InvalidOperationException>(() => network.PredictBatch([.. Input, .. Input], new float[4], ws)), parts);
        AssertMessage(Assert.Throws<InvalidOperationException>(() => network.ComputeLossBatch([.. Input, .. Input], [.. Target, .. Target], ws)), parts);
        var data = new Dataset([Input], [Target]);
        AssertMessage(Assert.Throws<InvalidOperationException>(() => Trainer.Evaluate(network, data)), parts);
    }

    [Fact]
    public void Predict_OnAnInputThatOverflows_Throws_NamingTheLayer()
    {
        var network = new Network(3, Loss.HalfSquaredError, new Dense(20, TransferFunction.Relu), new Dense(2, TransferFunction.Identity));
        network.InitializeWeights(11);
        float[] huge = [3e38f, 3e38f, 3e38f];   // finite, but W x overflows in the first layer (and ReLU keeps the infinity)
        var e = Assert.Throws<ArgumentException>("input", () => network.Predict(huge, new float[2]));
        AssertMessage(e, "drives the outputs of layer", "to infinity or NaN");
        network.ThrowIfNotFinite();   // the weights are fine
    }

    [Fact]
    public void ThrowIfNotFinite_NamesABias()
    {
        Network network = Create(4);
        network.GetBiases(0)[2] = float.PositiveInfinity;
        AssertMessage(Assert.Throws<InvalidOperationException>(network.ThrowIfNotFinite), "parameter 14 (bias 2 of layer 0, dense(4, tanh)) is Infinity");
    }

    private static void AssertMessage(Exception e, params string[] parts)
    {
        foreach (string part in parts) Assert.Contains(part, e.Message);
    }
}
