using FastBackprop.Data;
using FastBackprop.IO;
using Xunit;

namespace FastBackprop.Tests.Data;

/// <summary><see cref="Dataset.Scaling"/>: what the loaders record, how a fitted scaling composes
/// with it, and how <see cref="Model"/> stores and reapplies it.</summary>
public sealed class DatasetScalingTests
{
    [Fact]
    public void Digits_RecordTheirDivisionBy16_AndRawDigitsNone()
    {
        Dataset scaled = EmbeddedData.Digits(), raw = EmbeddedData.Digits(scaleToUnit: false);
        Assert.Null(raw.Scaling);
        Assert.NotNull(scaled.Scaling);
        Assert.Equal(InputScalingKind.MinMax, scaled.Scaling.Kind);
        Assert.All(scaled.Scaling.Scale.ToArray(), s => Assert.Equal(1f / 16, s));
        Assert.All(scaled.Scaling.Offset.ToArray(), o => Assert.Equal(0f, o));
        Assert.Equal(scaled.Inputs.ToArray(), scaled.Scaling.Apply(raw).Inputs.ToArray());
    }

    [Fact]
    public void SplitAndSubset_KeepScalingAndWarnings()
    {
        Dataset d = EmbeddedData.Digits();
        (Dataset a, Dataset b) = d.Split(0.5, seed: 3);
        Assert.Same(d.Scaling, a.Scaling);
        Assert.Same(d.Scaling, b.Scaling);
        Assert.Same(d.Scaling, d.Subset([3, 1]).Scaling);

        Dataset warned = Dataset.FromCsv(new StringReader("1,0\n2,1500\n"), "w.csv");
        Assert.Single(warned.Warnings);
        Assert.Equal(warned.Warnings, warned.Subset([1]).Warnings);
        Assert.Equal(warned.Warnings, InputScaling.Fit(warned, InputScalingKind.MinMax).Apply(warned).Warnings);
    }

    [Theory]
    [InlineData(InputScalingKind.MinMax)]
    [InlineData(InputScalingKind.Standardization)]
    public void FitOnLoaderScaledData_ComposesIntoOneScalingFromRawNumbers(InputScalingKind kind)
    {
        Dataset raw = EmbeddedData.Digits(scaleToUnit: false), scaled = EmbeddedData.Digits();
        InputScaling fitted = InputScaling.Fit(scaled, kind);
        Dataset trained = fitted.Apply(scaled);

        InputScaling composed = trained.Scaling!;
        Assert.Equal(kind, composed.Kind);
        float[] fromRaw = composed.Apply(raw).Inputs.ToArray(), expected = trained.Inputs.ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(fromRaw[i] - expected[i]) <= 1e-5f * Math.Max(1f, Math.Abs(expected[i])), $"input {i}: {fromRaw[i]} vs {expected[i]}");

        // The same fit done on the raw counts gives the same numbers (the kind survives
        // composition), except on constant columns, which map to 0 either way.
        InputScaling direct = InputScaling.Fit(raw, kind);
        for (int j = 0; j < composed.Width; j++)
        {
            if (Enumerable.Range(0, raw.Count).All(i => raw.GetInput(i)[j] == raw.GetInput(0)[j])) continue;
            Assert.True(Math.Abs(direct.Offset[j] - composed.Offset[j]) <= 1e-4f * Math.Max(1f, Math.Abs(direct.Offset[j])), $"offset {j}");
            Assert.True(Math.Abs(direct.Scale[j] - composed.Scale[j]) <= 1e-4f * Math.Abs(direct.Scale[j]), $"scale {j}");
        }
    }

    [Fact]
    public void Model_FromTrainingData_StoresItsScaling_ThroughTheFile()
    {
        Dataset train = EmbeddedData.Digits();
        var network = new Network(64, Loss.CrossEntropy, new Dense(10, TransferFunction.Softmax));
        var model = new Model(network, train);
        Assert.Same(train.Scaling, model.Scaling);

        Model loaded = ModelFile.Deserialize(ModelFile.Serialize(model), "m.fbp");
        Assert.NotNull(loaded.Scaling);
        Assert.Equal(train.Scaling!.Scale.ToArray(), loaded.Scaling.Scale.ToArray());
        Assert.Equal(train.Inputs.ToArray(), loaded.ScaleInputs(EmbeddedData.Digits(scaleToUnit: false)).Inputs.ToArray());
    }

    [Fact]
    public void Model_FromTrainingData_RejectsOtherShapes()
    {
        var network = new Network(4, Loss.CrossEntropy, new Dense(3, TransferFunction.Softmax));
        var e = Assert.Throws<ArgumentException>(() => new Model(network, EmbeddedData.Digits()));
        Assert.Equal("trainingData", e.ParamName);
        Assert.Contains("64 inputs per sample; the network has 4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ScaleInputs_RawIsScaled_SameScalingPassesThrough_OtherScalingIsRejected()
    {
        Dataset scaled = EmbeddedData.Digits();
        var network = new Network(64, Loss.CrossEntropy, new Dense(10, TransferFunction.Softmax));
        var model = new Model(network, scaled);
        Assert.Same(scaled, model.ScaleInputs(scaled));
        Assert.Equal(scaled.Inputs.ToArray(), model.ScaleInputs(EmbeddedData.Digits(scaleToUnit: false)).Inputs.ToArray());

        var standardised = new Model(network, InputScaling.Fit(scaled, InputScalingKind.Standardization).Apply(scaled));
        var e = Assert.Throws<ArgumentException>(() => standardised.ScaleInputs(scaled));
        Assert.Contains("load it unscaled", e.Message, StringComparison.Ordinal);

        var unscaled = new Model(network, scaling: null);
        Assert.Throws<ArgumentException>(() => unscaled.ScaleInputs(scaled));
    }

    [Fact]
    public void ScaleInputs_OverflowIsAnArgumentException_NamingTheCell()
    {
        var network = new Network(2, Loss.HalfSquaredError, new Dense(1, TransferFunction.Identity));
        var model = new Model(network, new InputScaling(InputScalingKind.Standardization, [0f, 0f], [1f, 10f]));
        var data = new Dataset([1f, 3e38f], 2, [0f], 1);
        var e = Assert.Throws<ArgumentException>(() => model.ScaleInputs(data));
        Assert.Contains("[0, 1]", e.Message, StringComparison.Ordinal);
    }
}
