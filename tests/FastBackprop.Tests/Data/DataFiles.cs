using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using FastBackprop.Data;
using Xunit;

namespace FastBackprop.Tests.Data;

// ---------------------------------------------------------------------------------------------
// Helpers for the data tests: IDX byte builders, gzip, a scratch folder per test class, and the
// "valid dataset or DataFormatException, within a time limit" oracle of the fuzz properties.
// ---------------------------------------------------------------------------------------------

/// <summary>Builds and writes small data files for the reader tests.</summary>
public static class DataFiles
{
    /// <summary>An IDX file: magic 00 00 <paramref name="type"/> rank, big-endian dimensions, then <paramref name="data"/>.</summary>
    public static byte[] Idx(IdxDataType type, int[] dims, ReadOnlySpan<byte> data) => IdxHeader((byte)type, dims.Select(d => (uint)d).ToArray(), data);

    /// <summary>An IDX file with a raw type code and raw (possibly huge) dimensions.</summary>
    public static byte[] IdxHeader(byte type, uint[] dims, ReadOnlySpan<byte> data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        bytes[2] = type;
        bytes[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        data.CopyTo(bytes.AsSpan(4 + 4 * dims.Length));
        return bytes;
    }

    /// <summary>An unsigned-byte images file of <paramref name="count"/> images of <paramref name="rows"/> x <paramref name="cols"/>,
    /// pixel (i, k) = (i * 31 + k * 7) mod 256.</summary>
    public static byte[] Images(int count, int rows, int cols) =>
        Idx(IdxDataType.UnsignedByte, [count, rows, cols], ImagePixels(count, rows * cols));

    /// <summary>The pixels of <see cref="Images"/>.</summary>
    public static byte[] ImagePixels(int count, int width)
    {
        var pixels = new byte[count * width];
        for (int i = 0; i < count; i++)
            for (int k = 0; k < width; k++)
                pixels[i * width + k] = (byte)((i * 31 + k * 7) % 256);
        return pixels;
    }

    /// <summary>An unsigned-byte labels file; label i = i mod <paramref name="classes"/>.</summary>
    public static byte[] Labels(int count, int classes = 10) =>
        Idx(IdxDataType.UnsignedByte, [count], Enumerable.Range(0, count).Select(i => (byte)(i % classes)).ToArray());

    /// <summary>Gzip-compresses <paramref name="bytes"/>.</summary>
    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(bytes);
        return output.ToArray();
    }

    /// <summary>A fresh scratch folder under the temp path (removed by <see cref="ScratchFolder.Dispose"/>).</summary>
    public static ScratchFolder Scratch() => new();

    /// <summary>Runs <paramref name="load"/> with a time limit and asserts it returns a valid dataset
    /// or throws <see cref="DataFormatException"/>; any other exception fails the test.</summary>
    /// <returns>The dataset, or null when a <see cref="DataFormatException"/> was thrown.</returns>
    public static Dataset? DatasetOrFormatError(Func<Dataset> load, string what)
    {
        var task = Task.Run(load);
        try
        {
            Assert.True(task.Wait(TimeSpan.FromSeconds(10)), $"{what}: no answer within 10 s (hang?)");
        }
        catch (AggregateException e) when (e.InnerException is DataFormatException f)
        {
            Assert.False(string.IsNullOrWhiteSpace(f.Message));
            return null;
        }
        catch (AggregateException e)
        {
            Assert.Fail($"{what}: threw {e.InnerException?.GetType().Name}: {e.InnerException}");
        }

        Dataset d = task.Result;
        CheckInvariants(d);
        return d;
    }

    /// <summary>The promises every dataset keeps: block sizes, finite values, labels in range and one-hot targets.</summary>
    public static void CheckInvariants(Dataset d)
    {
        Assert.Equal(d.Count * d.InputWidth, d.Inputs.Length);
        Assert.Equal(d.Count * d.TargetWidth, d.Targets.Length);
        foreach (float v in d.Inputs) Assert.True(float.IsFinite(v));
        foreach (float v in d.Targets) Assert.True(float.IsFinite(v));
        if (!d.HasLabels) return;
        Assert.Equal(d.TargetWidth, d.ClassCount);
        for (int i = 0; i < d.Count; i++)
        {
            int label = d.GetLabel(i);
            Assert.InRange(label, 0, d.ClassCount - 1);
            ReadOnlySpan<float> t = d.GetTarget(i);
            for (int k = 0; k < t.Length; k++) Assert.Equal(k == label ? 1f : 0f, t[k]);
        }
    }

    /// <summary>Asserts that <paramref name="e"/>'s message names <paramref name="source"/> and contains every fragment.</summary>
    public static void AssertMessage(DataFormatException e, string source, params string[] fragments)
    {
        Assert.Contains(source, e.Message, StringComparison.Ordinal);
        foreach (string f in fragments) Assert.Contains(f, e.Message, StringComparison.Ordinal);
    }
}

/// <summary>A temporary folder for test files, deleted on dispose.</summary>
public sealed class ScratchFolder : IDisposable
{
    /// <summary>Creates the folder.</summary>
    public ScratchFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fastbackprop-data-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="name"/> in the folder; returns the full path.</summary>
    public string Write(string name, byte[] bytes)
    {
        string path = System.IO.Path.Combine(Path, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8, no BOM) to <paramref name="name"/>; returns the full path.</summary>
    public string WriteText(string name, string text)
    {
        string path = System.IO.Path.Combine(Path, name);
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}

/// <summary>A read-only stream that cannot seek, so the reader must take its chunked path.</summary>
public sealed class NonSeekableStream(byte[] bytes) : Stream
{
    private readonly MemoryStream inner = new(bytes);

    /// <inheritdoc/>
    public override bool CanRead => true;
    /// <inheritdoc/>
    public override bool CanSeek => false;
    /// <inheritdoc/>
    public override bool CanWrite => false;
    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();
    /// <inheritdoc/>
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 7)); // short reads on purpose
    /// <inheritdoc/>
    public override void Flush() { }
    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();
    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
