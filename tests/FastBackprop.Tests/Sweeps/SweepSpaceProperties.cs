using FastBackprop.Sweeps;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Sweeps;

/// <summary>The grid's size and order, random search's determinism and draw, and shards' partition of a sweep.</summary>
public class SweepSpaceProperties
{
    // A space whose lists have the given lengths (1 to 4 each): distinct values, so positions can be read back.
    private static SweepSpace Space(int rates, int widths, int depths, int optimizers, int decays) => new()
    {
        LearningRates = [.. Enumerable.Range(1, rates).Select(i => i / 1000f)],
        Widths = [.. Enumerable.Range(1, widths).Select(i => 8 * i)],
        Depths = [.. Enumerable.Range(0, depths)],
        Optimizers = [.. new[] { SweepOptimizer.PlainSgd, SweepOptimizer.Momentum, SweepOptimizer.Adam, SweepOptimizer.AdamW }.Take(optimizers)],
        WeightDecays = [.. Enumerable.Range(0, decays).Select(i => i / 100f)],
    };

    private static Arbitrary<(int, int, int, int, int)> Lengths() =>
        (from r in Gen.Choose(1, 4) from w in Gen.Choose(1, 4) from d in Gen.Choose(1, 4) from o in Gen.Choose(1, 4) from k in Gen.Choose(1, 4) select (r, w, d, o, k)).ToArbitrary();

    [Property(MaxTest = 60)]
    public Property Grid_IsTheProductInDepthWidthOptimizerDecayRateOrder() => Prop.ForAll(Lengths(), lengths =>
    {
        (int r, int w, int d, int o, int k) = lengths;
        SweepSpace space = Space(r, w, d, o, k);
        IReadOnlyList<SweepConfiguration> grid = space.Grid();
        Assert.Equal(r * w * d * o * k, grid.Count);
        Assert.Equal(grid.Count, space.GridSize);
        int g = 0;
        foreach (int depth in space.Depths)
            foreach (int width in space.Widths)
                foreach (SweepOptimizer optimizer in space.Optimizers)
                    foreach (float decay in space.WeightDecays)
                        foreach (float rate in space.LearningRates)
                        {
                            Assert.Equal(new SweepConfiguration(g, g, rate, width, depth, optimizer, decay), grid[g]);
                            g++;
                        }
    });

    [Property(MaxTest = 60)]
    public Property Random_IsDeterministicDistinctAndFromTheGrid() => Prop.ForAll(Lengths(), Gen.Choose(1, 300).ToArbitrary(), ArbMap.Default.ArbFor<ulong>(), (lengths, count, seed) =>
    {
        (int r, int w, int d, int o, int k) = lengths;
        SweepSpace space = Space(r, w, d, o, k);
        IReadOnlyList<SweepConfiguration> first = space.Random(count, seed), second = space.Random(count, seed);
        Assert.Equal(first, second);
        Assert.Equal(Math.Min(count, space.GridSize), first.Count);
        Assert.Equal(first.Count, first.Select(c => c.GridIndex).Distinct().Count());
        IReadOnlyList<SweepConfiguration> grid = space.Grid();
        for (int i = 0; i < first.Count; i++) Assert.Equal(grid[first[i].GridIndex] with { Index = i }, first[i]);
    });

    // Scores from a small set, so ties are common; -1 stands for a failed training (NaN).
    private static Arbitrary<(int[] Scores, bool Classification)> Scores() =>
        (from n in Gen.Choose(1, 12) from scores in Gen.ArrayOf(Gen.Choose(-1, 4), n) from classification in ArbMap.Default.GeneratorFor<bool>() select (scores, classification)).ToArbitrary();

    [Property(MaxTest = 200)]
    public Property Best_IsTheFirstOfTheSortByScoreThenIndex() => Prop.ForAll(Scores(), input =>
    {
        (int[] scores, bool classification) = input;
        SweepResult[] results = [.. scores.Select((s, i) => Result(i, s < 0 ? double.NaN : s / 4.0, classification))];
        // The reference: the successful results sorted by score (descending accuracy, ascending loss), then by index.
        SweepResult? expected = results.Where(r => !double.IsNaN(r.Score))
            .OrderBy(r => classification ? -r.Score : r.Score).ThenBy(r => r.Configuration.Index).FirstOrDefault();
        Assert.Same(expected, Sweep.Best(results));
    });

    private static SweepResult Result(int index, double score, bool classification) =>
        new(new SweepConfiguration(index, index, 0.1f, 8, 1, SweepOptimizer.Adam, 0f),
            [new SweepRun(1, classification ? 0.5 : score, classification ? score : null, classification ? null : score, 1, 1, 0, double.IsNaN(score) ? "diverged" : null)]);

    [Fact]
    public void Random_DependsOnItsSeed()
    {
        SweepSpace space = Space(4, 4, 4, 4, 4);
        Assert.NotEqual(space.Random(10, 1).Select(c => c.GridIndex), space.Random(10, 2).Select(c => c.GridIndex));
    }

    [Property(MaxTest = 100)]
    public Property Shards_PartitionTheConfigurations() => Prop.ForAll(Gen.Choose(1, 200).ToArbitrary(), Gen.Choose(1, 12).ToArbitrary(), (configurations, count) =>
    {
        var owners = new int[configurations];
        for (int i = 0; i < count; i++)
        {
            var shard = new SweepShard(i, count);
            for (int c = 0; c < configurations; c++) owners[c] += shard.Contains(c) ? 1 : 0;
        }
        Assert.All(owners, n => Assert.Equal(1, n));
    });

    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("3/4", 3, 4)]
    public void ShardParse_ReadsZeroBasedIOfN(string text, int index, int count) => Assert.Equal(new SweepShard(index, count), SweepShard.Parse(text));

    [Theory]
    [InlineData("4/4", "numbered 0 to 3")]
    [InlineData("1/0", "at least 1 shard")]
    [InlineData("-1/4", "is not i/N")]
    [InlineData("1", "is not i/N")]
    [InlineData("a/b", "is not i/N")]
    [InlineData("1/2/3", "is not i/N")]
    public void ShardParse_RefusesBadSpecs(string text, string expected) =>
        Assert.Contains(expected, Assert.Throws<FormatException>(() => SweepShard.Parse(text)).Message, StringComparison.Ordinal);

    [Fact]
    public void Validate_NamesTheListAndTheValue()
    {
        Assert.Contains("LearningRates[1] is 0", Assert.Throws<ArgumentException>(() => new SweepSpace { LearningRates = [0.1f, 0f] }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("Widths[0] is 0", Assert.Throws<ArgumentException>(() => new SweepSpace { Widths = [0] }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("Depths[0] is 17", Assert.Throws<ArgumentException>(() => new SweepSpace { Depths = [17] }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("WeightDecays[0] is -1", Assert.Throws<ArgumentException>(() => new SweepSpace { WeightDecays = [-1f] }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("Seeds is empty", Assert.Throws<ArgumentException>(() => new SweepSpace { Seeds = [] }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("already in the list", Assert.Throws<ArgumentException>(() => new SweepSpace { Widths = [8, 8] }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("Optimizers[1] is adam, which is already", Assert.Throws<ArgumentException>(() => new SweepSpace { Optimizers = [SweepOptimizer.Adam, SweepOptimizer.Adam] }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("at most 1000000", Assert.Throws<ArgumentException>(() => new SweepSpace { LearningRates = [.. Enumerable.Range(1, 1001).Select(i => (float)i)], Widths = [.. Enumerable.Range(1, 1001)] }.Validate()).Message, StringComparison.Ordinal);
    }
}
