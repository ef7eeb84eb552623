using FastBackprop.IO;

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
    private readonly FieldWriter? writer;
    private FieldReader reader;

    private StateSerializer(FieldWriter? writer, FieldReader reader)
    {
        this.writer = writer;
        this.reader = reader;
    }

    /// <summary>One reading exchange of an element of a list; <c>item</c> is null on entry when reading.</summary>
    public delegate void ItemExchange<T>(ref StateSerializer serializer, ref T? item);

    /// <summary>A serializer whose calls write their values.</summary>
    public static StateSerializer Writing(FieldWriter writer) => new(writer, default);

    /// <summary>A serializer whose calls overwrite their variables with what <paramref name="reader"/> holds.</summary>
    public static StateSerializer Reading(FieldReader reader) => new(null, reader);

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
