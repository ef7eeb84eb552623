using FsCheck;
using FsCheck.Fluent;

namespace FastBackprop.Tests.Support;

// ---------------------------------------------------------------------------------------------
// Generators for the kernel properties. FsCheck generates only the *shape* of a case (sizes, a
// seed, a magnitude and one scalar parameter); the arrays are filled deterministically from the
// seed with SeededRandom. Shrinking therefore walks the sizes down while the seed stays put, and a
// counterexample prints as one short line that reproduces the whole input.
// ---------------------------------------------------------------------------------------------

/// <summary>A matrix-kernel case: a <paramref name="Rows"/> x <paramref name="Cols"/> row-major
/// matrix and its vectors, filled from <paramref name="Seed"/> with values in ±<paramref name="Amplitude"/>.
/// <paramref name="Scale"/> is the multiplier of the update kernels (unused by the products).</summary>
public sealed record MatrixCase(int Rows, int Cols, ulong Seed, float Amplitude, float Scale)
{
    /// <summary>A guarded buffer of <paramref name="length"/> values drawn from stream
    /// <paramref name="stream"/> of this case's seed.</summary>
    public GuardedBuffer Buffer(int length, int stream) => GuardedBuffer.Random(length, Values.Stream(Seed, stream), Amplitude);
}

/// <summary>An element-wise case: <paramref name="Length"/> values per operand, filled from
/// <paramref name="Seed"/> with values in ±<paramref name="Amplitude"/>; <paramref name="Slope"/> is
/// the rectifier's negative-side slope (unused elsewhere).</summary>
public sealed record VectorCase(int Length, ulong Seed, float Amplitude, float Slope)
{
    /// <summary>A guarded buffer of <see cref="Length"/> values drawn from stream <paramref name="stream"/>.</summary>
    public GuardedBuffer Buffer(int stream) => GuardedBuffer.Random(Length, Values.Stream(Seed, stream), Amplitude);

    /// <summary>A guarded buffer of <see cref="Length"/> values in [0, 1] (targets, probabilities).</summary>
    public GuardedBuffer UnitBuffer(int stream) => GuardedBuffer.RandomUnit(Length, Values.Stream(Seed, stream));
}

/// <summary>Deterministic value streams: bounded, with exact zeros (both signs), negatives and the
/// extremes ±amplitude mixed in.</summary>
public static class Values
{
    /// <summary>The generator for one operand of a case: the seed mixed with a per-operand stream
    /// number, so the operands of one case are independent.</summary>
    public static SeededRandom Stream(ulong seed, int stream) => new(seed ^ (0x9E3779B97F4A7C15UL * (ulong)(stream + 1)));

    /// <summary>Fills <paramref name="destination"/>: 1/16 +0, 1/32 -0, 1/16 each of ±amplitude,
    /// the rest uniform in [-amplitude, amplitude).</summary>
    public static void Fill(Span<float> destination, SeededRandom random, float amplitude)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = random.NextInt32(32) switch
            {
                0 or 1 => 0f,
                2 => float.NegativeZero,
                3 or 4 => amplitude,
                5 or 6 => -amplitude,
                _ => random.NextSymmetric(amplitude),
            };
        }
    }

    /// <summary>Fills <paramref name="destination"/> with values in [0, 1], exact 0 and 1 included.</summary>
    public static void FillUnit(Span<float> destination, SeededRandom random)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = random.NextInt32(8) switch
            {
                0 => 0f,
                1 => 1f,
                _ => random.NextSingle(),
            };
        }
    }
}

/// <summary>FsCheck arbitraries for <see cref="MatrixCase"/> and <see cref="VectorCase"/>; register with
/// <c>[Properties(Arbitrary = new[] { typeof(Generators) })]</c>.</summary>
public static class Generators
{
    /// <summary>Sizes that hit the vector tails: one below, at and one above every multiple of
    /// 4, 8 and 16 up to 130, plus primes and odd sizes.</summary>
    public static IReadOnlyList<int> EdgeSizes { get; } = BuildEdgeSizes();

    /// <summary>A few larger sizes: several full vectors of every width plus a tail, around 2^k and up to 300.</summary>
    public static IReadOnlyList<int> LargeSizes { get; } = [127, 128, 129, 191, 193, 255, 256, 257, 263, 300];

    /// <summary>Every length of the deterministic sweeps: 0..70 (every tail of 4, 8 and 16 lanes,
    /// several times over) plus the large sizes.</summary>
    public static IReadOnlyList<int> SweepLengths { get; } = [.. Enumerable.Range(0, 71), .. LargeSizes];

    /// <summary>Sizes for one dimension: every length 1..70 most of the time, the edge sizes often,
    /// a large size now and then.</summary>
    public static Gen<int> Size { get; } = Gen.Frequency(
        (6, Gen.Choose(1, 70)),
        (3, Gen.Elements<int>(EdgeSizes)),
        (1, Gen.Elements<int>(LargeSizes)));

    private static Gen<ulong> Seed { get; } =
        Gen.Choose(0, int.MaxValue).Zip(Gen.Choose(0, int.MaxValue)).Select(t => ((ulong)(uint)t.Item1 << 32) | (uint)t.Item2);

    /// <summary>The matrix arbitrary; shrinks rows and columns (toward 1), keeping seed and parameters.</summary>
    public static Arbitrary<MatrixCase> MatrixCase() =>
        Arb.From(
            from rows in Size
            from cols in Size
            from seed in Seed
            from amplitude in Gen.Elements(1f, 1f / 64, 64f)
            from scale in Gen.Elements(-0.5f, -0.01f, 0f, 1f, 3f)
            select new MatrixCase(rows, cols, seed, amplitude, scale),
            ShrinkMatrix);

    /// <summary>The element-wise arbitrary; shrinks the length (toward 1), keeping the rest.
    /// Amplitudes reach 80, where the logistic function is ~1.8e-35: still a normal float.</summary>
    public static Arbitrary<VectorCase> VectorCase() =>
        Arb.From(
            from length in Size
            from seed in Seed
            from amplitude in Gen.Elements(0.5f, 1f, 4f, 20f, 80f)
            from slope in Gen.Elements(0f, 0.01f, 0.25f, 0.5f)
            select new VectorCase(length, seed, amplitude, slope),
            ShrinkVector);

    private static IEnumerable<MatrixCase> ShrinkMatrix(MatrixCase c)
    {
        foreach (int rows in SmallerSizes(c.Rows)) yield return c with { Rows = rows };
        foreach (int cols in SmallerSizes(c.Cols)) yield return c with { Cols = cols };
    }

    private static IEnumerable<VectorCase> ShrinkVector(VectorCase c)
    {
        foreach (int length in SmallerSizes(c.Length)) yield return c with { Length = length };
    }

    // 1, then half, then one less: the usual halving walk, ending at the smallest failing size.
    private static IEnumerable<int> SmallerSizes(int size) =>
        new[] { 1, size / 2, size - 1 }.Where(s => s >= 1 && s < size).Distinct();

    private static int[] BuildEdgeSizes()
    {
        var sizes = new SortedSet<int> { 1, 2, 3, 5, 7, 9, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113 };
        for (int m = 4; m <= 128; m += 4)
        {
            sizes.Add(m - 1);
            sizes.Add(m);
            sizes.Add(m + 1);
        }
        return [.. sizes];
    }
}
