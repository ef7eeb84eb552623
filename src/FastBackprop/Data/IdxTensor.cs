using System.Buffers.Binary;
using System.Collections.ObjectModel;

namespace FastBackprop.Data;

/// <summary>The contents of one IDX file: element type, dimensions and the elements in file order
/// (row-major, last dimension fastest), as read by <see cref="IdxReader"/>.</summary>
/// <remarks>The elements are kept as the file's big-endian bytes (one byte per element for the
/// MNIST family, a quarter of the float size) and decoded on request.</remarks>
public sealed class IdxTensor
{
    private readonly byte[] data;

    internal IdxTensor(string sourceName, IdxDataType dataType, int[] dimensions, byte[] data, int dataOffset, bool decompressed)
    {
        SourceName = sourceName;
        DataType = dataType;
        Dimensions = Array.AsReadOnly(dimensions);
        this.data = data;
        DataOffset = dataOffset;
        IsDecompressed = decompressed;
        ElementSize = SizeOf(dataType);
        Count = data.Length / ElementSize;
    }

    /// <summary>The file name or stream name the tensor was read from.</summary>
    public string SourceName { get; }

    /// <summary>The element type.</summary>
    public IdxDataType DataType { get; }

    /// <summary>The dimensions, outermost first (for MNIST images: count, rows, columns).</summary>
    public ReadOnlyCollection<int> Dimensions { get; }

    /// <summary>Number of elements: the product of <see cref="Dimensions"/>.</summary>
    public int Count { get; }

    /// <summary>Bytes per element (1, 2, 4 or 8).</summary>
    public int ElementSize { get; }

    /// <summary>Byte offset of the first element in the (decompressed) file: 4 + 4 x rank.</summary>
    public int DataOffset { get; }

    /// <summary>Whether the file was gzip-compressed (so byte offsets refer to the decompressed data).</summary>
    public bool IsDecompressed { get; }

    /// <summary>The elements as stored: <see cref="Count"/> x <see cref="ElementSize"/> bytes, big-endian.</summary>
    public ReadOnlySpan<byte> RawData => data;

    /// <summary>Element <paramref name="index"/> (in file order) converted to double, exactly for
    /// every type.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside [0, <see cref="Count"/>).</exception>
    public double GetValue(int index)
    {
        if ((uint)index >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"index is {index}; expected an index in [0, {Count}).");
        }

        ReadOnlySpan<byte> b = data.AsSpan(index * ElementSize, ElementSize);
        return DataType switch
        {
            IdxDataType.UnsignedByte => b[0],
            IdxDataType.SignedByte => (sbyte)b[0],
            IdxDataType.Int16 => BinaryPrimitives.ReadInt16BigEndian(b),
            IdxDataType.Int32 => BinaryPrimitives.ReadInt32BigEndian(b),
            IdxDataType.Single => BinaryPrimitives.ReadSingleBigEndian(b),
            _ => BinaryPrimitives.ReadDoubleBigEndian(b),
        };
    }

    /// <summary>Whether every element is an integer type value (true for the integer types).</summary>
    public bool IsIntegerType => DataType is IdxDataType.UnsignedByte or IdxDataType.SignedByte or IdxDataType.Int16 or IdxDataType.Int32;

    /// <summary>Converts every element to float (no scaling): <c>destination[i] = (float)value[i]</c>.
    /// Int32 and double values beyond float precision are rounded; NaN and infinities of the float
    /// types are copied as they are.</summary>
    /// <param name="destination">At least <see cref="Count"/> values; the first <see cref="Count"/> are written.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="Count"/>.</exception>
    public void CopyTo(Span<float> destination)
    {
        if (destination.Length < Count)
        {
            throw new ArgumentException($"destination has length {destination.Length}; expected at least {Count}.", nameof(destination));
        }

        if (DataType == IdxDataType.UnsignedByte)
        {
            for (int i = 0; i < Count; i++) destination[i] = data[i];
            return;
        }

        for (int i = 0; i < Count; i++) destination[i] = (float)GetValue(i);
    }

    /// <summary>The byte size of one element of <paramref name="type"/>.</summary>
    internal static int SizeOf(IdxDataType type) => type switch
    {
        IdxDataType.UnsignedByte or IdxDataType.SignedByte => 1,
        IdxDataType.Int16 => 2,
        IdxDataType.Int32 or IdxDataType.Single => 4,
        _ => 8,
    };

    /// <summary>The position text of element <paramref name="index"/> for an error message.</summary>
    internal DataFormatException ErrorAtElement(int index, string problem) =>
        DataFormatException.AtByte(SourceName, DataOffset + (long)index * ElementSize, problem, IsDecompressed);
}
