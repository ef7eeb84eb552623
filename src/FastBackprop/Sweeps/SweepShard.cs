using System.Globalization;

namespace FastBackprop.Sweeps;

/// <summary>Shard <see cref="Index"/> of <see cref="Count"/>: the configurations c of a sweep with
/// c mod Count == Index (round robin, 0-based), so that shards get about the same mix of cheap and costly
/// configurations however the grid is ordered. Shards partition the sweep, and a configuration's result does not
/// depend on which shard trains it.</summary>
public readonly record struct SweepShard
{
    /// <summary>Shard <paramref name="index"/> of <paramref name="count"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 1, or <paramref name="index"/>
    /// is outside [0, count).</exception>
    public SweepShard(int index, int count)
    {
        ThrowHelper.CheckAtLeast(count, 1, nameof(count));
        if ((uint)index >= (uint)count) throw new ArgumentOutOfRangeException(nameof(index), index, $"index is {index}; shards are numbered 0 to {count - 1} (0-based).");
        Index = index;
        Count = count;
    }

    /// <summary>The whole sweep: shard 0 of 1.</summary>
    public static SweepShard All => new(0, 1);

    /// <summary>The shard's number, 0 to Count-1.</summary>
    public int Index { get; }

    /// <summary>How many shards the sweep is cut into (0 in a default instance: treat as <see cref="All"/>).</summary>
    public int Count { get; }

    /// <summary>Whether configuration <paramref name="index"/> is this shard's.</summary>
    public bool Contains(int index) => Count <= 1 || index % Count == Index;

    /// <summary>Reads "i/N" (0-based i, 0 &lt;= i &lt; N), as <c>--shard</c> takes it.</summary>
    /// <exception cref="FormatException">Not two whole numbers around a slash, or i outside [0, N).</exception>
    public static SweepShard Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int index)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count))
        {
            throw new FormatException($"'{text}' is not i/N (shard i of N, whole numbers, i from 0), e.g. 0/4.");
        }
        if (count < 1) throw new FormatException($"'{text}': N is {count}; a sweep has at least 1 shard.");
        if (index >= count) throw new FormatException($"'{text}': shards are numbered 0 to {count - 1} (0-based), so i must be below N.");
        return new SweepShard(index, count);
    }

    /// <summary>"i/N".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Math.Max(Count, 1)}");
}
