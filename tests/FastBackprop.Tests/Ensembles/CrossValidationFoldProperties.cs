using FastBackprop.Data;
using FastBackprop.Ensembles;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Ensembles;

/// <summary>CrossValidation.Folds: the folds partition the rows (every row in exactly one fold, each fold ascending),
/// their sizes differ by at most one, stratified folds give each class floor(n_c / k) or one more per fold, and the
/// same seed gives the same folds.</summary>
public sealed class CrossValidationFoldProperties
{
    [Property(MaxTest = 300)]
    public void Folds_PartitionTheRows_WithSizesWithinOne(ulong seed, byte size, byte folds, byte classes, bool stratify)
    {
        int count = size % 150 + 2, classCount = classes % 5 + 2;
        Dataset data = EnsembleSamples.Labelled(count, classCount, seed);
        int most = stratify ? Largest(data) : count;   // stratified: some class must have a row in every fold
        if (most < 2) return;
        int k = folds % (most - 1) + 2;
        int[][] result = CrossValidation.Folds(data, k, seed ^ 0x51, stratify);

        Assert.Equal(k, result.Length);
        var seen = new int[count];
        foreach (int[] fold in result)
        {
            for (int i = 0; i < fold.Length; i++)
            {
                seen[fold[i]]++;
                if (i > 0) Assert.True(fold[i - 1] < fold[i], "a fold's rows are not ascending");
            }
        }
        Assert.All(seen, n => Assert.Equal(1, n));
        Assert.True(result.Max(f => f.Length) - result.Min(f => f.Length) <= 1, $"fold sizes {string.Join(",", result.Select(f => f.Length))}");
        Assert.Equal(result, CrossValidation.Folds(data, k, seed ^ 0x51, stratify));
    }

    [Property(MaxTest = 300)]
    public void StratifiedFolds_KeepEachClassWithinOneOfItsShare(ulong seed, byte size, byte folds, byte classes)
    {
        int count = size % 200 + 10, classCount = classes % 6 + 2;
        Dataset data = EnsembleSamples.Labelled(count, classCount, seed);
        int k = folds % Math.Min(10, Largest(data) - 1) + 2;   // Largest >= 5 rows of 10+ in at most 7 classes
        int[][] result = CrossValidation.Folds(data, k, seed, stratify: true);
        int[] labels = [.. data.Labels];
        for (int c = 0; c < classCount; c++)
        {
            int n = labels.Count(l => l == c);
            foreach (int[] fold in result)
            {
                int inFold = fold.Count(row => labels[row] == c);
                Assert.True(inFold == n / k || inFold == n / k + 1, $"class {c} ({n} rows): {inFold} in a fold of {k}");
            }
        }
    }

    [Fact]
    public void Folds_DependOnTheSeed()
    {
        Dataset data = EnsembleSamples.Labelled(60, 3, 4);
        Assert.NotEqual(CrossValidation.Folds(data, 5, 1, stratify: false), CrossValidation.Folds(data, 5, 2, stratify: false));
        Assert.NotEqual(CrossValidation.Folds(data, 5, 1, stratify: true), CrossValidation.Folds(data, 5, 2, stratify: true));
    }

    [Fact]
    public void PlainFolds_AreConsecutiveRunsOfTheSeededShuffle_LargerFirst()
    {
        // 7 rows in 3 folds: sizes 3, 2, 2 as scikit-learn's KFold gives them.
        Dataset data = EnsembleSamples.Regression(7, 1);
        int[][] folds = CrossValidation.Folds(data, 3, 9, stratify: false);
        Assert.Equal([3, 2, 2], folds.Select(f => f.Length));
    }

    private static int Largest(Dataset data) => data.Labels.ToArray().GroupBy(l => l).Max(g => g.Count());
}
