using FastBackprop.Diagnostics;
using Xunit;

namespace FastBackprop.Tests.Diagnostics;

/// <summary>The peak probe measures something on one thread and on several, and rejects absurd arguments.
/// (Its speed is a benchmark's business, not a test's: these only check that it runs and returns a rate.)</summary>
public sealed class PeakProbeTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void MeasureGflops_OnThreads_ReturnsAPositiveFiniteRate(int threads)
    {
        double gflops = PeakProbe.MeasureGflops(TimeSpan.FromMilliseconds(20), threads);
        Assert.True(double.IsFinite(gflops) && gflops > 0, $"{gflops} GFLOP/s on {threads} threads");
    }

    [Fact]
    public void MeasureGflops_RejectsNoTimeAndNoThreads()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PeakProbe.MeasureGflops(TimeSpan.Zero, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => PeakProbe.MeasureGflops(TimeSpan.FromMilliseconds(1), 0));
    }
}
