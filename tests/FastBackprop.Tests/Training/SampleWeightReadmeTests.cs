using FastBackprop.Data;
using FastBackprop.Training;
using Xunit;

namespace FastBackprop.Tests.Training;

/// <summary>The README's sample and class weight example, as written.</summary>
public class SampleWeightReadmeTests
{
    [Fact]
    public void ReadmeWeightsExample_RunsAsWritten()
    {
        var (train, test) = EmbeddedData.Digits().Split(0.8, seed: 2026);
        float[] w = new float[train.Count];
        for (int p = 0; p < w.Length; p++) w[p] = train.GetLabel(p) == 3 ? 2f : 1f;
        float[] balanced = train.BalancedClassWeights();
        Dataset weighted = train.WithWeights(w).WithClassWeights(balanced);
        var network = new Network(64, Loss.CrossEntropy, new Dense(128, TransferFunction.Relu), new Dense(10, TransferFunction.Softmax));
        network.InitializeWeights(seed: 1);
        Trainer.Fit(network, weighted, new TrainingOptions { Epochs = 5 }, cancellationToken: TestContext.Current.CancellationToken);
        Evaluation e = Trainer.Evaluate(network, test.WithClassWeights(balanced));

        Assert.NotNull(e.WeightSum);
        Assert.True(e.Accuracy > 0.5, $"weighted accuracy {e.Accuracy:P1}");
        Assert.Equal(2f * balanced[train.GetLabel(0)] * (train.GetLabel(0) == 3 ? 1 : 0.5f), weighted.Weights[0]);
    }
}
