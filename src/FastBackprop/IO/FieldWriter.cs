using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace FastBackprop.IO;

/// <summary>Writes little-endian fields to a growing buffer, the counterpart of <see cref="FieldReader"/>:
/// each method here writes what the reader's method of the same name reads.</summary>
internal sealed class FieldWriter
{
    private readonly MemoryStream buffer = new();

    /// <summary>Bytes written so far.</summary>
    public int Length => (int)buffer.Length;

    /// <summary>The underlying stream, for the framing (<see cref="Crc32.Seal"/>).</summary>
    internal MemoryStream Stream => buffer;

    public void Byte(byte value) => buffer.WriteByte(value);

    public void Boolean(bool value) => buffer.WriteByte(value ? (byte)1 : (byte)0);

    public void UInt16(ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        buffer.Write(b);
    }

    public void Int32(int value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, value);
        buffer.Write(b);
    }

    public void Int64(long value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(b, value);
        buffer.Write(b);
    }

    public void UInt64(ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        buffer.Write(b);
    }

    public void Single(float value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(b, value);
        buffer.Write(b);
    }

    public void Double(double value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(b, value);
        buffer.Write(b);
    }

    public void Bytes(ReadOnlySpan<byte> value) => buffer.Write(value);

    /// <summary>The values as float32, without a count.</summary>
    public void Floats(ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            buffer.Write(MemoryMarshal.AsBytes(values));   // the file's byte order already
            return;
        }
        foreach (float v in values) Single(v);
    }

    /// <summary>int32 byte length, then UTF-8.</summary>
    public void String(string value)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(value);
        Int32(utf8.Length);
        buffer.Write(utf8);
    }

    /// <summary>uint8 length, then ASCII; the caller has checked that <paramref name="value"/> is 1 to 255 printable ASCII characters.</summary>
    public void Name(string value)
    {
        Byte(checked((byte)value.Length));
        buffer.Write(Encoding.ASCII.GetBytes(value));
    }

    /// <summary>Writes a placeholder int32 and returns where it is, for <see cref="EndSection"/>.</summary>
    public int BeginSection()
    {
        Int32(0);
        return Length;
    }

    /// <summary>Fills the placeholder of <see cref="BeginSection"/> with the number of bytes written since.</summary>
    public void EndSection(int start)
    {
        BinaryPrimitives.WriteInt32LittleEndian(buffer.GetBuffer().AsSpan(start - 4, 4), Length - start);
    }
}
