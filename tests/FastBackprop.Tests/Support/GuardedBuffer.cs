using Xunit;

namespace FastBackprop.Tests.Support;

// ---------------------------------------------------------------------------------------------
// GuardedBuffer: a span placed between two canary zones.
//
//   [ Padding canaries | misalignment canaries | data (Length) | Padding canaries ]
//
// Every canary is a *signalling* NaN whose payload encodes the buffer and the position. That
// catches three kinds of tail bug:
//   - over-write: any store past either end changes a canary's bits. Arithmetic always yields a
//     quiet NaN or a number, and a copy from anywhere else carries another payload, so only a
//     store of the very bits loaded from the same place (a harmless no-op) goes unnoticed;
//   - over-read: a value read past the end is NaN, and NaN propagates into the result, which
//     then fails the comparison with the reference (every comparison treats NaN as a failure);
//   - read-before-write of a destination: Poison() fills the data with canaries as well, so a
//     kernel that accumulates into a destination it should overwrite produces NaN.
// Over-reads whose value is discarded (a masked-off lane) are invisible to canaries; a guard
// page would catch them. Padding is four Vector512 registers each side, more than any kernel's
// tail can overshoot.
// ---------------------------------------------------------------------------------------------

/// <summary>A float buffer with canary padding before and after the data, checked by <see cref="AssertGuardsIntact"/>.</summary>
public sealed class GuardedBuffer
{
    /// <summary>Canary floats on each side of the data.</summary>
    public const int Padding = 64;

    private static int nextTag;

    private readonly float[] storage;
    private readonly int start;
    private readonly int tag;

    /// <summary>Allocates <paramref name="length"/> zeroed floats, starting <paramref name="misalignment"/>
    /// floats past the 64-float padding so that different cases see different address alignments.</summary>
    public GuardedBuffer(int length, int misalignment = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfNegative(misalignment);
        Length = length;
        start = Padding + misalignment;
        storage = new float[start + length + Padding];
        tag = Interlocked.Increment(ref nextTag);
        for (int i = 0; i < start; i++) storage[i] = Canary(i);
        for (int i = start + length; i < storage.Length; i++) storage[i] = Canary(i);
    }

    /// <summary>Number of data elements.</summary>
    public int Length { get; }

    /// <summary>The data, between the guards.</summary>
    public Span<float> Span => storage.AsSpan(start, Length);

    /// <summary>The data as a read-only span.</summary>
    public ReadOnlySpan<float> ReadOnly => storage.AsSpan(start, Length);

    /// <summary>Element <paramref name="index"/> of the data.</summary>
    public float this[int index] => Span[index];

    /// <summary>A buffer of <paramref name="length"/> values from <see cref="Values.Fill"/>; the
    /// misalignment (0-15 floats) is drawn from the same stream.</summary>
    public static GuardedBuffer Random(int length, SeededRandom random, float amplitude)
    {
        var buffer = new GuardedBuffer(length, random.NextInt32(16));
        Values.Fill(buffer.Span, random, amplitude);
        return buffer;
    }

    /// <summary>A buffer of <paramref name="length"/> values in [0, 1] from <see cref="Values.FillUnit"/>.</summary>
    public static GuardedBuffer RandomUnit(int length, SeededRandom random)
    {
        var buffer = new GuardedBuffer(length, random.NextInt32(16));
        Values.FillUnit(buffer.Span, random);
        return buffer;
    }

    /// <summary>A guarded copy of <paramref name="values"/>.</summary>
    public static GuardedBuffer From(ReadOnlySpan<float> values, int misalignment = 0)
    {
        var buffer = new GuardedBuffer(values.Length, misalignment);
        values.CopyTo(buffer.Span);
        return buffer;
    }

    /// <summary>Fills the data with canaries: for destinations the kernel must write without reading.</summary>
    public GuardedBuffer Poison()
    {
        for (int i = start; i < start + Length; i++) storage[i] = Canary(i);
        return this;
    }

    /// <summary>A copy of the data.</summary>
    public float[] ToArray() => Span.ToArray();

    /// <summary>Fails the test if any canary before or after the data changed.</summary>
    public void AssertGuardsIntact(string name)
    {
        for (int i = 0; i < storage.Length; i++)
        {
            if (i == start) i += Length;
            if (i >= storage.Length) break;
            int expected = BitConverter.SingleToInt32Bits(Canary(i));
            int actual = BitConverter.SingleToInt32Bits(storage[i]);
            if (actual != expected)
            {
                string where = i < start ? $"{start - i} before the start" : $"{i - start - Length} past the end";
                Assert.Fail($"{name}: the canary {where} (length {Length}) was overwritten with {storage[i]} (0x{actual:X8}; expected 0x{expected:X8}).");
            }
        }
    }

    /// <summary>Fails the test unless the data equals <paramref name="expected"/> bit for bit (for inputs
    /// that must not be modified), then checks the guards.</summary>
    public void AssertUnchanged(ReadOnlySpan<float> expected, string name)
    {
        ReadOnlySpan<float> data = ReadOnly;
        for (int i = 0; i < data.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(data[i]) != BitConverter.SingleToInt32Bits(expected[i]))
            {
                Assert.Fail($"{name}[{i}] was modified: {expected[i]} -> {data[i]} (length {Length}).");
            }
        }
        AssertGuardsIntact(name);
    }

    // Signalling NaN (exponent all ones, quiet bit 22 clear, payload non-zero) whose 22-bit
    // payload mixes the buffer tag with the position.
    private float Canary(int index)
    {
        uint payload = (uint)(tag * 0x9E3779B1 + index * 0x85EBCA77) & 0x3F_FFFF;
        if (payload == 0) payload = 1;
        return BitConverter.Int32BitsToSingle((int)(0x7F80_0000u | payload));
    }
}
