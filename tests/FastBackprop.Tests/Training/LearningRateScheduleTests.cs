using FastBackprop.Training;
using Xunit;

namespace FastBackprop.Tests.Training;

/// <summary>Schedule values at chosen epochs, computed by hand from each schedule's formula.</summary>
public class LearningRateScheduleTests
{
    [Fact]
    public void ConstantSchedule_IsConstant()
    {
        var s = LearningRateSchedule.Constant(0.25f);
        Assert.Equal(0.25f, s.Rate(0));
        Assert.Equal(0.25f, s.Rate(1_000_000));
    }

    [Fact]
    public void StepDecaySchedule_DecaysEveryStepSizeEpochs()
    {
        // rate(e) = 0.1 · 0.5^floor(e / 3)
        var s = LearningRateSchedule.StepDecay(0.1f, stepSize: 3, gamma: 0.5f);
        Assert.Equal(0.1f, s.Rate(0));
        Assert.Equal(0.1f, s.Rate(2));
        Assert.Equal(0.05f, s.Rate(3));
        Assert.Equal(0.05f, s.Rate(5));
        Assert.Equal(0.025f, s.Rate(6));
        Assert.Equal((float)(0.1f * Math.Pow(0.5, 33)), s.Rate(100));
    }

    [Fact]
    public void CosineSchedule_FollowsHalfCosineThenStaysAtMinimum()
    {
        // rate(e) = 0.01 + (1 - 0.01) (1 + cos(π e / 10)) / 2
        var s = LearningRateSchedule.Cosine(1f, totalEpochs: 10, minRate: 0.01f);
        Assert.Equal(1f, s.Rate(0));
        Assert.Equal((float)(0.01f + (1 - (double)0.01f) * 0.5), s.Rate(5), 6);
        Assert.Equal((float)(0.01f + (1 - (double)0.01f) * (1 + Math.Cos(Math.PI * 0.2)) / 2), s.Rate(2), 6);
        Assert.Equal(0.01f, s.Rate(10));
        Assert.Equal(0.01f, s.Rate(11));
        for (int e = 1; e <= 10; e++) Assert.True(s.Rate(e) < s.Rate(e - 1));
    }

    [Fact]
    public void Schedules_Throw_BadArguments()
    {
        Assert.Equal("rate", Assert.Throws<ArgumentOutOfRangeException>(() => new ConstantSchedule(float.NaN)).ParamName);
        Assert.Equal("rate", Assert.Throws<ArgumentOutOfRangeException>(() => new ConstantSchedule(-1f)).ParamName);
        Assert.Equal("stepSize", Assert.Throws<ArgumentOutOfRangeException>(() => new StepDecaySchedule(0.1f, 0, 0.5f)).ParamName);
        Assert.Equal("gamma", Assert.Throws<ArgumentOutOfRangeException>(() => new StepDecaySchedule(0.1f, 2, 1.5f)).ParamName);
        Assert.Equal("gamma", Assert.Throws<ArgumentOutOfRangeException>(() => new StepDecaySchedule(0.1f, 2, 0f)).ParamName);
        Assert.Equal("totalEpochs", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineSchedule(0.1f, 0)).ParamName);
        Assert.Equal("minRate", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineSchedule(0.1f, 5, 0.2f)).ParamName);
        Assert.Equal("epoch", Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.Constant(1f).Rate(-1)).ParamName);
        Assert.Equal("epoch", Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.Cosine(1f, 3).Rate(-1)).ParamName);
    }
}
