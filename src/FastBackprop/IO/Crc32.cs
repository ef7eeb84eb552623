namespace FastBackprop.IO;

/// <summary>CRC-32 (IEEE 802.3, polynomial 0x04C11DB7 reflected as 0xEDB88320, initial and final
/// XOR 0xFFFFFFFF: the CRC of zip, gzip and PNG). "123456789" gives 0xCBF43926.</summary>
public static class Crc32
{
    private static readonly uint[] Table = CreateTable();

    /// <summary>The CRC-32 of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Continues <paramref name="crc"/> (the CRC-32 of earlier data, 0 for none) over <paramref name="data"/>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        uint c = ~crc;
        foreach (byte b in data) c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        return ~c;
    }

    /// <summary>Appends the little-endian CRC-32 of everything in <paramref name="stream"/> to it: the
    /// framing of FastBackprop's model and checkpoint files.</summary>
    internal static void Seal(MemoryStream stream)
    {
        Span<byte> crc = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(crc, Compute(stream.GetBuffer().AsSpan(0, (int)stream.Length)));
        stream.Write(crc);
    }

    /// <summary>Whether the last 4 bytes of <paramref name="framed"/> (at least 4 long) are the little-endian
    /// CRC-32 of the rest, as <see cref="Seal"/> writes it.</summary>
    internal static bool IsSealed(ReadOnlySpan<byte> framed, out uint stored, out uint computed)
    {
        stored = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(framed[^4..]);
        computed = Compute(framed[..^4]);
        return stored == computed;
    }

    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int bit = 0; bit < 8; bit++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
