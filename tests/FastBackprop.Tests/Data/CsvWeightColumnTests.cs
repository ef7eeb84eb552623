using FastBackprop.Data;
using Xunit;

namespace FastBackprop.Tests.Data;

/// <summary>CsvOptions.WeightColumn and WeightColumnName: the column is read as the samples' weights, not as an input.</summary>
public class CsvWeightColumnTests
{
    private const string Text = "a,b,weight,label\n1,2,0.5,0\n3,4,2,1\n5,6,0,1\n";

    private static Dataset Read(string text, CsvOptions options) => Dataset.FromCsv(new StringReader(text), "w.csv", options);

    [Theory]
    [InlineData(2, null)]
    [InlineData(-2, null)]
    [InlineData(null, "weight")]
    [InlineData(null, " WEIGHT ")]
    public void WeightColumn_ByIndexOrName_GivesTheWeights_AndIsNotAnInput(int? index, string? name)
    {
        Dataset d = Read(Text, new CsvOptions { HasHeader = true, WeightColumn = index, WeightColumnName = name });
        Assert.Equal(2, d.InputWidth);
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], d.Inputs.ToArray());
        Assert.Equal([0.5f, 2f, 0f], d.Weights.ToArray());
        Assert.Equal([0, 1, 1], d.Labels.ToArray());
    }

    [Fact]
    public void WeightColumn_Regression_AndBeforeTheTargets()
    {
        Dataset d = Read("3,1,2\n1,4,5\n", new CsvOptions { TargetKind = CsvTargetKind.Regression, LabelColumn = -1, WeightColumn = 0 });
        Assert.Equal([3f, 1f], d.Weights.ToArray());
        Assert.Equal([1f, 4f], d.Inputs.ToArray());
        Assert.Equal([2f, 5f], d.Targets.ToArray());
    }

    [Theory]
    [InlineData("1,2,-1,0\n", 2, "line 1, column 3: weight '-1' is negative")]
    [InlineData("1,2,0,0\n3,4,0,1\n", 2, "every weight in column 3 is 0")]
    [InlineData("1,2,1,0\n", 3, "the label or a target column")]
    [InlineData("1,2,1,0\n", 9, "weight column 9")]
    [InlineData("1,2,x,0\n", 2, "line 1, column 3")]
    [InlineData("1,0\n", 0, "no input column left")]
    public void WeightColumn_BadData_NamesLineAndColumn(string text, int column, string expected)
    {
        var e = Assert.Throws<DataFormatException>(() => Read(text, new CsvOptions { WeightColumn = column }));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WeightColumnName_Errors()
    {
        var missing = Assert.Throws<DataFormatException>(() => Read(Text, new CsvOptions { HasHeader = true, WeightColumnName = "w" }));
        Assert.Contains("no column named 'w'", missing.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>("options", () => Read(Text, new CsvOptions { WeightColumnName = "weight" }));
        Assert.Throws<ArgumentException>("options", () => Read(Text, new CsvOptions { HasHeader = true, WeightColumn = 2, WeightColumnName = "weight" }));
    }
}
