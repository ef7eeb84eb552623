namespace FastBackprop.Parquet;

/// <summary>A read-only, seekable view of a file that lets reads happen only inside a window of byte
/// offsets. The Parquet reader sets the window to the pages it has checked before Parquet.Net reads a
/// column, so the package never parses a page header (and never allocates what one claims) that was
/// not checked first, and a column whose pages decode fewer values than they claim cannot send it
/// on into unchecked bytes or round in a loop: the first read outside the window throws.</summary>
internal sealed class WindowedStream(Stream inner) : Stream
{
    private long windowStart, windowEnd = inner.Length;

    /// <summary>Lets reads happen in [<paramref name="start"/>, <paramref name="end"/>) only.</summary>
    public void SetWindow(long start, long end) => (windowStart, windowEnd) = (start, end);

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes at <paramref name="offset"/> (for the
    /// checks themselves, which the window does not limit).</summary>
    public void ReadAt(long offset, Span<byte> buffer)
    {
        inner.Position = offset;
        inner.ReadExactly(buffer);
    }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => inner.Position = value;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => inner.Read(buffer[..Allowed(buffer.Length)]);

    // A local file is read synchronously even when Parquet.Net asks asynchronously: no thread hop per page, and
    // ParquetDataset.Read's wait on the task never depends on a continuation being scheduled.
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    // How many of the requested bytes lie in the window; a read that starts outside it is refused.
    private int Allowed(int count)
    {
        long position = inner.Position;
        if (count == 0) return 0;
        if (position < windowStart || position >= windowEnd) throw new OutsideWindowException(position);
        return (int)Math.Min(count, windowEnd - position);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>A read outside the checked pages (<see cref="WindowedStream"/>).</summary>
internal sealed class OutsideWindowException(long position)
    : Exception($"a read at byte {position}, outside the pages checked for this column")
{
    /// <summary>Where the refused read started.</summary>
    public long Position { get; } = position;
}
