using FastBackprop.Data;
using Xunit;

namespace FastBackprop.Tests.Data;

/// <summary><see cref="EmbeddedData.Digits"/>: the UCI optdigits data compiled into the library.</summary>
public class EmbeddedDataTests
{
    [Fact]
    public void Digits_Loads1797x64_TenClasses()
    {
        Dataset d = EmbeddedData.Digits();
        Assert.Equal(1797, d.Count);
        Assert.Equal(64, d.InputWidth);
        Assert.Equal(10, d.ClassCount);
        Assert.Equal(Enumerable.Range(0, 10), d.Labels.ToArray().Distinct().Order());
        Assert.All(d.Inputs.ToArray(), v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(1f, d.Inputs.ToArray().Max());
        DataFiles.CheckInvariants(d);

        // First row of the file: 0,0,5,13,9,1,0,0,... label 0.
        Assert.Equal(0, d.GetLabel(0));
        Assert.Equal(5f / 16, d.GetInput(0)[2]);
    }

    [Fact]
    public void Digits_Raw_KeepsCounts0To16()
    {
        Dataset raw = EmbeddedData.Digits(scaleToUnit: false);
        Assert.Equal(13f, raw.GetInput(0)[3]);
        Assert.Equal(16f, raw.Inputs.ToArray().Max());
        Assert.Equal(EmbeddedData.Digits().Labels.ToArray(), raw.Labels.ToArray());
    }
}
