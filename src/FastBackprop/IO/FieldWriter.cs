using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace FastBackprop.IO;

/// <summary>Writes little-endian fields to a growing buffer, the counterpart of <see cref="FieldReader"/>:
/// each method here writes what the reader's method of the same name reads.</summary>
internal sealed class FieldWriter
{
    private readonly MemoryStream buffer;
    private readonly BinaryWriter binary;   // little-endian on every platform

    public FieldWriter()
        : this(0)
    {
    }

    /// <summary>A writer whose buffer holds <paramref name="capacity"/> bytes before it grows: one allocation, no copies,
    /// for a write whose size is known.</summary>
    public FieldWriter(int capacity)
    {
        buffer = new MemoryStream(capacity);
        binary = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true);
    }

    /// <summary>Bytes written so far.</summary>
    public int Length => (int)buffer.Length;

    /// <summary>The bytes written so far (valid until the next write).</summary>
    public ReadOnlySpan<byte> Written => buffer.GetBuffer().AsSpan(0, Length);

    /// <summary>Forgets what was written, keeping the buffer's capacity (so a writer reused for snapshots of one size
    /// allocates nothing after the first).</summary>
    public void Clear() => buffer.SetLength(0);

    /// <summary>The underlying stream, for the framing (<see cref="Crc32.Seal"/>).</summary>
    internal MemoryStream Stream => buffer;

    public void Byte(byte value) => binary.Write(value);

    public void Boolean(bool value) => binary.Write(value);

    public void UInt16(ushort value) => binary.Write(value);

    public void Int32(int value) => binary.Write(value);

    public void Int64(long value) => binary.Write(value);

    public void UInt64(ulong value) => binary.Write(value);

    public void Single(float value) => binary.Write(value);

    public void Double(double value) => binary.Write(value);

    public void Bytes(ReadOnlySpan<byte> value) => binary.Write(value);

    /// <summary>The values as float32, without a count.</summary>
    public void Floats(ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            binary.Write(MemoryMarshal.AsBytes(values));   // the file's byte order already
            return;
        }
        foreach (float v in values) binary.Write(v);
    }

    /// <summary>int32 byte length, then UTF-8.</summary>
    public void String(string value)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(value);
        binary.Write(utf8.Length);
        binary.Write(utf8);
    }

    /// <summary>uint8 length, then ASCII; the caller has checked that <paramref name="value"/> is 1 to 255 printable ASCII characters.</summary>
    public void Name(string value)
    {
        binary.Write(checked((byte)value.Length));
        binary.Write(Encoding.ASCII.GetBytes(value));
    }

    /// <summary>Writes a placeholder int32 and returns where it is, for <see cref="EndSection"/>.</summary>
    public int BeginSection()
    {
        binary.Write(0);
        return Length;
    }

    /// <summary>Fills the placeholder of <see cref="BeginSection"/> with the number of bytes written since.</summary>
    public void EndSection(int start) =>
        BinaryPrimitives.WriteInt32LittleEndian(buffer.GetBuffer().AsSpan(start - 4, 4), Length - start);
}
