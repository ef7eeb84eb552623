using System.Runtime.Intrinsics;
using FastBackprop.Kernels;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Kernels;

/// <summary>Finiteness.All against the definition (every element float.IsFinite), over lengths that are 0, 1, not a
/// multiple of any width, a multiple of four vectors, and large, with NaN, ±infinity and the largest finite values
/// at the start, in a vector body, in the scalar tail and at the end.</summary>
public class FinitenessProperties
{
    /// <summary>One generated span: its length, where a special value goes (-1: nowhere) and which one.</summary>
    public sealed record Case(int Length, int At, float Special, int Seed);

    public static class Arbitraries
    {
        public static Arbitrary<Case> Cases() =>
            (from length in Gen.OneOf(Gen.Choose(0, 70), Gen.Choose(60_000, 70_000))
             from place in Gen.Choose(0, 5)
             from special in Gen.Elements(float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, -float.MaxValue, float.Epsilon, -0f)
             from seed in Gen.Choose(0, int.MaxValue)
             let at = length == 0 || place == 0 ? -1 : place switch { 1 => 0, 2 => length - 1, 3 => length / 2, 4 => length - 1 - (length % 16), _ => length / 3 }
             select new Case(length, at, special, seed)).ToArbitrary();
    }

    [Property(MaxTest = 300, Arbitrary = [typeof(Arbitraries)])]
    public void All_IsTrueExactlyWhenEveryElementIsFinite(Case x)
    {
        var rng = new Random(x.Seed);
        float[] values = new float[x.Length];
        for (int i = 0; i < values.Length; i++) values[i] = (float)((rng.NextDouble() - 0.5) * 1e6);
        if (x.At >= 0) values[x.At] = x.Special;
        bool expected = Array.TrueForAll(values, float.IsFinite);
        Assert.Equal(expected, Finiteness.All(values));
    }

    /// <summary>A non-finite value in every position of spans up to four Vector512s and a tail long.</summary>
    [Fact]
    public void All_FindsANonFiniteValueAtEveryPosition()
    {
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            for (int length = 1; length <= (4 * Vector512<float>.Count) + 17; length++)
            {
                float[] values = Enumerable.Repeat(-float.MaxValue, length).ToArray();
                Assert.True(Finiteness.All(values));
                for (int at = 0; at < length; at++)
                {
                    values[at] = bad;
                    Assert.False(Finiteness.All(values), $"length {length}, {bad} at {at}");
                    values[at] = float.MaxValue;
                }
            }
        }
        Assert.True(Finiteness.All([]));
    }
}
