using FastBackprop.Data;
using FastBackprop.Tests.Support;
using FastBackprop.Training;
using Xunit;

namespace FastBackprop.Tests.Ensembles;

/// <summary>Small data sets, networks and options for the ensemble and cross-validation tests, and the bitwise
/// comparison of two trainings.</summary>
internal static class EnsembleSamples
{
    /// <summary><paramref name="count"/> rows of 4 inputs in <paramref name="classes"/> uneven classes, from the seed.</summary>
    public static Dataset Labelled(int count, int classes, ulong seed)
    {
        var random = new SeededRandom(seed);
        var inputs = new float[count * 4];
        var labels = new int[count];
        for (int p = 0; p < count; p++)
        {
            labels[p] = (int)Math.Min(classes - 1, Math.Floor(classes * Math.Pow(random.NextDouble(), 1.5)));
            for (int i = 0; i < 4; i++) inputs[p * 4 + i] = labels[p] * 0.5f + random.NextSymmetric(1f);
        }
        return new Dataset(inputs, 4, labels, classes);
    }

    /// <summary><paramref name="count"/> rows of 3 inputs and 2 real targets (a noisy linear map), from the seed.</summary>
    public static Dataset Regression(int count, ulong seed)
    {
        var random = new SeededRandom(seed);
        var inputs = new float[count * 3];
        var targets = new float[count * 2];
        for (int p = 0; p < count; p++)
        {
            for (int i = 0; i < 3; i++) inputs[p * 3 + i] = random.NextSymmetric(2f) + 5f;
            targets[p * 2] = 3f * inputs[p * 3] - inputs[p * 3 + 1] + random.NextSymmetric(0.1f);
            targets[p * 2 + 1] = inputs[p * 3 + 2] * 0.5f + 10f;
        }
        return new Dataset(inputs, 3, targets, 2);
    }

    public static Network Classifier(int classes, ulong seed)
    {
        var network = new Network(4, Loss.CrossEntropy, new Dense(6, TransferFunction.Tanh), new Dense(classes, TransferFunction.Softmax));
        network.InitializeWeights(seed);
        return network;
    }

    public static Network Regressor(ulong seed)
    {
        var network = new Network(3, Loss.HalfSquaredError, new Dense(5, TransferFunction.Tanh), new Dense(2, TransferFunction.Identity));
        network.InitializeWeights(seed);
        return network;
    }

    public static TrainingOptions Options(ulong seed) => new()
    {
        Epochs = 3,
        BatchSize = 8,
        Seed = seed,
        LearningRate = 0.05f,
        DegreeOfParallelism = 1,
    };

    /// <summary>A factory of fresh Adam optimizers for <paramref name="network"/>'s parameters.</summary>
    public static Func<Optimizer?> Adams(Network network) => () => new Adam(network.Definition.ParameterCount);

    /// <summary>Two trainings agree bit for bit: every parameter and every epoch's figures.</summary>
    public static void AssertSameTraining(Network expected, TrainingHistory expectedHistory, Network actual, TrainingHistory? actualHistory, string what)
    {
        Canonical.AssertSameBits(expected.Parameters, actual.Parameters, $"{what}: parameters");
        Assert.NotNull(actualHistory);
        Assert.Equal(Figures(expectedHistory), Figures(actualHistory));
        Assert.Equal(expectedHistory.StopReason, actualHistory.StopReason);
    }

    private static (double, double?, double?, float, double?, double?)[] Figures(TrainingHistory history) =>
        [.. history.Epochs.Select(e => (e.TrainingLoss, e.TrainingAccuracy, e.TrainingMeanSquaredError, e.LearningRate, e.Validation?.Loss, e.Validation?.Accuracy))];
}
