using FastBackprop.Data;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Data;

/// <summary>Dataset.WithWeights, WithClassWeights and BalancedClassWeights: checks, and weights that follow their
/// samples into subsets, splits, scaled copies and batches.</summary>
public class DatasetWeightTests
{
    private static Dataset Labelled(int count, int classes)
    {
        var x = new float[count * 2];
        for (int i = 0; i < x.Length; i++) x[i] = i;
        return new Dataset(x, 2, [.. Enumerable.Range(0, count).Select(p => p * 7 % classes)], classes);
    }

    [Fact]
    public void WithWeights_KeepsTheWeights_AndNoWeightsByDefault()
    {
        Dataset d = Labelled(5, 2);
        Assert.False(d.HasWeights);
        Assert.True(d.Weights.IsEmpty);
        Dataset w = d.WithWeights([1f, 0f, 2.5f, 3f, 0.25f]);
        Assert.True(w.HasWeights);
        Assert.Equal([1f, 0f, 2.5f, 3f, 0.25f], w.Weights.ToArray());
        Assert.False(w.WithoutWeights().HasWeights);
        Assert.Equal(d.Inputs.ToArray(), w.Inputs.ToArray());
        Assert.Equal(d.Labels.ToArray(), w.Labels.ToArray());
    }

    [Theory]
    [InlineData(-1f, "sample 2")]
    [InlineData(float.NaN, "sample 2")]
    [InlineData(float.PositiveInfinity, "sample 2")]
    public void WithWeights_Throws_ForABadWeight_NamingTheSample(float bad, string named)
    {
        var e = Assert.Throws<ArgumentException>("sampleWeights", () => Labelled(4, 2).WithWeights([1f, 1f, bad, 1f]));
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithWeights_Throws_ForAllZero_AndWrongLength()
    {
        var zero = Assert.Throws<ArgumentException>("sampleWeights", () => Labelled(3, 2).WithWeights([0f, 0f, 0f]));
        Assert.Contains("every sample weight is 0", zero.Message, StringComparison.Ordinal);
        var length = Assert.Throws<ArgumentException>("sampleWeights", () => Labelled(3, 2).WithWeights([1f, 1f]));
        Assert.Contains("expected one per sample, 3", length.Message, StringComparison.Ordinal);
        // Each weight finite, but w_p B / W would overflow a float: refused up front, not a "diverged" run later.
        var large = Assert.Throws<ArgumentException>("sampleWeights", () => Labelled(3, 2).WithWeights([2e38f, 2e38f, 1f]));
        Assert.Contains("too large for float arithmetic over 3 samples", large.Message, StringComparison.Ordinal);
        Assert.True(Labelled(3, 2).WithWeights([1e37f, 1e37f, 1f]).HasWeights);
    }

    [Property(MaxTest = 50)]
    public Property Weights_SurviveSubsetSplitScalingAndBatches() =>
        Prop.ForAll(Gen.Choose(2, 60).ToArbitrary(), Gen.Choose(0, 100).ToArbitrary(), (count, seed) =>
        {
            float[] w = [.. Enumerable.Range(0, count).Select(p => (float)((p * 37 + seed) % 11) / 4)];
            w[0] = 1f;
            Dataset d = Labelled(count, 3).WithWeights(w);

            var (first, second) = d.Split(0.6, (ulong)seed);
            var (firstRows, secondRows) = d.SplitRows(0.6, (ulong)seed);
            Assert.Equal(firstRows.Select(r => w[r]), first.Weights.ToArray());
            Assert.Equal(secondRows.Select(r => w[r]), second.Weights.ToArray());

            int[] picks = [count - 1, 0, count / 2, 0];
            Assert.Equal(picks.Select(r => w[r]), d.Subset(picks).Weights.ToArray());

            Dataset scaled = InputScaling.Fit(d, InputScalingKind.MinMax).Apply(d);
            Assert.Equal(w, scaled.Weights.ToArray());

            Assert.Equal(w.AsSpan(1, count - 1).ToArray(), d.GetBatch(1, count - 1).Weights.ToArray());
            Assert.True(Labelled(count, 3).GetBatch(0, count).Weights.IsEmpty);
        });

    [Fact]
    public void BalancedClassWeights_IsScikitLearnsExample()
    {
        // compute_class_weight("balanced", classes=[0, 1], y=[1, 1, 1, 1, 0, 0]) = [1.5, 0.75] (scikit-learn's docs).
        Dataset d = new([[0f], [0f], [0f], [0f], [0f], [0f]], [1, 1, 1, 1, 0, 0], 2);
        Assert.Equal([1.5f, 0.75f], d.BalancedClassWeights());
    }

    /// <summary>n_samples / (n_classes x count_c) with n_classes the classes that occur; absent classes get 0; every
    /// present class then weighs n_samples / n_classes in total.</summary>
    [Property(MaxTest = 100)]
    public Property BalancedClassWeights_MatchesTheFormula() =>
        Prop.ForAll(Gen.Choose(0, 5).ArrayOf().Where(a => a.Length > 0).ToArbitrary(), Gen.Choose(6, 8).ToArbitrary(), (labels, classes) =>
        {
            Dataset d = new(new float[labels.Length], 1, labels, classes);
            float[] balanced = d.BalancedClassWeights();
            int present = labels.Distinct().Count();
            for (int c = 0; c < classes; c++)
            {
                int n = labels.Count(l => l == c);
                Assert.Equal(n == 0 ? 0f : (float)((double)labels.Length / (present * n)), balanced[c]);
                if (n > 0) Assert.Equal((double)labels.Length / present, (double)balanced[c] * n, 5);
            }
        });

    [Fact]
    public void WithClassWeights_MultipliesIntoSampleWeights()
    {
        Dataset d = new([[0f], [0f], [0f], [0f]], [0, 1, 1, 2], 3);
        Assert.Equal([2f, 3f, 3f, 0.5f], d.WithClassWeights([2f, 3f, 0.5f]).Weights.ToArray());
        Assert.Equal([2f, 0f, 6f, 2f], d.WithWeights([1f, 0f, 2f, 4f]).WithClassWeights([2f, 3f, 0.5f]).Weights.ToArray());
    }

    [Fact]
    public void WithClassWeights_Throws_ForWrongCountBadValueAllZeroOrNoLabels()
    {
        Dataset d = new([[0f], [0f], [0f]], [0, 1, 1], 3);
        var count = Assert.Throws<ArgumentException>("classWeights", () => d.WithClassWeights([1f, 2f]));
        Assert.Contains("expected one per class, 3", count.Message, StringComparison.Ordinal);
        var negative = Assert.Throws<ArgumentException>("classWeights", () => d.WithClassWeights([1f, -2f, 1f]));
        Assert.Contains("class 1", negative.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>("classWeights", () => d.WithClassWeights([1f, float.NaN, 1f]));
        Assert.Throws<ArgumentException>("classWeights", () => d.WithClassWeights([0f, 0f, 5f]));   // no sample of class 2
        Dataset regression = new([[0f]], [[1f]]);
        Assert.Throws<InvalidOperationException>(() => regression.WithClassWeights([1f]));
        Assert.Throws<InvalidOperationException>(() => regression.BalancedClassWeights());
    }
}
