using Xunit;

namespace FastBackprop.Tests;

/// <summary>The README's API example, verbatim in substance, so the README cannot drift from the code.</summary>
public class ReadmeExampleTests
{
    [Fact]
    public void ReadmeExample_TrainsXorAndFillsGradient()
    {
        var network = new Network(inputWidth: 2, Loss.HalfSquaredError,
            new LayerSpec(4, TransferFunction.Tanh),
            new LayerSpec(1, TransferFunction.Logistic));
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
}
