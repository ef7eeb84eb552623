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

    /// <summary>Number of ulongs in the generator's state (<see cref="SaveState"/>).</summary>
    public const int StateLength = 4;

    /// <summary>Writes the generator's whole state, so that <see cref="FromState"/> continues the
    /// sequence exactly where this one is (checkpoint and resume).</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> does not have <see cref="StateLength"/> elements.</exception>
    public void SaveState(Span<ulong> destination)
    {
        ThrowHelper.CheckLength(destination.Length, StateLength, nameof(destination));
        destination[0] = s0;
        destination[1] = s1;
        destination[2] = s2;
        destination[3] = s3;
    }

    /// <summary>A generator that continues from a state written by <see cref="SaveState"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="state"/> does not have <see cref="StateLength"/>
    /// elements, or is all zero (a state xoshiro never reaches).</exception>
    public static SeededRandom FromState(ReadOnlySpan<ulong> state)
    {
        var random = new SeededRandom(0);
        random.LoadState(state);
        return random;
    }

    /// <summary>Continues from a state written by <see cref="SaveState"/>, in place (so that whoever holds this
    /// generator, a workspace or a trainer, continues with the restored sequence).</summary>
    /// <exception cref="ArgumentException">As for <see cref="FromState"/>; the state is then unchanged.</exception>
    internal void LoadState(ReadOnlySpan<ulong> state)
    {
        ThrowHelper.CheckLength(state.Length, StateLength, nameof(state));
        if ((state[0] | state[1] | state[2] | state[3]) == 0)
        {
            throw new ArgumentException("state is all zero; expected a state written by SaveState.", nameof(state));
        }
        s0 = state[0];
        s1 = state[1];
        s2 = state[2];
        s3 = state[3];
    }

    /// <summary>Sets this generator to where <paramref name="other"/> is.</summary>
    internal void CopyFrom(SeededRandom other) => (s0, s1, s2, s3) = (other.s0, other.s1, other.s2, other.s3);

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

    /// <summary>A standard normal deviate N(0, 1), by Marsaglia's polar method. Its logarithm is
    /// computed by PortableMath from +, *, / only (Math.Log comes from the platform's C library and may differ
    /// in the last bit between platforms), and Math.Sqrt is correctly rounded by IEEE 754, so the
    /// deviates are the same bits everywhere.</summary>
    public double NextGaussian()
    {
        while (true)
        {
            double u = 2 * NextDouble() - 1, v = 2 * NextDouble() - 1;
            double s = u * u + v * v;
            if (s >= 1 || s == 0) continue;
            return u * Math.Sqrt(-2 * PortableMath.Log(s) / s);
        }
    }

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
