using FastBackprop.Data;
using FastBackprop.Training;
using Xunit;

namespace FastBackprop.Tests.Training;

/// <summary>The networks and data sets the trainer tests share.</summary>
internal static class TrainingSamples
{
    /// <summary><see cref="Trainer.Fit"/> with the test's cancellation token.</summary>
    public static TrainingHistory Fit(Network network, Dataset data, TrainingOptions options, TrainingCheckpoint? resumeFrom = null) =>
        Trainer.Fit(network, data, options, resumeFrom, TestContext.Current.CancellationToken);

    private static readonly Lazy<(Dataset Train, Dataset Test)> Digits = new(() => EmbeddedData.Digits().Split(0.8, seed: 2026));

    /// <summary>The embedded digits, 80% for training and 20% for testing.</summary>
    public static (Dataset Train, Dataset Test) DigitsSplit() => Digits.Value;

    /// <summary>64-32-10 (relu, softmax; cross-entropy), initialised from <paramref name="seed"/>.</summary>
    public static Network DigitsNetwork(ulong seed = 1)
    {
        var network = new Network(64, Loss.CrossEntropy, new Dense(32, TransferFunction.Relu), new Dense(10, TransferFunction.Softmax));
        network.InitializeWeights(seed);
        return network;
    }

    /// <summary>A small regression set: d = (sin x0 + x1 x2, x0 - x2) / 2 on 200 points.</summary>
    public static Dataset Regression()
    {
        var random = new SeededRandom(11);
        var inputs = new float[200][];
        var targets = new float[200][];
        for (int i = 0; i < inputs.Length; i++)
        {
            float a = random.NextSymmetric(1), b = random.NextSymmetric(1), c = random.NextSymmetric(1);
            inputs[i] = [a, b, c];
            targets[i] = [(MathF.Sin(a) + b * c) / 2, (a - c) / 2];
        }
        return new Dataset(inputs, targets);
    }

    /// <summary>3-16-2 (tanh, identity; half squared error) for <see cref="Regression"/>.</summary>
    public static Network RegressionNetwork()
    {
        var network = new Network(3, Loss.HalfSquaredError, new Dense(16, TransferFunction.Tanh), new Dense(2, TransferFunction.Identity));
        network.InitializeWeights(3);
        return network;
    }
}
