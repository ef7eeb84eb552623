using FastBackprop.Data;
using Xunit;

namespace FastBackprop.Tests.Data;

/// <summary><see cref="InputScaling"/>: fitted on training data, applied to other data, constant
/// columns, recreation from the stored numbers.</summary>
public class InputScalingTests
{
    // Column 0 varies, column 1 is constant, column 2 is constant up to float rounding noise.
    private static readonly Dataset Train = new([0f, 5f, 1000f, 2f, 5f, 1000.0001f, 4f, 5f, 1000f, 10f, 5f, 1000f], 3, [0, 1, 0, 1], 2);
    private static readonly Dataset Test = new([5f, 5f, 1000f, -10f, 7f, 1000f], 3, [1, 0], 2);

    [Fact]
    public void MinMax_FitOnTrain_MapsTrainOntoUnitInterval_AndAppliesToTest()
    {
        InputScaling s = InputScaling.Fit(Train, InputScalingKind.MinMax);
        Assert.Equal(InputScalingKind.MinMax, s.Kind);
        Assert.Equal([0f, 5f, 1000f], s.Offset.ToArray());
        Assert.Equal(0.1f, s.Scale[0]);
        Assert.Equal(1f, s.Scale[1]); // constant: no division by zero

        Dataset t = s.Apply(Train);
        Assert.Equal([0f, 0.2f, 0.4f, 1f], Column(t, 0));
        Assert.All(Column(t, 1), v => Assert.Equal(0f, v));
        Assert.All(Column(t, 2), v => Assert.InRange(v, -1e-3f, 1e-3f)); // rounding noise is not blown up
        Assert.Equal(Train.Targets.ToArray(), t.Targets.ToArray());
        Assert.Equal(Train.Labels.ToArray(), t.Labels.ToArray());

        Dataset u = s.Apply(Test); // fitted statistics, not the test set's own
        Assert.Equal([0.5f, -1f], Column(u, 0));
        Assert.Equal([0f, 2f], Column(u, 1));
        Assert.Equal(0f, Train.Inputs[0] - 0f); // the source is untouched
        Assert.Equal(10f, Train.GetInput(3)[0]);
    }

    [Fact]
    public void Standardization_FitOnTrain_GivesMeanZeroStdOne()
    {
        InputScaling s = InputScaling.Fit(Train, InputScalingKind.Standardization);
        Dataset t = s.Apply(Train);
        float[] c0 = Column(t, 0);
        double mean = c0.Average(), std = Math.Sqrt(c0.Select(v => (v - mean) * (v - mean)).Average());
        Assert.InRange(mean, -1e-6, 1e-6);
        Assert.InRange(std, 1 - 1e-6, 1 + 1e-6);
        Assert.Equal(4f, s.Offset[0]);
        Assert.Equal(1f, s.Scale[1]); // zero std handled
        Assert.All(Column(t, 1), v => Assert.Equal(0f, v));
        Assert.All(Column(t, 2), v => Assert.InRange(v, -1e-3f, 1e-3f));
    }

    [Fact]
    public void Recreated_FromStoredNumbers_GivesIdenticalResults()
    {
        InputScaling s = InputScaling.Fit(Train, InputScalingKind.Standardization);
        var copy = new InputScaling(s.Kind, s.Offset, s.Scale);
        Assert.Equal(s.Apply(Test).Inputs.ToArray(), copy.Apply(Test).Inputs.ToArray());
    }

    [Fact]
    public void ApplyToSpan_MatchesDataset_AndWorksInPlace()
    {
        InputScaling s = InputScaling.Fit(Train, InputScalingKind.MinMax);
        float[] row = Test.GetInput(1).ToArray(), into = new float[3];
        s.Apply(row, into);
        s.ApplyInPlace(row);
        Assert.Equal(s.Apply(Test).GetInput(1).ToArray(), into);
        Assert.Equal(into, row);
    }

    [Fact]
    public void Throws_WidthMismatchOrBadNumbers()
    {
        InputScaling s = InputScaling.Fit(Train, InputScalingKind.MinMax);
        Assert.Equal("data", Assert.Throws<ArgumentException>(() => s.Apply(new Dataset([1f, 2f], 2, [0], 1))).ParamName);
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => s.Apply(new float[2], new float[3])).ParamName);
        Assert.Equal("scale", Assert.Throws<ArgumentException>(() => new InputScaling(InputScalingKind.MinMax, [0f, 0f], [1f])).ParamName);
        Assert.Equal("offset", Assert.Throws<ArgumentException>(() => new InputScaling(InputScalingKind.MinMax, [float.NaN], [1f])).ParamName);
        Assert.Throws<ArgumentException>(() => InputScaling.Fit(Train.Subset([]), InputScalingKind.MinMax));
    }

    private static float[] Column(Dataset d, int j) => Enumerable.Range(0, d.Count).Select(i => d.GetInput(i)[j]).ToArray();
}
