using FastBackprop.Training;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Training;

// ---------------------------------------------------------------------------------------------
// Every optimizer against its equations in double (OptimizerReference.cs), over random lengths,
// values, hyper-parameters and learning rates, several steps with the state carried by the
// optimizer itself. FsCheck generates only the case's shape (length, seed, steps, start); the
// hyper-parameters and arrays come from the seed, so shrinking walks the length down.
// ---------------------------------------------------------------------------------------------

/// <summary>One optimizer run: <paramref name="Length"/> parameters, <paramref name="Steps"/> steps, everything else from
/// <paramref name="Seed"/>; <paramref name="RandomStart"/> loads a random reachable state (and step count) before the first step.</summary>
public sealed record OptimizerCase(int Length, ulong Seed, int Steps, bool RandomStart);

/// <summary>The FsCheck arbitrary for <see cref="OptimizerCase"/>.</summary>
public static class OptimizerGenerators
{
    /// <summary>Lengths 1..70 (every tail of 4, 8 and 16 lanes) most of the time, the lengths around each multiple
    /// of 16 up to 257 often, and up to 400 now and then.</summary>
    public static Gen<int> Length { get; } = Gen.Frequency(
        (5, Gen.Choose(1, 70)),
        (3, Gen.Elements([.. Enumerable.Range(1, 16).SelectMany(k => new[] { 16 * k - 1, 16 * k, 16 * k + 1 })])),
        (2, Gen.Choose(71, 400)));

    private static Gen<ulong> Seed { get; } =
        Gen.Choose(0, int.MaxValue).Zip(Gen.Choose(0, int.MaxValue)).Select(t => ((ulong)(uint)t.Item1 << 32) | (uint)t.Item2);

    /// <summary>The arbitrary; shrinks the length toward 1 and the steps toward 1, keeping the seed.</summary>
    public static Arbitrary<OptimizerCase> OptimizerCase() =>
        Arb.From(
            from length in Length
            from seed in Seed
            from steps in Gen.Choose(1, 5)
            from randomStart in Gen.Elements(false, true)
            select new OptimizerCase(length, seed, steps, randomStart),
            Shrink);

    private static IEnumerable<OptimizerCase> Shrink(OptimizerCase c)
    {
        foreach (int length in new[] { 1, c.Length / 2, c.Length - 1 }.Where(s => s >= 1 && s < c.Length).Distinct())
            yield return c with { Length = length };
        if (c.Steps > 1) yield return c with { Steps = c.Steps - 1 };
    }
}

/// <summary>Each optimizer's steps against its double-precision equations, within the bounds derived in OptimizerReference.cs.</summary>
[Properties(Arbitrary = [typeof(OptimizerGenerators)], MaxTest = 200)]
public class OptimizerProperties
{
    /// <summary>Every configuration the deterministic sweep runs.</summary>
    internal static readonly Func<SeededRandom, ReferenceRule>[] SweepRules =
    [
        _ => new SgdRule(0f, false, 0f),
        _ => new SgdRule(0.9f, false, 0.01f),
        _ => new SgdRule(0.9f, true, 0.01f),
        r => AdamRule.Random(r, decoupled: false),
        r => AdamRule.Random(r, decoupled: true),
        RmsPropRule.Random,
        RpropRule.Random,
        AdaGradRule.Random,
        AdamaxRule.Random,
        NAdamRule.Random,
        RAdamRule.Random,
        QuickpropRule.Random,
        r => RpropPlusRule.Random(r, improved: false),
        r => RpropPlusRule.Random(r, improved: true),
    ];

    [Property]
    public void Sgd_MatchesReference_RandomCases(OptimizerCase c) =>
        Check(c, r => new SgdRule(0f, false, r.NextInt32(2) == 0 ? 0f : 0.5f * r.NextSingle()));

    [Property]
    public void SgdMomentum_MatchesReference_RandomCases(OptimizerCase c) =>
        Check(c, r => new SgdRule(0.001f + 0.99f * r.NextSingle(), false, r.NextInt32(2) == 0 ? 0f : 0.5f * r.NextSingle()));

    [Property]
    public void SgdNesterov_MatchesReference_RandomCases(OptimizerCase c) =>
        Check(c, r => new SgdRule(0.001f + 0.99f * r.NextSingle(), true, r.NextInt32(2) == 0 ? 0f : 0.5f * r.NextSingle()));

    [Property]
    public void Sgd_MatchesReference_RandomConfigurations(OptimizerCase c) => Check(c, SgdRule.Random);

    [Property]
    public void Adam_MatchesReference_RandomCases(OptimizerCase c) => Check(c, r => AdamRule.Random(r, decoupled: false));

    [Property]
    public void AdamW_MatchesReference_RandomCases(OptimizerCase c) => Check(c, r => AdamRule.Random(r, decoupled: true));

    [Property]
    public void RmsProp_MatchesReference_RandomCases(OptimizerCase c) => Check(c, RmsPropRule.Random);

    [Property]
    public void Rprop_MatchesReference_RandomCases(OptimizerCase c) => Check(c, RpropRule.Random);

    [Property]
    public void AdaGrad_MatchesReference_RandomCases(OptimizerCase c) => Check(c, AdaGradRule.Random);

    [Property]
    public void Adamax_MatchesReference_RandomCases(OptimizerCase c) => Check(c, AdamaxRule.Random);

    [Property]
    public void NAdam_MatchesReference_RandomCases(OptimizerCase c) => Check(c, NAdamRule.Random);

    [Property]
    public void RAdam_MatchesReference_RandomCases(OptimizerCase c) => Check(c, RAdamRule.Random);

    [Property]
    public void Quickprop_MatchesReference_RandomCases(OptimizerCase c) => Check(c, QuickpropRule.Random);

    [Property]
    public void RpropPlus_MatchesReference_RandomCases(OptimizerCase c) => Check(c, r => RpropPlusRule.Random(r, improved: false));

    [Property]
    public void IrpropPlus_MatchesReference_RandomCases(OptimizerCase c) => Check(c, r => RpropPlusRule.Random(r, improved: true));

    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void Optimizers_MatchReference_EveryLength(int n)
    {
        foreach (Func<SeededRandom, ReferenceRule> rule in SweepRules)
        {
            Check(new OptimizerCase(n, (ulong)(7000 + n), 3, RandomStart: n % 2 == 0), rule);
        }
    }

    [Property]
    public void Optimizers_SaveLoadState_ContinuesBitIdentically(OptimizerCase c)
    {
        foreach (Func<SeededRandom, ReferenceRule> createRule in SweepRules)
        {
            var random = new SeededRandom(c.Seed);
            ReferenceRule rule = createRule(random);
            int n = c.Length;
            Optimizer original = rule.Create(n);
            float[] w = new float[n], g = new float[n];
            Fill(random, w, 1f);
            for (int s = 0; s < c.Steps; s++)
            {
                Fill(random, g, 1f);
                Step(original, w, g, 0.05f, random.NextDouble());
            }

            byte[] saved = original.SaveState();
            Optimizer restored = rule.Create(n);
            restored.LoadState(saved);
            float[] wRestored = (float[])w.Clone();

            for (int s = 0; s < 3; s++)
            {
                Fill(random, g, 1f);
                float lr = 0.01f * (s + 1);
                double loss = random.NextDouble();
                Step(original, w, g, lr, loss);
                Step(restored, wRestored, g, lr, loss);
            }
            Assert.Equal(original.StepCount, restored.StepCount);
            AssertBitEqual(w, wRestored, $"{rule}: parameters");
            AssertBitEqual(State(original), State(restored), $"{rule}: state");
        }
    }

    [Property(MaxTest = 50)]
    public void Optimizers_Reset_MatchesNewOptimizer(OptimizerCase c)
    {
        foreach (Func<SeededRandom, ReferenceRule> createRule in SweepRules)
        {
            var random = new SeededRandom(c.Seed);
            ReferenceRule rule = createRule(random);
            Optimizer used = rule.Create(c.Length);
            float[] w = new float[c.Length], g = new float[c.Length];
            for (int s = 0; s < c.Steps; s++)
            {
                Fill(random, g, 1f);
                Step(used, w, g, 0.1f, s);
            }
            used.Reset();
            Assert.Equal(0, used.StepCount);
            AssertBitEqual(State(rule.Create(c.Length)), State(used), $"{rule}: state after Reset");
        }
    }

    public static TheoryData<int> SweepLengths() => new([.. Enumerable.Range(1, 70), 127, 128, 129, 191, 193, 255, 256, 257, 263, 300]);

    // --- the check ------------------------------------------------------------------------------

    internal static void Check(OptimizerCase c, Func<SeededRandom, ReferenceRule> createRule)
    {
        var random = new SeededRandom(c.Seed);
        ReferenceRule rule = createRule(random);
        int n = c.Length;
        Optimizer optimizer = rule.Create(n);
        var w = new CanaryBuffer(n);
        var g = new CanaryBuffer(n);
        Fill(random, w.Span, Pick(random, 1f, 1f / 64, 64f));
        if (c.RandomStart)
        {
            float[] start = new float[optimizer.BufferLength];
            rule.RandomState(random, start, n);
            optimizer.LoadBuffers(start, random.NextInt32(1000));
        }

        double[] wExpected = new double[n], wBound = new double[n];
        double[] sExpected = new double[optimizer.BufferLength], sBound = new double[optimizer.BufferLength];
        for (int step = 1; step <= c.Steps; step++)
        {
            Fill(random, g.Span, Pick(random, 1f, 1f / 64, 64f));
            float lr = Pick(random, 1e-3f, 0.01f, 0.1f, 1f) * (0.5f + random.NextSingle());
            float[] w0 = w.Span.ToArray(), g0 = g.Span.ToArray(), s0 = State(optimizer);
            long t = optimizer.StepCount + 1;
            // Losses that rise and fall, with repeats (iRPROP+ backtracks only when E(t) > E(t-1)).
            rule.Loss = random.NextInt32(4) == 0 ? rule.Loss : random.NextInt32(8);
            rule.ScalarsBefore = rule.Scalars(optimizer);

            Step(optimizer, w.Span, g.Span, lr, rule.Loss);

            rule.Step(w0, g0, s0, t, lr, wExpected, wBound, sExpected, sBound);
            rule.AssertScalars(optimizer, t);
            string where = $"{rule}, {c}, step {step} (t = {t}, lr {lr:R})";
            Assert.Equal(t, optimizer.StepCount);
            AssertWithin(wExpected, wBound, w.Span, $"{where}: parameters");
            AssertWithin(sExpected, sBound, State(optimizer), $"{where}: state");
            Assert.Equal(g0, g.Span.ToArray());
        }
        w.AssertCanariesIntact("parameters");
        g.AssertCanariesIntact("gradient");
    }

    /// <summary>A step through the door the optimizer needs (the loss is only read by the rules that need it).</summary>
    internal static void Step(Optimizer optimizer, Span<float> w, ReadOnlySpan<float> g, float lr, double loss)
    {
        if (optimizer.Requires == OptimizerInputs.Gradient) optimizer.Step(w, g, lr);
        else optimizer.Step(w, g, lr, loss, null);
    }

    internal static float[] State(Optimizer optimizer)
    {
        float[] state = new float[optimizer.BufferLength];
        optimizer.SaveBuffers(state);
        return state;
    }

    /// <summary>Fills with values uniform in ±<paramref name="amplitude"/>, with 1/16 +0, 1/32 -0 and 1/16 each of
    /// ±amplitude mixed in.</summary>
    internal static void Fill(SeededRandom random, Span<float> values, float amplitude)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = random.NextInt32(32) switch
            {
                0 or 1 => 0f,
                2 => -0f,
                3 or 4 => amplitude,
                5 or 6 => -amplitude,
                _ => random.NextSymmetric(amplitude),
            };
        }
    }

    private static float Pick(SeededRandom random, params float[] choices) => choices[random.NextInt32(choices.Length)];

    private static void AssertWithin(double[] expected, double[] bound, ReadOnlySpan<float> actual, string what)
    {
        for (int i = 0; i < actual.Length; i++)
        {
            if (double.IsPositiveInfinity(bound[i]))
            {
                if (!float.IsFinite(actual[i])) Assert.Fail($"{what}[{i}] is {actual[i]}; expected a finite value.");
                continue;
            }
            double error = Math.Abs(actual[i] - expected[i]);
            if (!(error <= bound[i]))
            {
                Assert.Fail($"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}; error {error:E3} exceeds bound {bound[i]:E3}.");
            }
        }
    }

    internal static void AssertBitEqual(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                Assert.Fail($"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (bits differ).");
            }
        }
    }
}

/// <summary>A span with canary floats on both sides, checked after a kernel ran: a write past either end shows.</summary>
internal sealed class CanaryBuffer(int length)
{
    private const int Padding = 32;
    private const int CanaryBits = 0x7FC0_BEEF;   // a quiet NaN with a payload no arithmetic produces
    private readonly float[] storage = CreateStorage(length);

    public Span<float> Span => storage.AsSpan(Padding, length);

    public void AssertCanariesIntact(string name)
    {
        for (int i = 0; i < storage.Length; i++)
        {
            if (i >= Padding && i < Padding + length) continue;
            if (BitConverter.SingleToInt32Bits(storage[i]) != CanaryBits)
            {
                Assert.Fail($"{name}: canary at offset {i - Padding} overwritten.");
            }
        }
    }

    private static float[] CreateStorage(int length)
    {
        float[] storage = new float[length + 2 * Padding];
        storage.AsSpan().Fill(BitConverter.Int32BitsToSingle(CanaryBits));
        return storage;
    }
}
