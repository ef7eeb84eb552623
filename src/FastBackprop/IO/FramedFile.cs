using System.Text;
using FastBackprop.Data;

namespace FastBackprop.IO;

// ---------------------------------------------------------------------------------------------
// The framing shared by FastBackprop's binary files (model files, checkpoints):
//
//   magic (8 ASCII bytes), format version (uint16), the body, CRC-32 of every byte before it (uint32)
//
// The CRC is checked before the body is parsed, so a flipped bit anywhere is reported as such;
// the body's parser (a FieldReader) still bounds-checks every field.
// ---------------------------------------------------------------------------------------------

/// <summary>Opens and seals the magic / version / CRC frame of FastBackprop's binary files.</summary>
internal static class FramedFile
{
    private const int FrameLength = 2 + 4;   // the version and the CRC

    /// <summary>A writer that already holds <paramref name="magic"/> and <paramref name="version"/>.</summary>
    public static FieldWriter Begin(ReadOnlySpan<byte> magic, ushort version)
    {
        var writer = new FieldWriter();
        writer.Bytes(magic);
        writer.UInt16(version);
        return writer;
    }

    /// <summary>The framed file: everything written, then its CRC-32.</summary>
    public static byte[] Seal(FieldWriter writer)
    {
        Crc32.Seal(writer.Stream);
        return writer.Stream.ToArray();
    }

    /// <summary>The whole of the file at <paramref name="path"/>, refused when it is longer than an array holds.</summary>
    /// <param name="path">The file.</param>
    /// <param name="what">The file kind with its article for messages, e.g. "a model file".</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">The file is longer than <see cref="Array.MaxLength"/> bytes.</exception>
    public static byte[] ReadAll(string path, string what)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (stream.Length > Array.MaxLength)
        {
            throw DataFormatException.InSource(Path.GetFileName(path), $"the file is {stream.Length} bytes; {what} is at most {Array.MaxLength} bytes.");
        }
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>Checks the frame of <paramref name="bytes"/> and returns a reader over its body (after the version).</summary>
    /// <param name="bytes">The whole file.</param>
    /// <param name="magic">The expected magic number.</param>
    /// <param name="what">The file kind for messages, e.g. "model file".</param>
    /// <param name="minimumLength">The shortest valid file, frame included.</param>
    /// <param name="versions">The versions this build reads, lowest to highest, without gaps.</param>
    /// <param name="source">The file name for messages.</param>
    /// <param name="version">The file's version.</param>
    /// <exception cref="DataFormatException">Wrong magic, too short, CRC mismatch or an unknown version.</exception>
    public static FieldReader Open(ReadOnlySpan<byte> bytes, ReadOnlySpan<byte> magic, string what, int minimumLength,
        (ushort Lowest, ushort Highest) versions, string source, out ushort version)
    {
        minimumLength = Math.Max(minimumLength, magic.Length + FrameLength);
        if (bytes.Length >= magic.Length && !bytes.StartsWith(magic))
        {
            throw DataFormatException.AtByte(source, 0, $"wrong magic number; a FastBackprop {what} starts with \"{Encoding.ASCII.GetString(magic)}\".");
        }
        if (bytes.Length < minimumLength)
        {
            throw DataFormatException.AtByte(source, bytes.Length, $"the file ends after {bytes.Length} bytes; a {what} has at least {minimumLength}.");
        }
        if (!Crc32.IsSealed(bytes, out uint stored, out uint actual))
        {
            throw DataFormatException.AtByte(source, bytes.Length - 4,
                $"checksum mismatch (stored 0x{stored:X8}, computed 0x{actual:X8}): the file is corrupt or truncated.");
        }
        var reader = new FieldReader(bytes[..^4], source);
        reader.Skip(magic.Length);
        version = reader.UInt16();
        if (version < versions.Lowest || version > versions.Highest)
        {
            string readable = versions.Lowest == versions.Highest ? $"version {versions.Lowest}" : $"versions {versions.Lowest} to {versions.Highest}";
            throw reader.Error(-2, $"{what} format version {version}; this build reads {readable}.");
        }
        return reader;
    }
}
