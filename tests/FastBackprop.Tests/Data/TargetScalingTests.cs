using FastBackprop.Data;
using FastBackprop.IO;
using FastBackprop.Training;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Data;

/// <summary><see cref="TargetScaling"/>: fitted per column on regression targets (population standard
/// deviation, against a double reference), inverted exactly enough, constant columns without division by
/// zero, refused for labelled data; <see cref="Model.Predict"/> and <see cref="Model.Evaluate"/> answer in
/// the targets' units; the model file keeps it.</summary>
public sealed class TargetScalingTests
{
    // Random regression data: rows x width targets, column k = offset_k + spread_k * noise, with some
    // columns constant (spread 0). Inputs are one column 0..n-1.
    private static Dataset RandomTargets(ulong seed, int rows, int width, out bool[] constant)
    {
        var random = new SeededRandom(seed);
        var offset = new float[width];
        var spread = new float[width];
        constant = new bool[width];
        for (int k = 0; k < width; k++)
        {
            offset[k] = random.NextSymmetric(1000f);
            constant[k] = random.NextInt32(4) == 0;
            spread[k] = constant[k] ? 0f : MathF.Pow(10f, random.NextSymmetric(3f));
        }
        var x = new float[rows];
        var d = new float[rows * width];
        for (int i = 0; i < rows; i++)
        {
            x[i] = i;
            for (int k = 0; k < width; k++) d[i * width + k] = offset[k] + spread[k] * random.NextSymmetric(1f);
        }
        return new Dataset(x, 1, d, width);
    }

    [Property(MaxTest = 100)]
    public void Fit_MatchesDoubleReference_AndApplyThenInvertRestoresTargets(ulong seed, byte rowsByte, byte widthByte)
    {
        int rows = 1 + rowsByte % 40, width = 1 + widthByte % 4;
        Dataset data = RandomTargets(seed, rows, width, out bool[] constant);
        TargetScaling s = TargetScaling.Fit(data);
        Dataset scaled = s.Apply(data);
        Assert.Equal(data.Inputs.ToArray(), scaled.Inputs.ToArray());   // inputs untouched

        for (int k = 0; k < width; k++)
        {
            double[] column = [.. Enumerable.Range(0, rows).Select(i => (double)data.GetTarget(i)[k])];
            double mean = column.Average();
            double std = Math.Sqrt(column.Select(v => (v - mean) * (v - mean)).Average());   // population: divisor n
            double magnitude = column.Max(Math.Abs);
            Assert.InRange(s.Mean[k] - mean, -1e-6 * magnitude - 1e-30, 1e-6 * magnitude + 1e-30);
            if (constant[k] || rows == 1)
            {
                Assert.Equal(1f, s.StandardDeviation[k]);   // no division by zero
                Assert.All(Enumerable.Range(0, rows), i => Assert.InRange(scaled.GetTarget(i)[k], -1e-3f, 1e-3f));
            }
            else if (std > 1e-5 * magnitude)
            {
                Assert.InRange(s.StandardDeviation[k] / std, 1 - 1e-6, 1 + 1e-6);
                double[] z = [.. Enumerable.Range(0, rows).Select(i => (double)scaled.GetTarget(i)[k])];
                double zMean = z.Average(), zStd = Math.Sqrt(z.Select(v => (v - zMean) * (v - zMean)).Average());
                double noise = 1e-5 + 4 * 1.2e-7 * magnitude / std;   // d - mean rounds at float precision of the magnitude
                Assert.InRange(zMean, -noise, noise);
                Assert.InRange(zStd, 1 - noise, 1 + noise);
            }

            // y = y' * sigma + mu restores each target to within a few float roundings of its magnitude.
            float[] restored = scaled.Targets.ToArray();
            s.InvertInPlace(restored);
            for (int i = 0; i < rows; i++)
            {
                double tolerance = 4 * float.Epsilon + 4e-7 * (Math.Abs(s.Mean[k]) + Math.Abs(data.GetTarget(i)[k]) + s.StandardDeviation[k]);
                Assert.InRange(restored[i * width + k] - (double)data.GetTarget(i)[k], -tolerance, tolerance);
            }
        }
    }

    [Fact]
    public void Apply_KeepsTheSampleWeights()
    {
        var data = new Dataset([1f, 2f, 3f], 1, [10f, 20f, 40f], 1).WithWeights([0.5f, 0f, 2f]);
        Dataset scaled = TargetScaling.Fit(data).Apply(data);
        Assert.True(scaled.HasWeights);
        Assert.Equal([0.5f, 0f, 2f], scaled.Weights.ToArray());
    }

    [Fact]
    public void ConstantColumn_GetsDeviationOne_AndMapsToZero()
    {
        var data = new Dataset([1f, 2f, 3f], 1, [7f, 100f, 7f, 100.00001f, 7f, 100f], 2);
        TargetScaling s = TargetScaling.Fit(data);
        Assert.Equal([7f, 1f], [s.Mean[0], s.StandardDeviation[0]]);
        Assert.Equal(1f, s.StandardDeviation[1]);   // spread below 2^-20 of the magnitude: rounding noise
        Assert.All(s.Apply(data).Targets.ToArray(), v => Assert.InRange(v, -1e-3f, 1e-3f));
        Assert.Null(new TargetScaling([0f, 0f], [1f, 2f]).SquaredErrorFactor);
        Assert.Equal(4.0, new TargetScaling([0f], [2f]).SquaredErrorFactor);
    }

    [Fact]
    public void Throws_ForLabelsEmptyDataWidthMismatchAndBadNumbers()
    {
        var labelled = new Dataset([1f, 2f], 1, [0, 1], 2);
        Assert.Contains("class labels", Assert.Throws<ArgumentException>(() => TargetScaling.Fit(labelled)).Message, StringComparison.Ordinal);
        var s = new TargetScaling([1f], [2f]);
        Assert.Equal("data", Assert.Throws<ArgumentException>(() => s.Apply(labelled)).ParamName);
        Assert.Equal("data", Assert.Throws<ArgumentException>(() => s.Apply(new Dataset([1f], 1, [1f, 2f], 2))).ParamName);
        Assert.Throws<ArgumentException>(() => TargetScaling.Fit(new Dataset([1f], 1, [1f], 1).Subset([])));
        Assert.Equal("standardDeviation[0]", Assert.Throws<ArgumentOutOfRangeException>(() => new TargetScaling([0f], [0f])).ParamName);
        Assert.Equal("mean", Assert.Throws<ArgumentException>(() => new TargetScaling([float.NaN], [1f])).ParamName);
        Assert.Equal("standardDeviation", Assert.Throws<ArgumentException>(() => new TargetScaling([0f, 1f], [1f])).ParamName);
        Assert.Equal("rows", Assert.Throws<ArgumentException>(() => new TargetScaling([0f, 1f], [1f, 1f]).InvertInPlace(new float[3])).ParamName);
        Assert.Contains("overflows", Assert.Throws<ArgumentException>(() => new TargetScaling([0f], [1e-30f]).Apply(new Dataset([1f], 1, [1e30f], 1))).Message, StringComparison.Ordinal);
    }

    // A 2-4-2 regression network trained on standardised targets (y0 = 500 + 100 x0, y1 = -3 x1), with an input scaling.
    private static (Model Model, Dataset Raw) TrainedModel()
    {
        var x = new float[2 * 50];
        var d = new float[2 * 50];
        for (int i = 0; i < 50; i++)
        {
            x[2 * i] = i % 7;
            x[2 * i + 1] = i % 5 * 10;
            d[2 * i] = 500 + 100 * x[2 * i];
            d[2 * i + 1] = -3 * x[2 * i + 1];
        }
        var raw = new Dataset(x, 2, d, 2);
        InputScaling inputs = InputScaling.Fit(raw, InputScalingKind.Standardization);
        TargetScaling targets = TargetScaling.Fit(raw);
        Dataset train = targets.Apply(inputs.Apply(raw));
        var network = new Network(2, Loss.HalfSquaredError, new Dense(4, TransferFunction.Tanh), new Dense(2, TransferFunction.Identity));
        network.InitializeWeights(seed: 5);
        Trainer.Fit(network, train, new TrainingOptions { Epochs = 30, BatchSize = 10, Seed = 1, Optimizer = new Adam(network.Definition.ParameterCount), LearningRate = 0.01f });
        return (new Model(network, train) { TargetScaling = targets }, raw);
    }

    [Fact]
    public void ModelPredict_ScalesInputs_RunsNetwork_InvertsTargets()
    {
        (Model model, Dataset raw) = TrainedModel();
        float[] viaModel = new float[2], scaledInput = new float[2], expected = new float[2];
        for (int i = 0; i < raw.Count; i++)
        {
            model.Predict(raw.GetInput(i), viaModel);
            model.Scaling!.Apply(raw.GetInput(i), scaledInput);
            model.Network.Predict(scaledInput, expected);
            for (int k = 0; k < 2; k++) expected[k] = expected[k] * model.TargetScaling!.StandardDeviation[k] + model.TargetScaling.Mean[k];
            Assert.Equal(expected, viaModel);
        }
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => model.Predict(new float[3], viaModel)).ParamName);
    }

    [Fact]
    public void ModelEvaluate_MeanSquaredErrorInTargetUnits_LossOnStandardisedTargets()
    {
        (Model model, Dataset raw) = TrainedModel();
        double sum = 0;
        var y = new float[2];
        for (int i = 0; i < raw.Count; i++)
        {
            model.Predict(raw.GetInput(i), y);
            for (int k = 0; k < 2; k++) sum += Math.Pow(y[k] - (double)raw.GetTarget(i)[k], 2);
        }
        Evaluation e = model.Evaluate(raw);
        Assert.Equal(sum / (2 * raw.Count), e.MeanSquaredError!.Value, 1e-9 * sum);
        Evaluation standardized = Trainer.Evaluate(model.Network, model.TargetScaling!.Apply(model.ScaleInputs(raw)));
        Assert.Equal(standardized.Loss, e.Loss);
        Assert.True(e.MeanSquaredError > 10 * standardized.MeanSquaredError, "the MSE is in target units (sigma 200 and 42), not standardised");
    }

    [Fact]
    public void ModelEvaluate_WithSampleWeights_GivesTheWeightedMeanSquaredError_AndTheWeightSum()
    {
        (Model model, Dataset raw) = TrainedModel();
        float[] w = [.. Enumerable.Range(0, raw.Count).Select(i => i % 3 == 0 ? 5f : 0.5f)];
        double sum = 0, weightSum = 0;
        var y = new float[2];
        for (int i = 0; i < raw.Count; i++)
        {
            model.Predict(raw.GetInput(i), y);
            for (int k = 0; k < 2; k++) sum += w[i] * Math.Pow(y[k] - (double)raw.GetTarget(i)[k], 2);
            weightSum += w[i];
        }
        Evaluation e = model.Evaluate(raw.WithWeights(w));
        // Evaluate predicts in batches (Gemm's order), Predict one row at a time: outputs a few float ulps apart.
        Assert.Equal(sum / (2 * weightSum), e.MeanSquaredError!.Value, 1e-6 * sum / weightSum);
        Assert.Equal(weightSum, e.WeightSum!.Value, raw.Count * weightSum / (1 << 24));   // summed in float: n half-ulps at most
        Assert.NotEqual(model.Evaluate(raw).MeanSquaredError!.Value, e.MeanSquaredError.Value, 1e-6 * e.MeanSquaredError.Value);
    }

    [Fact]
    public void Model_TargetScalingOfAnotherWidth_Throws()
    {
        var network = new Network(1, Loss.HalfSquaredError, new Dense(2, TransferFunction.Identity));
        Assert.Throws<ArgumentException>(() => new Model(network, scaling: null) { TargetScaling = new TargetScaling([0f], [1f]) });
    }

    [Fact]
    public void ModelFile_KeepsTargetScaling_AndModelsWithoutItAreUnchanged()
    {
        (Model model, Dataset raw) = TrainedModel();
        Model loaded = ModelFile.Deserialize(ModelFile.Serialize(model), "m.fbp");
        Assert.Equal(model.TargetScaling!.Mean.ToArray(), loaded.TargetScaling!.Mean.ToArray());
        Assert.Equal(model.TargetScaling.StandardDeviation.ToArray(), loaded.TargetScaling.StandardDeviation.ToArray());
        Assert.Equal(model.Evaluate(raw).MeanSquaredError, loaded.Evaluate(raw).MeanSquaredError);

        // Without a target scaling the bytes are those of the format before it: the section is simply absent.
        var plain = new Model(model.Network, model.Scaling);
        byte[] without = ModelFile.Serialize(plain), with = ModelFile.Serialize(new Model(model.Network, model.Scaling) { TargetScaling = model.TargetScaling });
        Assert.Equal(without.AsSpan(0, without.Length - 4).ToArray(), with.AsSpan(0, without.Length - 4).ToArray());
        Assert.Null(ModelFile.Deserialize(without, "old.fbp").TargetScaling);
    }

    [Theory]
    [InlineData("name", "unknown section 'target-scalinX'")]
    [InlineData("kind", "target scaling code 9")]
    [InlineData("width", "target scaling width 3; the network has 2 outputs")]
    [InlineData("deviation", "invalid target scaling")]
    [InlineData("twice", "section 'target-scaling' appears twice")]
    public void ModelFile_BadTargetScalingSection_IsNamed(string fault, string expected)
    {
        (Model model, _) = TrainedModel();
        byte[] plain = ModelFile.Serialize(new Model(model.Network, model.Scaling));
        byte[] full = ModelFile.Serialize(model);
        int start = plain.Length - 4;   // the section begins where the file without it had its CRC
        byte[] body = full[..^4];
        byte[] section = body[start..];
        // section: int32 name length, "target-scaling", kind byte, int32 width, means, deviations
        int name = 4, kind = 4 + 14, width = kind + 1, deviation = width + 4 + 4 * 2;
        switch (fault)
        {
            case "name": section[name + 13] = (byte)'X'; break;
            case "kind": section[kind] = 9; break;
            case "width": BitConverter.TryWriteBytes(section.AsSpan(width), 3); break;
            case "deviation": BitConverter.TryWriteBytes(section.AsSpan(deviation), -1f); break;
            default: section = [.. section, .. section]; break;
        }
        byte[] bad = [.. body[..start], .. section];
        bad = [.. bad, .. BitConverter.GetBytes(Crc32.Compute(bad))];
        var e = Assert.Throws<DataFormatException>(() => ModelFile.Deserialize(bad, "bad.fbp"));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains("bad.fbp", e.Message, StringComparison.Ordinal);
    }
}
