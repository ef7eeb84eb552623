using System.Globalization;
using FastBackprop.Data;
using FastBackprop.IO;
using FastBackprop.Onnx;
using FastBackprop.Training;
using Xunit;

namespace FastBackprop.Tests.Onnx;

/// <summary>The trained digits model, saved as ONNX and run by ONNX Runtime on all 1,797 raw rows (counts 0..16),
/// gives Model.Predict's probabilities within the derived float32 bound (OnnxErrorBound).</summary>
public sealed class OnnxDigitsTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("fastbackprop-onnx-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void DigitsModel_OnnxRuntime_MatchesPredictOnEveryRow()
    {
        Dataset train = EmbeddedData.Digits();
        var network = new Network(64, Loss.CrossEntropy, new Dense(32, TransferFunction.Relu), new Dropout(0.1f), new Dense(10, TransferFunction.Softmax));
        network.InitializeWeights(seed: 12, WeightInitialization.HeNormal);
        Trainer.Fit(network, train, new TrainingOptions { Epochs = 5, BatchSize = 32, Seed = 7, LearningRate = 0.1f },
            cancellationToken: TestContext.Current.CancellationToken);
        var model = new Model(network, train, new Dictionary<string, string> { ["data"] = "digits" });
        string path = Path.Combine(folder, "digits.onnx");
        OnnxExport.Save(model, path);

        Dataset raw = EmbeddedData.Digits(scaleToUnit: false);
        float[] rows = raw.Inputs.ToArray();
        float[] expected = OnnxRuntimeRunner.Predict(model, rows);
        float[] actual = OnnxRuntimeRunner.Run(path, rows, 64);
        double worst = OnnxRuntimeProperties.AssertWithinBound(model, rows, expected, actual, "digits");

        int agree = 0;
        for (int p = 0; p < raw.Count; p++) agree += ArgMax(expected.AsSpan(p * 10, 10)) == ArgMax(actual.AsSpan(p * 10, 10)) ? 1 : 0;
        Assert.True(Trainer.Evaluate(network, train).Accuracy > 0.9, "the digits model did not train");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"digits, {raw.Count} rows: max |ONNX Runtime - Predict| = {worst.ToString("E3", CultureInfo.InvariantCulture)}; predicted classes agree on {agree} rows");
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int k = 1; k < values.Length; k++) best = values[k] > values[best] ? k : best;
        return best;
    }
}
