using System.Buffers.Binary;
using System.IO.Compression;

namespace FastBackprop.Data;

// ---------------------------------------------------------------------------------------------
// IDX reader (the MNIST family, http://yann.lecun.com/exdb/mnist/):
//   bytes 0-1   0x00 0x00
//   byte  2     element type (IdxDataType)
//   byte  3     rank r >= 1
//   bytes 4..   r big-endian int32 dimensions
//   then        prod(dims) elements, big-endian, last dimension fastest; nothing after them.
// A file whose first two bytes are 1f 8b is gzip and is decompressed on the fly (the name does
// not matter). Memory is bounded by what the file really holds: the claimed size is capped
// before anything is allocated, a plain file's claim is checked against its length, and a gzip
// stream (length unknown) is read in chunks that grow only as data actually arrives.
// ---------------------------------------------------------------------------------------------

/// <summary>Reads IDX files (the MNIST family), plain or gzip-compressed.</summary>
public static class IdxReader
{
    /// <summary>The most elements a file may claim (2^31 - 1); larger claims are rejected before
    /// any allocation. The data must also fit one array (<see cref="Array.MaxLength"/> bytes).</summary>
    public const long MaxElements = int.MaxValue;

    // First buffer for data of unknown length (gzip); doubled as data arrives, so a lying header
    // costs at most twice the bytes that are really there.
    private const int InitialChunk = 64 * 1024;

    /// <summary>Reads the IDX file at <paramref name="path"/>, plain or gzip (detected by the magic
    /// bytes 1f 8b, not by the name).</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>The file's element type, dimensions and data.</returns>
    /// <exception cref="DataFormatException">The file is not a well-formed IDX file: wrong magic
    /// number, unknown type code, no dimensions, a claim larger than <see cref="MaxElements"/>,
    /// dimensions that do not match the file length, truncated or trailing data, corrupt gzip
    /// data. The message names the file, the byte offset and the problem.</exception>
    /// <exception cref="IOException">The file cannot be opened or read (not a format problem).</exception>
    public static IdxTensor Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        return Read(file, path);
    }

    /// <summary>Reads one IDX file from <paramref name="stream"/>, from its current position; plain
    /// or gzip (detected by the magic bytes 1f 8b). The stream is left open. When the stream can
    /// seek, its length bounds the claimed size before allocation; otherwise data is read in
    /// chunks that grow only as it arrives.</summary>
    /// <param name="stream">A readable stream positioned at the start of the file.</param>
    /// <param name="sourceName">The name used in error messages (usually the file name).</param>
    /// <returns>The file's element type, dimensions and data.</returns>
    /// <exception cref="DataFormatException">The data is not a well-formed IDX file (see <see cref="Read(string)"/>).</exception>
    public static IdxTensor Read(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);

        Span<byte> magic = stackalloc byte[2];
        int got = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        bool gzip = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        long? remaining = stream.CanSeek ? stream.Length - stream.Position + got : null;
        var source = new PrefixedStream(magic[..got].ToArray(), stream);
        if (!gzip) return ReadIdx(source, sourceName, remaining, decompressed: false);

        using var unzipped = new GZipStream(source, CompressionMode.Decompress, leaveOpen: true);
        return ReadIdx(unzipped, sourceName, knownLength: null, decompressed: true);
    }

    // ---- the format ---------------------------------------------------------------------------

    private static IdxTensor ReadIdx(Stream s, string name, long? knownLength, bool decompressed)
    {
        var reader = new Reader(s, name, decompressed);

        Span<byte> head = stackalloc byte[4];
        reader.ReadHeader(head, "the 4-byte magic number");
        if (head[0] != 0 || head[1] != 0)
        {
            throw reader.Error(0, $"wrong magic number 0x{head[0]:X2} 0x{head[1]:X2} 0x{head[2]:X2} 0x{head[3]:X2}; " +
                "an IDX file starts with 0x00 0x00, then a type code and the number of dimensions.");
        }

        var type = (IdxDataType)head[2];
        if (!Enum.IsDefined(type))
        {
            throw reader.Error(2, $"unknown data type code 0x{head[2]:X2}; expected 0x08 (unsigned byte), 0x09 (signed byte), " +
                "0x0B (int16), 0x0C (int32), 0x0D (float32) or 0x0E (float64).");
        }

        int rank = head[3];
        if (rank == 0) throw reader.Error(3, "the header declares 0 dimensions; expected at least 1.");

        Span<byte> dimBytes = stackalloc byte[4 * rank];
        reader.ReadHeader(dimBytes, $"{rank} dimensions");
        int[] dims = new int[rank];
        bool anyZero = false;
        for (int i = 0; i < rank; i++)
        {
            uint d = BinaryPrimitives.ReadUInt32BigEndian(dimBytes[(4 * i)..]);
            if (d > int.MaxValue) throw reader.Error(4 + 4 * i, $"dimension {i} is {d}; expected at most {int.MaxValue}.");
            dims[i] = (int)d;
            anyZero |= d == 0;
        }

        // The claim, capped before anything is allocated (a product of up to 255 dimensions can
        // overflow any integer type, so stop multiplying as soon as the cap is passed).
        int size = IdxTensor.SizeOf(type);
        long elements = anyZero ? 0 : 1;
        for (int i = 0; i < rank && !anyZero; i++)
        {
            elements *= dims[i];
            if (elements > MaxElements || elements * size > Array.MaxLength)
            {
                throw reader.Error(4, $"dimensions {Shape(dims)} claim more than {MaxElements} elements or {Array.MaxLength} bytes, " +
                    "the reader's limit.");
            }
        }

        int headerLength = 4 + 4 * rank;
        int dataLength = (int)(elements * size);
        byte[] data;
        if (knownLength is long fileLength)
        {
            long available = fileLength - headerLength;
            if (available < dataLength)
            {
                throw reader.Error(headerLength, $"dimensions {Shape(dims)} need {dataLength} data bytes after the {headerLength}-byte header, " +
                    $"but the file is {fileLength} bytes long (truncated data or wrong dimensions).");
            }
            if (available > dataLength)
            {
                throw reader.Error(headerLength + dataLength, $"{available - dataLength} bytes follow the {dataLength} data bytes that " +
                    $"dimensions {Shape(dims)} describe (file length {fileLength}; wrong dimensions or trailing garbage).");
            }
            data = new byte[dataLength];
            reader.ReadData(data, dataLength, headerLength, dims);
        }
        else
        {
            data = reader.ReadDataInChunks(dataLength, headerLength, dims);
        }

        reader.CheckEnd(headerLength + dataLength, dims);
        return new IdxTensor(name, type, dims, data, headerLength, decompressed);
    }

    private static string Shape(int[] dims) => string.Join(" x ", dims);

    /// <summary>Reads with error translation: a short read or a corrupt gzip stream becomes a
    /// <see cref="DataFormatException"/> at the offset where it happened.</summary>
    private sealed class Reader(Stream stream, string name, bool decompressed)
    {
        private long position;

        public DataFormatException Error(long offset, string problem, Exception? inner = null) =>
            DataFormatException.AtByte(name, offset, problem, decompressed, inner);

        public void ReadHeader(Span<byte> buffer, string what)
        {
            int got = Fill(buffer);
            if (got < buffer.Length)
            {
                throw Error(position, $"the file ends after {position} bytes, inside the header (reading {what}).");
            }
        }

        public void ReadData(byte[] data, int length, int headerLength, int[] dims)
        {
            int got = Fill(data.AsSpan(0, length));
            if (got < length) throw Truncated(got, length, headerLength, dims);
        }

        public byte[] ReadDataInChunks(int length, int headerLength, int[] dims)
        {
            byte[] buffer = new byte[Math.Min(length, InitialChunk)];
            int filled = 0;
            while (filled < length)
            {
                if (filled == buffer.Length)
                {
                    Array.Resize(ref buffer, (int)Math.Min(length, 2L * buffer.Length));
                }
                int got = Fill(buffer.AsSpan(filled, buffer.Length - filled));
                filled += got;
                if (filled < buffer.Length) throw Truncated(filled, length, headerLength, dims);
            }
            return buffer;
        }

        public void CheckEnd(long end, int[] dims)
        {
            Span<byte> one = stackalloc byte[1];
            if (Fill(one) != 0)
            {
                throw Error(end, $"data continues after the {end} bytes that the header and dimensions {Shape(dims)} describe " +
                    "(wrong dimensions or trailing garbage).");
            }
        }

        private DataFormatException Truncated(int got, int length, int headerLength, int[] dims) =>
            Error(headerLength + got, $"truncated data: the file ends after {got} of the {length} data bytes that dimensions " +
                $"{Shape(dims)} need.");

        /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; returns the count.</summary>
        private int Fill(Span<byte> buffer)
        {
            try
            {
                int got = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
                position += got;
                return got;
            }
            catch (InvalidDataException e)
            {
                // GZipStream reports corrupt compressed data this way.
                throw Error(position, $"corrupt gzip data ({e.Message})", e);
            }
        }
    }

    /// <summary>A read-only stream that replays the bytes already consumed for format detection,
    /// then continues with the inner stream (which it does not own).</summary>
    private sealed class PrefixedStream(byte[] prefix, Stream inner) : ReadOnlyStream
    {
        private int prefixPosition;

        public override int Read(Span<byte> buffer)
        {
            if (buffer.IsEmpty) return 0;
            if (prefixPosition < prefix.Length)
            {
                int n = Math.Min(buffer.Length, prefix.Length - prefixPosition);
                prefix.AsSpan(prefixPosition, n).CopyTo(buffer);
                prefixPosition += n;
                return n;
            }
            return inner.Read(buffer);
        }
    }
}
