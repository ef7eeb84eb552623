using FastBackprop.Data;
using FastBackprop.Training;
using Xunit;

namespace FastBackprop.Tests.Inference;

/// <summary>The README's "Concurrent inference and async training" example, as written there, with checks.</summary>
public class PredictorReadmeTests
{
    [Fact]
    public async Task ReadmeExample_PredictsFromThreadsAndTrainsAsync()
    {
        var (train, test) = EmbeddedData.Digits().Split(0.8, seed: 2026);
        var network = new Network(64, Loss.CrossEntropy, new Dense(32, TransferFunction.Relu), new Dense(10, TransferFunction.Softmax));
        network.InitializeWeights(seed: 1);
        Trainer.Fit(network, train, new TrainingOptions { Epochs = 2 }, cancellationToken: TestContext.Current.CancellationToken);

        var predictor = new Predictor(network);
        var single = new float[test.Count * 10];
        Parallel.For(0, test.Count, i =>
        {
            Span<float> y = stackalloc float[10];
            predictor.Predict(test.GetInput(i), y);
            y.CopyTo(single.AsSpan(i * 10, 10));
        });
        var outputs = new float[test.Count * 10];
        predictor.PredictBatch(test.GetInputs(0, test.Count), outputs);
        Assert.Equal(single, outputs);

        var expected = new float[10];
        network.Predict(test.GetInput(3), expected);
        Assert.Equal(expected, outputs.AsSpan(30, 10).ToArray());

        TrainingHistory more = await Trainer.FitAsync(network, train, new TrainingOptions { Epochs = 5 }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal((5, StopReason.Completed), (more.Epochs.Count, more.StopReason));
        Assert.Equal(expected, outputs.AsSpan(30, 10).ToArray());   // the snapshot did not move
        predictor.Predict(test.GetInput(3), expected);
        Assert.Equal(outputs.AsSpan(30, 10).ToArray(), expected);
    }
}
