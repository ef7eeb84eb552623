using FastBackprop.Data;

namespace FastBackprop.Ensembles;

/// <summary>The arithmetic of <see cref="CrossValidation.Folds"/>: a seeded shuffle dealt into k folds.</summary>
internal static class FoldAssignment
{
    /// <summary>Plain k-fold (scikit-learn's KFold(shuffle=True)): a Fisher-Yates shuffle of the rows, cut into k
    /// consecutive runs, the first n mod k of them one row longer.</summary>
    public static int[][] Plain(int count, int folds, ulong seed)
    {
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        Shuffle(order, new SeededRandom(seed));
        var result = new int[folds][];
        int start = 0;
        for (int f = 0; f < folds; f++)
        {
            int size = count / folds + (f < count % folds ? 1 : 0);
            result[f] = order[start..(start + size)];
            Array.Sort(result[f]);
            start += size;
        }
        return result;
    }

    /// <summary>Stratified k-fold: each class's rows shuffled in turn (one generator, classes in label order, as
    /// <see cref="Dataset.StratifiedSplit"/>), laid end to end, and dealt round-robin: position i goes to fold i mod k.
    /// Each class is a contiguous run of that sequence, so every fold gets floor(n_c / k) or one more of class c, and the
    /// fold sizes differ by at most one (scikit-learn's StratifiedKFold deals the class-sorted rows the same way).</summary>
    public static int[][] Stratified(ReadOnlySpan<int> labels, int classCount, int folds, ulong seed)
    {
        int[][] members = StratifiedSplitting.Members(labels.ToArray(), classCount);
        var random = new SeededRandom(seed);
        var lists = new List<int>[folds];
        for (int f = 0; f < folds; f++) lists[f] = new List<int>(labels.Length / folds + 1);
        int position = 0;
        foreach (int[] rows in members)
        {
            Shuffle(rows, random);
            foreach (int row in rows) lists[position++ % folds].Add(row);
        }
        var result = new int[folds][];
        for (int f = 0; f < folds; f++)
        {
            result[f] = [.. lists[f]];
            Array.Sort(result[f]);
        }
        return result;
    }

    /// <summary>Every row not in fold <paramref name="fold"/>, ascending.</summary>
    public static int[] TrainingRows(int[][] folds, int fold, int count)
    {
        var rows = new int[count - folds[fold].Length];
        int n = 0;
        for (int f = 0; f < folds.Length; f++)
        {
            if (f != fold) foreach (int row in folds[f]) rows[n++] = row;
        }
        Array.Sort(rows);
        return rows;
    }

    // Fisher-Yates from the end, as Dataset.SplitRows shuffles.
    private static void Shuffle(int[] rows, SeededRandom random)
    {
        for (int i = rows.Length - 1; i > 0; i--)
        {
            int j = random.NextInt32(i + 1);
            (rows[i], rows[j]) = (rows[j], rows[i]);
        }
    }
}
