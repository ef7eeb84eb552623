using Xunit;

namespace FastBackprop.Tests.Support;

// ---------------------------------------------------------------------------------------------
// Canonical: the summation order of src/FastBackprop/Kernels/Operators/Lanes16.cs written
// straight from its definition, one float at a time, as the oracle of the cross-width tests: a
// kernel that agrees with every other width but not with this has the wrong order everywhere.
//
//   16 lanes, each starting at -0; element j goes to lane j mod 16 in increasing j (a fused
//   multiply-add for a dot product, an addition for a plain sum); then lanes i and i + 8, i and
//   i + 4, i and i + 2, 0 and 1 are added.
//
// And the comparison those tests use: the same bits, except that any NaN equals any NaN (IEEE 754
// leaves a NaN result's payload to the implementation, and the contract promises no more).
// ---------------------------------------------------------------------------------------------

/// <summary>The canonical sum and dot product, and bit-for-bit comparison.</summary>
public static class Canonical
{
    /// <summary>Σ_j a[j] b[j] in the canonical order.</summary>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        Span<float> lanes = stackalloc float[16];
        lanes.Fill(-0f);
        for (int j = 0; j < a.Length; j++) lanes[j % 16] = MathF.FusedMultiplyAdd(a[j], b[j], lanes[j % 16]);
        return Tree(lanes);
    }

    /// <summary>Σ_j x[j] in the canonical order.</summary>
    public static float Sum(ReadOnlySpan<float> x)
    {
        Span<float> lanes = stackalloc float[16];
        lanes.Fill(-0f);
        for (int j = 0; j < x.Length; j++) lanes[j % 16] += x[j];
        return Tree(lanes);
    }

    /// <summary>The tree over 16 lanes (overwritten).</summary>
    public static float Tree(Span<float> lanes)
    {
        for (int half = 8; half >= 1; half /= 2)
        {
            for (int i = 0; i < half; i++) lanes[i] += lanes[i + half];
        }
        return lanes[0];
    }

    /// <summary>Whether two floats are the same bits, or both NaN.</summary>
    public static bool SameBits(float a, float b) =>
        BitConverter.SingleToInt32Bits(a) == BitConverter.SingleToInt32Bits(b) || (float.IsNaN(a) && float.IsNaN(b));

    /// <summary>Fails unless <paramref name="actual"/> has the bits of <paramref name="expected"/>, element by element.</summary>
    public static void AssertSameBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (!SameBits(expected[i], actual[i]))
            {
                Assert.Fail($"{what}[{i}]: expected {expected[i]:R} (0x{BitConverter.SingleToInt32Bits(expected[i]):X8}), " +
                    $"got {actual[i]:R} (0x{BitConverter.SingleToInt32Bits(actual[i]):X8}).");
            }
        }
    }

    /// <summary>Fills <paramref name="destination"/> with values that probe the corners of the order: exact zeros of
    /// both signs, tiny values whose products underflow to a signed zero (so a lane can hold -0 after a nonzero term,
    /// which a wrong padding or start value would flip), subnormals, and ordinary values of both signs and several
    /// magnitudes (so every reordering shows in the rounding).</summary>
    public static void FillHard(Span<float> destination, SeededRandom random)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = random.NextInt32(10) switch
            {
                0 => 0f,
                1 => -0f,
                2 => random.NextSymmetric(1e-25f),              // products of two of these underflow
                3 => random.NextSymmetric(1e-38f),              // subnormal or tiny normal
                4 => random.NextSymmetric(1e4f),
                5 => random.NextSymmetric(1e-3f),
                _ => random.NextSymmetric(1f),
            };
        }
    }

    /// <summary>Values for one operand: <see cref="Values.Fill"/> or, when <paramref name="hard"/>, <see cref="FillHard"/>.</summary>
    public static float[] Operand(int length, ulong seed, int stream, bool hard, float amplitude = 1f)
    {
        var values = new float[length];
        if (hard) FillHard(values, Values.Stream(seed, stream));
        else Values.Fill(values, Values.Stream(seed, stream), amplitude);
        return values;
    }
}
