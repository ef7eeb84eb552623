using System.Buffers.Binary;
using System.IO.Compression;
using FastBackprop.IO;

namespace FastBackprop.Data;

// ---------------------------------------------------------------------------------------------
// Gzip input that cannot end early in silence. .NET's GZipStream returns end-of-stream when the
// compressed data simply stops (a truncated download, a full disk), so a CSV cut inside a number
// would read as a shorter number. This stream checks the gzip trailer itself: at the end of the
// decompressed data the CRC-32 and length of everything it produced must equal the last eight
// bytes of the compressed data (RFC 1952: CRC32, ISIZE, little-endian). One gzip member per file:
// concatenated members (`cat a.gz b.gz`) fail the check and are reported, not misread.
// ---------------------------------------------------------------------------------------------

/// <summary>A read-only stream of gzip-decompressed data whose end is verified against the gzip
/// trailer; corrupt or truncated data becomes a <see cref="DataFormatException"/>.</summary>
internal sealed class CheckedGzipStream : ReadOnlyStream
{
    private readonly TailKeepingStream compressed;
    private readonly GZipStream gzip;
    private readonly string source;
    private uint crc;
    private long length;
    private bool ended;

    /// <param name="compressed">The gzip data, from its first byte; disposed with this stream.</param>
    /// <param name="source">The name for error messages.</param>
    public CheckedGzipStream(Stream compressed, string source)
    {
        this.compressed = new TailKeepingStream(compressed);
        gzip = new GZipStream(this.compressed, CompressionMode.Decompress);
        this.source = source;
    }

    /// <summary>Whether <paramref name="head"/> starts with the gzip magic bytes 1f 8b.</summary>
    public static bool IsGzip(ReadOnlySpan<byte> head) => head.Length >= 2 && head[0] == 0x1f && head[1] == 0x8b;

    public override int Read(Span<byte> buffer)
    {
        if (ended || buffer.IsEmpty) return 0;
        int got;
        try
        {
            got = gzip.Read(buffer);
        }
        catch (InvalidDataException e)
        {
            throw DataFormatException.AtByte(source, length, $"corrupt gzip data ({e.Message})", decompressed: true, e);
        }
        if (got > 0)
        {
            crc = Crc32.Append(crc, buffer[..got]);
            length += got;
            return got;
        }
        ended = true;
        CheckTrailer();
        return 0;
    }

    private void CheckTrailer()
    {
        ReadOnlySpan<byte> tail = compressed.Tail;
        if (tail.Length == 8 && BinaryPrimitives.ReadUInt32LittleEndian(tail) == crc && BinaryPrimitives.ReadUInt32LittleEndian(tail[4..]) == (uint)length) return;
        throw DataFormatException.AtByte(source, length,
            "the gzip data ends early or is corrupt: its trailer does not match the data (a truncated file, or several concatenated gzip members, which are not supported).",
            decompressed: true);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) gzip.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>Passes reads through and remembers the last eight bytes that went by.</summary>
    private sealed class TailKeepingStream(Stream inner) : ReadOnlyStream
    {
        private readonly byte[] tail = new byte[8];
        private int tailLength;

        public ReadOnlySpan<byte> Tail => tail.AsSpan(0, tailLength);

        public override int Read(Span<byte> buffer)
        {
            int got = inner.Read(buffer);
            if (got >= 8)
            {
                buffer.Slice(got - 8, 8).CopyTo(tail);
                tailLength = 8;
            }
            else if (got > 0)
            {
                int keep = Math.Min(tailLength, 8 - got);
                tail.AsSpan(tailLength - keep, keep).CopyTo(tail);
                buffer[..got].CopyTo(tail.AsSpan(keep));
                tailLength = keep + got;
            }
            return got;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
