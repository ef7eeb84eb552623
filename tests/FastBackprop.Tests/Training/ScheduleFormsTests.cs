using FastBackprop.Training;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Training;

/// <summary>The schedules of issue 9 against PyTorch's definitions: LinearLR + SequentialLR (warm-up), OneCycleLR
/// (cosine, two phases) and ReduceLROnPlateau (rel threshold), each compared with a double-precision transcription of
/// PyTorch's formula at every counter, and at points worked out by hand.</summary>
public sealed class ScheduleFormsTests
{
    // One float rounding of a double reference, plus the cos of PortableMath against Math.Cos.
    private static void Near(double expected, float actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-6 * Math.Abs(expected) + 1e-12, $"{what}: expected {expected}, got {actual}");

    // ---- warm-up: SequentialLR([LinearLR(s, total_iters=n), inner], milestones=[n]) ----------------------------

    [Property(MaxTest = 200)]
    public void Warmup_IsLinearLRThenTheInnerScheduleRestarted(ushort lengthSeed, ushort tSeed, byte factorSeed)
    {
        int n = lengthSeed % 20 + 1, t = tSeed % 60;
        float s = factorSeed / 255f;
        var inner = LearningRateSchedule.Cosine(0.1f, 25, 0.001f);
        var warm = LearningRateSchedule.Warmup(inner, n, s);
        // LinearLR's closed form base · (s + (1 - s) · min(n, t) / n) with base = inner(0), until the milestone n.
        double expected = t < n ? inner.Rate(0) * (s + (1 - (double)s) * t / n) : inner.Rate(t - n);
        Near(expected, warm.Rate(t), $"warm-up {n} from {s} at {t}");
    }

    [Fact]
    public void Warmup_Endpoints()
    {
        var warm = LearningRateSchedule.Warmup(LearningRateSchedule.Constant(0.3f), 4, 0.25f);
        Assert.Equal(0.075f, warm.Rate(0));                   // s · base
        Near(0.3 * (0.25 + 0.75 * 3 / 4), warm.Rate(3), "last warm-up step");
        Assert.Equal(0.3f, warm.Rate(4));                     // the milestone: the inner schedule at 0
        Assert.Equal(0.1f, LearningRateSchedule.Warmup(LearningRateSchedule.Constant(0.3f), 5).Rate(0), 7);   // LinearLR's default 1/3
        Assert.Equal(0f, LearningRateSchedule.Warmup(LearningRateSchedule.Constant(0.3f), 5, 0f).Rate(0));
    }

    // ---- one-cycle: OneCycleLR(max_lr, total_steps), pct_start 0.3, cos, div 25, final div 1e4 ------------------

    // OneCycleLR.get_lr, transcribed: two phases ending at pct_start · total - 1 and total - 1.
    private static double TorchOneCycle(double maxRate, int total, double pctStart, double div, double finalDiv, int step)
    {
        double initial = maxRate / div, min = initial / finalDiv;
        (double End, double From, double To)[] phases = [(pctStart * total - 1, initial, maxRate), (total - 1, maxRate, min)];
        double start = 0;
        for (int i = 0; i < phases.Length; i++)
        {
            if (step <= phases[i].End || i == phases.Length - 1)
            {
                double pct = (step - start) / (phases[i].End - start);
                return phases[i].To + (phases[i].From - phases[i].To) / 2.0 * (Math.Cos(Math.PI * pct) + 1);
            }
            start = phases[i].End;
        }
        throw new InvalidOperationException();
    }

    [Property(MaxTest = 300)]
    public void OneCycle_MatchesOneCycleLR(ushort totalSeed, ushort stepSeed, byte pctSeed)
    {
        int total = totalSeed % 500 + 2, step = stepSeed % total;
        float pct = 0.05f + pctSeed / 255f * 0.9f;
        var cycle = new OneCycleSchedule(0.4f, total, pct);
        double start = (double)pct * total - 1;
        if (step <= start && start <= 0) return;   // a first phase of length 0: PyTorch divides 0 by 0 there
        Near(TorchOneCycle(0.4f, total, pct, 25, 1e4, step), cycle.Rate(step), $"one-cycle of {total} steps, pct {pct}, at {step}");
    }

    [Fact]
    public void OneCycle_PeaksAtPctStartTimesTotalMinusOne()
    {
        var cycle = LearningRateSchedule.OneCycle(0.1f, 100);
        Assert.Equal(0.1f / 25, cycle.Rate(0));
        Assert.Equal(0.1f, cycle.Rate(29));   // 0.3 · 100 - 1
        for (int t = 1; t <= 29; t++) Assert.True(cycle.Rate(t) > cycle.Rate(t - 1), $"rising at {t}");
        for (int t = 30; t < 100; t++) Assert.True(cycle.Rate(t) < cycle.Rate(t - 1), $"falling at {t}");
        Near(0.1 / 25 / 1e4, cycle.Rate(99), "the last step");
        Assert.Equal(cycle.Rate(99), cycle.Rate(150));   // past the cycle the rate stays (PyTorch raises)

        // By hand, max 0.1 over 10 steps: the rise ends at step 2; step 1 is halfway, 0.1 + (0.004 - 0.1) / 2 · (cos(π/2) + 1).
        Near(0.052, LearningRateSchedule.OneCycle(0.1f, 10).Rate(1), "halfway up");
    }

    // ---- reduce on plateau: ReduceLROnPlateau(mode, factor, patience, threshold, 'rel', cooldown, min_lr) -------

    [Fact]
    public void ReduceOnPlateau_ReducesAfterPatience_RespectsCooldownAndMinimum()
    {
        var schedule = new ReduceOnPlateauSchedule(1f, factor: 0.5f, patience: 2, cooldown: 1, minRate: 0.2f);
        PlateauState state = schedule.Start();
        // A flat loss: epoch 1 is the best (on +∞); 2, 3 are bad; 4 is the third bad epoch, more than the patience: halve,
        // cooldown 1. Epoch 5 is the cooldown (its bad epoch not counted); 6, 7 bad; 8 halves again; 12 would go to 0.125
        // but stops at the minimum 0.2; from then on a reduction would change nothing.
        double[] expected = [1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2, 0.2];
        for (int e = 0; e < expected.Length; e++)
        {
            schedule.Observe(state, 3.0);
            Assert.True(Math.Abs(expected[e] - state.Rate) < 1e-7, $"after epoch {e + 1}: expected {expected[e]}, got {state.Rate}");
        }
    }

    [Fact]
    public void ReduceOnPlateau_CountsOnlyRelativeImprovementsAboveTheThreshold()
    {
        var schedule = new ReduceOnPlateauSchedule(0.1f, factor: 0.1f, patience: 0);
        PlateauState state = schedule.Start();
        schedule.Observe(state, 1.0);                 // best 1
        Assert.True(schedule.Observe(state, 0.99995));    // 0.99995 is not below 1 · (1 - 1e-4): bad, patience 0 → reduce
        Assert.True(Math.Abs(state.Rate - 0.1 * (double)0.1f) < 1e-9, $"rate {state.Rate}");
        Assert.Equal(1.0, state.Best);
        schedule.Observe(state, 0.9);                  // better: no reduction
        Assert.Equal(0.9, state.Best);

        PlateauState max = schedule.Start(higherIsBetter: true);   // accuracy: mode "max", best · (1 + threshold)
        schedule.Observe(max, 0.5);
        Assert.Equal(0.1, max.Rate, 7);
        schedule.Observe(max, 0.50004);                // not above 0.5 · 1.0001
        Assert.Equal(0.5, max.Best);
        Assert.Equal(0.01, max.Rate, 7);
        schedule.Observe(max, double.NaN);             // NaN is never better
        Assert.Equal(0.5, max.Best);
    }

    [Fact]
    public void NewSchedules_Throw_BadArguments()
    {
        var inner = LearningRateSchedule.Constant(0.1f);
        Assert.Equal("length", Assert.Throws<ArgumentOutOfRangeException>(() => new WarmupSchedule(inner, 0)).ParamName);
        Assert.Equal("startFactor", Assert.Throws<ArgumentOutOfRangeException>(() => new WarmupSchedule(inner, 3, 1.5f)).ParamName);
        Assert.Equal("startFactor", Assert.Throws<ArgumentOutOfRangeException>(() => new WarmupSchedule(inner, 3, float.NaN)).ParamName);
        Assert.Equal("inner", Assert.Throws<ArgumentException>(() => new WarmupSchedule(new ReduceOnPlateauSchedule(0.1f), 3)).ParamName);
        Assert.Equal("totalSteps", Assert.Throws<ArgumentOutOfRangeException>(() => new OneCycleSchedule(0.1f, 0)).ParamName);
        Assert.Equal("pctStart", Assert.Throws<ArgumentOutOfRangeException>(() => new OneCycleSchedule(0.1f, 10, 1.2f)).ParamName);
        Assert.Equal("divFactor", Assert.Throws<ArgumentOutOfRangeException>(() => new OneCycleSchedule(0.1f, 10, divFactor: 0f)).ParamName);
        Assert.Equal("finalDivFactor", Assert.Throws<ArgumentOutOfRangeException>(() => new OneCycleSchedule(0.1f, 10, finalDivFactor: -1f)).ParamName);
        Assert.Equal("maxRate", Assert.Throws<ArgumentOutOfRangeException>(() => new OneCycleSchedule(float.PositiveInfinity, 10)).ParamName);
        Assert.Equal("factor", Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceOnPlateauSchedule(0.1f, factor: 1f)).ParamName);
        Assert.Equal("patience", Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceOnPlateauSchedule(0.1f, patience: -1)).ParamName);
        Assert.Equal("threshold", Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceOnPlateauSchedule(0.1f, threshold: double.NaN)).ParamName);
        Assert.Equal("cooldown", Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceOnPlateauSchedule(0.1f, cooldown: -2)).ParamName);
        Assert.Equal("minRate", Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceOnPlateauSchedule(0.1f, minRate: 0.2f)).ParamName);
        Assert.Equal("epoch", Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.OneCycle(0.1f, 10).Rate(-1)).ParamName);
    }
}
