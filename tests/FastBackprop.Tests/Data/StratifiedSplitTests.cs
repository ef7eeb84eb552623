using FastBackprop.Data;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Data;

/// <summary>Dataset.StratifiedSplit: each class keeps its share of the first part (within one sample), the parts are
/// disjoint, complete and in the original order, the split is the same for the same seed, and the first part has
/// Split's size.</summary>
public sealed class StratifiedSplitTests
{
    // count samples of classCount classes drawn unevenly from the seed; input row i is the unique value i.
    private static Dataset Labelled(int count, int classCount, ulong seed)
    {
        var random = new SeededRandom(seed);
        var labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = (int)Math.Min(classCount - 1, Math.Floor(classCount * Math.Pow(random.NextDouble(), 2)));
        float[] inputs = [.. Enumerable.Range(0, count).Select(i => (float)i)];
        return new Dataset(inputs, 1, labels, classCount);
    }

    [Property(MaxTest = 200)]
    public void StratifiedSplit_KeepsEachClassShareWithinOnePattern(ulong seed, byte size, byte classes, byte percent)
    {
        int count = size % 120 + 1, classCount = classes % 6 + 2;
        double fraction = percent % 101 / 100.0;
        Dataset data = Labelled(count, classCount, seed);
        (Dataset first, Dataset second) = data.StratifiedSplit(fraction, seed ^ 7);

        Assert.Equal((int)Math.Round(fraction * count, MidpointRounding.ToEven), first.Count);   // Split's size
        Assert.Equal(count, first.Count + second.Count);
        int[] all = [.. data.Labels], held = [.. first.Labels];
        for (int c = 0; c < classCount; c++)
        {
            int n = all.Count(l => l == c), k = held.Count(l => l == c);
            Assert.True(Math.Abs(k - fraction * n) < 1, $"class {c}: {k} of {n} held out at fraction {fraction}");
        }

        // Every sample once, each part in the original order, and the same split for the same seed.
        float[] a = [.. first.Inputs], b = [.. second.Inputs];
        Assert.Equal(Enumerable.Range(0, count).Select(i => (float)i), a.Concat(b).Order());
        Assert.Equal(a.Order(), a);
        Assert.Equal(b.Order(), b);
        Assert.Equal(a, data.StratifiedSplit(fraction, seed ^ 7).First.Inputs.ToArray());
    }

    [Fact]
    public void StratifiedSplit_OfTheDigits_HoldsOutATenthOfEveryDigit()
    {
        Dataset digits = EmbeddedData.Digits();
        (Dataset held, _) = digits.StratifiedSplit(0.1, seed: 3);
        for (int c = 0; c < 10; c++)
        {
            int n = digits.Labels.ToArray().Count(l => l == c), k = held.Labels.ToArray().Count(l => l == c);
            Assert.True(Math.Abs(k - 0.1 * n) < 1, $"digit {c}: {k} of {n}");
        }
    }

    [Fact]
    public void StratifiedSplit_WithoutLabels_OrABadFraction_Throws()
    {
        var regression = new Dataset(new float[][] { [1f], [2f] }, new float[][] { [0f], [1f] });
        var e = Assert.Throws<InvalidOperationException>(() => regression.StratifiedSplit(0.5, 1));
        Assert.Contains("needs class labels", e.Message);
        Assert.Equal("fraction", Assert.Throws<ArgumentOutOfRangeException>(() => Labelled(10, 2, 1).StratifiedSplit(1.5, 1)).ParamName);
        Assert.Equal("fraction", Assert.Throws<ArgumentOutOfRangeException>(() => Labelled(10, 2, 1).StratifiedSplit(double.NaN, 1)).ParamName);
    }
}
