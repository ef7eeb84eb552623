namespace FastBackprop;

/// <summary>A seeded pseudo-random generator that yields the same numbers on every platform and
/// .NET version: xoshiro256** (Blackman and Vigna, 2018), its state filled from the seed by
/// SplitMix64. Only integer arithmetic and exact float conversions are used, so a seed pins every
/// weight bit for bit. Not thread-safe; not for cryptography.</summary>
public sealed class SeededRandom
{
    private ulong s0, s1, s2, s3;

    /// <summary>Starts the sequence for <paramref name="seed"/>.</summary>
    public SeededRandom(ulong seed)
    {
        ulong x = seed;
        s0 = SplitMix64(ref x);
        s1 = SplitMix64(ref x);
        s2 = SplitMix64(ref x);
        s3 = SplitMix64(ref x);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(s1 * 5, 7) * 9;
        ulong t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = ulong.RotateLeft(s3, 45);
        return result;
    }

    /// <summary>A float uniform in [0, 1), on the 2^-24 grid (the top 24 bits, converted exactly).</summary>
    public float NextSingle() => (NextUInt64() >> 40) * (1f / (1 << 24));

    /// <summary>A double uniform in [0, 1), on the 2^-53 grid.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A float uniform in [-<paramref name="limit"/>, <paramref name="limit"/>).</summary>
    public float NextSymmetric(float limit) => limit * (2f * NextSingle() - 1f);

    /// <summary>An integer uniform in [0, <paramref name="exclusiveMax"/>), without modulo bias (Lemire's method).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="exclusiveMax"/> is less than 1.</exception>
    public int NextInt32(int exclusiveMax)
    {
        ThrowHelper.CheckAtLeast(exclusiveMax, 1, nameof(exclusiveMax));
        ulong range = (ulong)exclusiveMax;
        ulong threshold = (0UL - range) % range;
        while (true)
        {
            ulong high = Math.BigMul(NextUInt64(), range, out ulong low);
            if (low >= threshold) return (int)high;
        }
    }

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
