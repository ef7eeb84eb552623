using FastBackprop.Data;
using FastBackprop.IO;
using FastBackprop.Training;
using Xunit;

namespace FastBackprop.Tests;

/// <summary>The README's API example, verbatim in substance, so the README cannot drift from the code.</summary>
public class ReadmeExampleTests
{
    [Fact]
    public void ReadmeExample_TrainsXorAndFillsGradient()
    {
        var network = new Network(inputWidth: 2, Loss.HalfSquaredError,
            new Dense(4, TransferFunction.Tanh),
            new Dense(1, TransferFunction.Logistic));
        network.InitializeWeights(seed: 42);

        float[][] x = [[0, 0], [0, 1], [1, 0], [1, 1]], d = [[0], [1], [1], [0]];
        for (int epoch = 0; epoch < 2000; epoch++)
            for (int p = 0; p < x.Length; p++)
                network.TrainStep(x[p], d[p], learningRate: 0.5f);

        var y = new float[1];
        for (int p = 0; p < x.Length; p++)
        {
            network.Predict(x[p], y);
            Assert.InRange(y[0], d[p][0] - 0.1f, d[p][0] + 0.1f);
        }
        network.Predict(x[1], y);
        Assert.True(y[0] > 0.9f, $"y[0] = {y[0]}");

        Span<float> gradient = new float[network.Definition.ParameterCount];
        float error = network.Backpropagate(x[1], d[1], gradient);
        Assert.Equal(0.5f * (1 - y[0]) * (1 - y[0]), error, 1e-6f);
        Assert.Equal(4 * 2 + 4 + 1 * 4 + 1, gradient.Length);
        Assert.Contains(gradient.ToArray(), g => g != 0f);
    }

    [Fact]
    public void ReadmeTrainingExample_RunsAsWritten()
    {
        string path = Path.Combine(Path.GetTempPath(), $"readme-{Guid.NewGuid():N}.fbp");
        var reports = new List<EpochReport>();
        try
        {
            var (train, test) = EmbeddedData.Digits().Split(0.8, seed: 2026);
            var network = new Network(64, Loss.CrossEntropy,
                new Dense(128, TransferFunction.Relu), new Dense(10, TransferFunction.Softmax));
            network.InitializeWeights(seed: 1, WeightInitialization.HeNormal);
            TrainingHistory history = Trainer.Fit(network, train, new TrainingOptions
            {
                Epochs = 20,
                BatchSize = 32,
                Seed = 7,
                ValidationFraction = 0.1,
                EarlyStoppingPatience = 3,
                Optimizer = new Adam(network.Definition.ParameterCount),
                LearningRate = 1e-3f,
                Progress = new SynchronousProgress(reports.Add),
            }, cancellationToken: TestContext.Current.CancellationToken);
            Evaluation result = Trainer.Evaluate(network, test);
            ModelFile.Save(path, new Model(network, train));

            Assert.Equal(history.Epochs.Count, reports.Count);
            Assert.True(result.Accuracy > 0.95, $"test accuracy {result.Accuracy:P1}");
            Model saved = ModelFile.Load(path);
            Assert.Equal(network.Parameters.ToArray(), saved.Network.Parameters.ToArray());
            AssertPredictsFromRawRows(saved, network);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The saved model, given the raw counts 0..16 and its own stored scaling, gives the
    /// trained network's outputs on the scaled digits bit for bit (before the scaling travelled
    /// with the model it said "none", and raw rows got probabilities 1, 0, 0, ...).</summary>
    private static void AssertPredictsFromRawRows(Model saved, Network trained)
    {
        Dataset raw = EmbeddedData.Digits(scaleToUnit: false), scaled = EmbeddedData.Digits();
        Assert.NotNull(saved.Scaling);
        var row = new float[64];
        float[] fromRaw = new float[10], fromScaled = new float[10];
        for (int i = 0; i < raw.Count; i += 97)
        {
            raw.GetInput(i).CopyTo(row);
            saved.Scaling.ApplyInPlace(row);
            saved.Network.Predict(row, fromRaw);
            trained.Predict(scaled.GetInput(i), fromScaled);
            Assert.Equal(fromScaled, fromRaw);
        }
    }

    private sealed class SynchronousProgress(Action<EpochReport> report) : IProgress<EpochReport>
    {
        public void Report(EpochReport value) => report(value);
    }
}
