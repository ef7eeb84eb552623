using FastBackprop.IO;
using FastBackprop.Kernels;

namespace FastBackprop.Training;

// ---------------------------------------------------------------------------------------------
// StateSerializer: one method per kind of field that either writes the value or reads it back
// into the same variable, so that a piece of state is listed once, in one Exchange method, for
// both directions (the pattern of Boost.Serialization's `ar & field`). A writer and a reader can
// then never disagree about the order or the width of a field.
// ---------------------------------------------------------------------------------------------

/// <summary>Writes fields to a <see cref="FieldWriter"/> or reads them from a <see cref="FieldReader"/>, through the same calls.</summary>
internal ref struct StateSerializer
{
    /// <summary>The checkpoint format version this build writes (see <see cref="TrainingCheckpoint"/>).</summary>
    public const ushort CurrentVersion = 4;

    private readonly FieldWriter? writer;
    private FieldReader reader;

    private StateSerializer(FieldWriter? writer, FieldReader reader, ushort version)
    {
        this.writer = writer;
        this.reader = reader;
        Version = version;
    }

    /// <summary>One reading exchange of an element of a list; <c>item</c> is null on entry when reading.</summary>
    public delegate void ItemExchange<T>(ref StateSerializer serializer, ref T? item);

    /// <summary>A serializer whose calls write their values, in format <paramref name="version"/> (older formats for tests:
    /// the pieces guarded by the version are left out; format 2's optimizer layout is not written).</summary>
    public static StateSerializer Writing(FieldWriter writer, ushort version = CurrentVersion) => new(writer, default, version);

    /// <summary>A serializer whose calls overwrite their variables with what <paramref name="reader"/> holds, written in
    /// format <paramref name="version"/> (an older checkpoint's pieces are read in their old layout).</summary>
    public static StateSerializer Reading(FieldReader reader, ushort version = CurrentVersion) => new(null, reader, version);

    /// <summary>The format version being written (<see cref="CurrentVersion"/> but in tests) or read.</summary>
    public ushort Version { get; }

    /// <summary>Whether the calls read (else they write).</summary>
    public readonly bool IsReading => writer is null;

    /// <summary>Bytes left to read (0 when writing).</summary>
    public readonly int Remaining => writer is null ? reader.Remaining : 0;

    /// <summary>A format error at the current position (reading only).</summary>
    public readonly Data.DataFormatException Error(string problem) => reader.Error(0, problem);

    public void Boolean(ref bool value)
    {
        if (writer is null) value = reader.Boolean();
        else writer.Boolean(value);
    }

    /// <summary>An int32 that must be at least <paramref name="minimum"/> (<paramref name="name"/> says what it is).</summary>
    public void Int32(ref int value, string name, int minimum = int.MinValue)
    {
        if (writer is not null)
        {
            writer.Int32(value);
            return;
        }
        value = reader.Int32();
        if (value < minimum) throw reader.Error(-4, $"{name} is {value}; expected at least {minimum}.");
    }

    public void Int64(ref long value)
    {
        if (writer is null) value = reader.Int64();
        else writer.Int64(value);
    }

    /// <summary>An int64 that must be at least <paramref name="minimum"/> (<paramref name="name"/> says what it is).</summary>
    public void Int64(ref long value, string name, long minimum)
    {
        Int64(ref value);
        if (writer is null && value < minimum) throw reader.Error(-8, $"{name} is {value}; expected at least {minimum}.");
    }

    public void UInt64(ref ulong value)
    {
        if (writer is null) value = reader.UInt64();
        else writer.UInt64(value);
    }

    public void Single(ref float value)
    {
        if (writer is null) value = reader.Single();
        else writer.Single(value);
    }

    public void Double(ref double value)
    {
        if (writer is null) value = reader.Double();
        else writer.Double(value);
    }

    /// <summary>A flag, then the value if there is one.</summary>
    public void OptionalDouble(ref double? value)
    {
        bool has = value.HasValue;
        Boolean(ref has);
        if (!has)
        {
            value = null;
            return;
        }
        double v = value.GetValueOrDefault();
        Double(ref v);
        value = v;
    }

    public void String(ref string value)
    {
        if (writer is null) value = reader.String();
        else writer.String(value);
    }

    /// <summary>An int32 count, then the floats.</summary>
    public void Floats(ref float[] values)
    {
        if (writer is not null)
        {
            writer.Int32(values.Length);
            writer.Floats(values);
            return;
        }
        values = reader.Floats(reader.Count(4, "float"));
    }

    /// <summary>An int32 count, then the bytes.</summary>
    public void Bytes(ref byte[] values)
    {
        if (writer is not null)
        {
            writer.Int32(values.Length);
            writer.Bytes(values);
            return;
        }
        values = reader.Bytes(reader.Count(1, "byte")).ToArray();
    }

    /// <summary>Buffers of fixed lengths as one block: an int32 count (the sum of their lengths), then each buffer's
    /// floats in order; reading fills the buffers in place, and a count other than their total length is an error
    /// (<paramref name="name"/> says what they are).</summary>
    public void Buffers(AlignedBuffer[] buffers, string name)
    {
        int total = 0;
        foreach (AlignedBuffer b in buffers) total += b.Length;
        if (writer is not null)
        {
            writer.Int32(total);
            foreach (AlignedBuffer b in buffers) writer.Floats(b);
            return;
        }
        int count = reader.Int32();
        if (count != total) throw reader.Error(-4, $"{name} holds {count} floats; expected {total}.");
        foreach (AlignedBuffer b in buffers) reader.Floats(b);
    }

    /// <summary>A double array of fixed length, in place: an int32 count (which must be its length), then the doubles.</summary>
    public void Doubles(double[] values, string name)
    {
        if (writer is not null)
        {
            writer.Int32(values.Length);
            foreach (double v in values) writer.Double(v);
            return;
        }
        int count = reader.Int32();
        if (count != values.Length) throw reader.Error(-4, $"{name} holds {count} values; expected {values.Length}.");
        for (int i = 0; i < values.Length; i++) values[i] = reader.Double();
    }

    /// <summary>An optimizer's state (the bytes of Optimizer.WriteState), as a counted block of bytes. Format 2 stored
    /// it as an int64 step count and a counted block of floats, which are exactly the first bytes of the format-3 state
    /// of every optimizer format 2 knew (and all of it): reading format 2, those fields are taken as the block.</summary>
    public void OptimizerState(ref byte[] state)
    {
        if (writer is not null || Version >= 3)
        {
            Bytes(ref state);
            return;
        }
        long steps = reader.Int64();
        int count = reader.Count(4, "float");
        ReadOnlySpan<byte> floats = reader.Bytes(4 * count);
        state = new byte[12 + floats.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(state, steps);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(state.AsSpan(8), count);
        floats.CopyTo(state.AsSpan(12));
    }

    /// <summary>A flag, then <see cref="Floats(ref float[])"/> if there are any.</summary>
    public void OptionalFloats(ref float[]? values)
    {
        bool has = values is not null;
        Boolean(ref has);
        if (!has)
        {
            values = null;
            return;
        }
        float[] v = values ?? [];
        Floats(ref v);
        values = v;
    }

    /// <summary>A generator's state (<see cref="SeededRandom.StateLength"/> uint64), restored in place when reading.</summary>
    public void Generator(SeededRandom random)
    {
        Span<ulong> state = stackalloc ulong[SeededRandom.StateLength];
        if (writer is not null)
        {
            random.SaveState(state);
            foreach (ulong word in state) writer.UInt64(word);
            return;
        }
        for (int i = 0; i < state.Length; i++) state[i] = reader.UInt64();
        if ((state[0] | state[1] | state[2] | state[3]) == 0) throw reader.Error(-8 * state.Length, "a generator state is all zero, which xoshiro256** never reaches.");
        random.LoadState(state);
    }

    /// <summary>An int32 count, then each element through <paramref name="item"/>; each takes at least
    /// <paramref name="minimumSize"/> bytes. Reading replaces the list's contents.</summary>
    public void List<T>(List<T> list, int minimumSize, ItemExchange<T> item)
        where T : class
    {
        int count = list.Count;
        if (writer is not null) writer.Int32(count);
        else
        {
            count = reader.Count(minimumSize, "list");
            list.Clear();
        }
        for (int i = 0; i < count; i++)
        {
            T? element = writer is null ? null : list[i];
            item(ref this, ref element);
            if (writer is null) list.Add(element!);
        }
    }
}
