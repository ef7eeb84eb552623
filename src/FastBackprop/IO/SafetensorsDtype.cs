using System.Buffers.Binary;

namespace FastBackprop.IO;

/// <summary>The element types of the safetensors format: each name the header may give, its size in bytes,
/// and, for the floating-point types FastBackprop reads, the conversion to float32.</summary>
/// <remarks>Conversion rule: F32 is taken as it is; F16 and BF16 are widened exactly (every value of theirs is a
/// float32); F64 is rounded to the nearest float32 (ties to even), and a value beyond float32's range becomes an
/// infinity, which the reader then refuses as a non-finite parameter. Every other type is refused by name.</remarks>
internal static class SafetensorsDtype
{
    /// <summary>The types FastBackprop converts to float, as messages list them.</summary>
    public const string Readable = "F32, F16, BF16 and F64";

    /// <summary>The size in bytes of an element of <paramref name="dtype"/>, or 0 for a name the format does not
    /// define (or a sub-byte type such as F4, which FastBackprop does not read).</summary>
    public static int Size(string dtype) => dtype switch
    {
        "BOOL" or "U8" or "I8" or "F8_E5M2" or "F8_E4M3" or "F8_E8M0" => 1,
        "I16" or "U16" or "F16" or "BF16" => 2,
        "I32" or "U32" or "F32" => 4,
        "I64" or "U64" or "F64" or "C64" => 8,
        _ => 0,
    };

    /// <summary>Whether FastBackprop converts <paramref name="dtype"/> to float32.</summary>
    public static bool IsReadable(string dtype) => dtype is "F32" or "F16" or "BF16" or "F64";

    /// <summary>Converts <paramref name="raw"/>, little-endian elements of <paramref name="dtype"/> (a readable one),
    /// into <paramref name="destination"/>, which holds exactly raw.Length / Size(dtype) values.</summary>
    public static void ToSingles(string dtype, ReadOnlySpan<byte> raw, Span<float> destination)
    {
        switch (dtype)
        {
            case "F32":
                for (int i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(4 * i, 4));
                break;
            case "F64":
                for (int i = 0; i < destination.Length; i++) destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(raw.Slice(8 * i, 8));
                break;
            case "F16":
                for (int i = 0; i < destination.Length; i++) destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(raw.Slice(2 * i, 2));
                break;
            case "BF16":
                // bfloat16 is the top half of a float32's bits.
                for (int i = 0; i < destination.Length; i++) destination[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(raw.Slice(2 * i, 2)) << 16);
                break;
            default:
                throw new ArgumentException($"dtype {dtype} is not one of {Readable}.", nameof(dtype));
        }
    }
}
