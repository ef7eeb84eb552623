namespace FastBackprop.Data;

/// <summary>The arithmetic of <see cref="Dataset.StratifiedSplit"/>: which rows hold each class, and how many of each
/// class go to the first part.</summary>
internal static class StratifiedSplitting
{
    /// <summary>The rows of each class, in ascending order.</summary>
    public static int[][] Members(int[] labels, int classCount)
    {
        var counts = new int[classCount];
        foreach (int label in labels) counts[label]++;
        var members = new int[classCount][];
        for (int c = 0; c < classCount; c++) members[c] = new int[counts[c]];
        var filled = new int[classCount];
        for (int row = 0; row < labels.Length; row++) members[labels[row]][filled[labels[row]]++] = row;
        return members;
    }

    /// <summary>Each class's count in the first part: floor(fraction · n_c), then one more for the classes with the
    /// largest remainders (ties to the lower class) until the counts sum to <paramref name="total"/> (the largest-remainder
    /// method), so every count is within one of fraction · n_c.</summary>
    public static int[] Quotas(int[][] members, double fraction, int total)
    {
        var quota = new int[members.Length];
        var remainder = new double[members.Length];
        int given = 0;
        for (int c = 0; c < members.Length; c++)
        {
            double exact = fraction * members[c].Length;
            quota[c] = Math.Min((int)Math.Floor(exact), members[c].Length);
            remainder[c] = exact - quota[c];
            given += quota[c];
        }
        for (; given < total; given++)
        {
            int best = -1;
            for (int c = 0; c < members.Length; c++)
            {
                if (quota[c] < members[c].Length && (best < 0 || remainder[c] > remainder[best])) best = c;
            }
            if (best < 0) break;
            quota[best]++;
            remainder[best] = double.NegativeInfinity;   // one extra sample per class at most
        }
        return quota;
    }
}
