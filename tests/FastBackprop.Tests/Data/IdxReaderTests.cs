using System.Buffers.Binary;
using FastBackprop.Data;
using Xunit;

namespace FastBackprop.Tests.Data;

/// <summary><see cref="IdxReader"/> and <see cref="Dataset.FromIdx(string, string, int, bool)"/>: round
/// trips (plain and gzip), every rejection with its file name and byte offset, and bounded
/// allocation for lying headers.</summary>
public sealed class IdxReaderTests : IDisposable
{
    private readonly ScratchFolder scratch = DataFiles.Scratch();

    public void Dispose() => scratch.Dispose();

    // ------------------------------------------------------------------ round trips

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void FromIdx_RoundTrip(bool gzipImages, bool gzipLabels)
    {
        const int count = 7, rows = 3, cols = 4;
        byte[] images = DataFiles.Images(count, rows, cols), labels = DataFiles.Labels(count);
        // Names deliberately say nothing: gzip is detected by content.
        string imagesPath = scratch.Write("images.bin", gzipImages ? DataFiles.Gzip(images) : images);
        string labelsPath = scratch.Write("labels.bin", gzipLabels ? DataFiles.Gzip(labels) : labels);

        Dataset d = Dataset.FromIdx(imagesPath, labelsPath);

        Assert.Equal(count, d.Count);
        Assert.Equal(rows * cols, d.InputWidth);
        Assert.Equal(10, d.ClassCount);
        byte[] pixels = DataFiles.ImagePixels(count, rows * cols);
        for (int i = 0; i < pixels.Length; i++) Assert.Equal(pixels[i] * (1f / 255f), d.Inputs[i]);
        for (int i = 0; i < count; i++) Assert.Equal(i % 10, d.GetLabel(i));
        DataFiles.CheckInvariants(d);

        // The scaling is recorded (it used to be applied and forgotten), and the raw load plus
        // that scaling gives the scaled inputs bit for bit: what predict does with raw pixels.
        Assert.NotNull(d.Scaling);
        Assert.Equal(InputScalingKind.MinMax, d.Scaling.Kind);
        Assert.All(d.Scaling.Offset.ToArray(), o => Assert.Equal(0f, o));
        Assert.All(d.Scaling.Scale.ToArray(), s => Assert.Equal(1f / 255f, s));
        Dataset raw = Dataset.FromIdx(imagesPath, labelsPath, scaleToUnit: false);
        Assert.Null(raw.Scaling);
        Assert.Equal(pixels.Select(p => (float)p), raw.Inputs.ToArray());
        Assert.Equal(d.Inputs.ToArray(), d.Scaling.Apply(raw).Inputs.ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FromIdx_Throws_ZeroImages(bool gzip)
    {
        // Used to pass as an empty data set and fail later as an internal error (exit 2).
        byte[] images = DataFiles.Images(0, 28, 28), labels = DataFiles.Labels(0);
        string imagesPath = scratch.Write("zero-images", gzip ? DataFiles.Gzip(images) : images);
        string labelsPath = scratch.Write("zero-labels", labels);
        var e = Assert.Throws<DataFormatException>(() => Dataset.FromIdx(imagesPath, labelsPath));
        DataFiles.AssertMessage(e, imagesPath, "byte 4", "0 images; expected at least 1");
    }

    [Fact]
    public void Read_TensorShapeAndRawData()
    {
        string path = scratch.Write("t.idx", DataFiles.Images(2, 2, 3));
        IdxTensor t = IdxReader.Read(path);
        Assert.Equal(IdxDataType.UnsignedByte, t.DataType);
        Assert.Equal([2, 2, 3], t.Dimensions);
        Assert.Equal(12, t.Count);
        Assert.Equal(16, t.DataOffset);
        Assert.False(t.IsDecompressed);
        Assert.Equal(DataFiles.ImagePixels(2, 6), t.RawData.ToArray());
    }

    [Fact]
    public void Read_EveryTypeCode_DecodesBigEndian()
    {
        var data = new byte[8];
        BinaryPrimitives.WriteInt16BigEndian(data, -2);
        Assert.Equal(-2, IdxReader.Read(new MemoryStream(DataFiles.Idx(IdxDataType.Int16, [1], data.AsSpan(0, 2))), "s").GetValue(0));
        BinaryPrimitives.WriteInt32BigEndian(data, -123456);
        Assert.Equal(-123456, IdxReader.Read(new MemoryStream(DataFiles.Idx(IdxDataType.Int32, [1], data.AsSpan(0, 4))), "s").GetValue(0));
        BinaryPrimitives.WriteSingleBigEndian(data, 1.5f);
        Assert.Equal(1.5, IdxReader.Read(new MemoryStream(DataFiles.Idx(IdxDataType.Single, [1], data.AsSpan(0, 4))), "s").GetValue(0));
        BinaryPrimitives.WriteDoubleBigEndian(data, -0.25);
        Assert.Equal(-0.25, IdxReader.Read(new MemoryStream(DataFiles.Idx(IdxDataType.Double, [1], data)), "s").GetValue(0));
        Assert.Equal(-1, IdxReader.Read(new MemoryStream(DataFiles.Idx(IdxDataType.SignedByte, [1], [0xFF])), "s").GetValue(0));
    }

    [Fact]
    public void FromIdx_FloatImagesUnscaled_Int32Labels()
    {
        var pixels = new byte[2 * 2 * 4];
        BinaryPrimitives.WriteSingleBigEndian(pixels.AsSpan(0), 3.5f);
        BinaryPrimitives.WriteSingleBigEndian(pixels.AsSpan(12), -1f);
        var labels = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(labels.AsSpan(4), 2);
        Dataset d = Dataset.FromIdx(
            IdxReader.Read(new MemoryStream(DataFiles.Idx(IdxDataType.Single, [2, 2], pixels)), "img"),
            IdxReader.Read(new MemoryStream(DataFiles.Idx(IdxDataType.Int32, [2], labels)), "lab"),
            classCount: 3);
        Assert.Equal([3.5f, 0f, 0f, -1f], d.Inputs.ToArray());
        Assert.Equal([0, 2], d.Labels.ToArray());
        Assert.Equal(3, d.TargetWidth);
    }

    [Fact]
    public void Read_NonSeekableStream_PlainAndGzip()
    {
        byte[] file = DataFiles.Images(5, 4, 4);
        Assert.Equal(80, IdxReader.Read(new NonSeekableStream(file), "plain").Count);
        IdxTensor z = IdxReader.Read(new NonSeekableStream(DataFiles.Gzip(file)), "gz");
        Assert.True(z.IsDecompressed);
        Assert.Equal(file.AsSpan(16).ToArray(), z.RawData.ToArray());
    }

    [Fact]
    public void FromIdx_FashionMnistTestSet_WhenInstalled()
    {
        // Debian package dataset-fashion-mnist (the W5 workload's data); skipped where it is absent.
        const string folder = "/usr/share/datasets/fashion-mnist";
        string images = Path.Combine(folder, "t10k-images-idx3-ubyte.gz"), labels = Path.Combine(folder, "t10k-labels-idx1-ubyte.gz");
        Assert.SkipUnless(File.Exists(images) && File.Exists(labels), $"{folder} is not installed (apt-get install dataset-fashion-mnist).");

        Dataset d = Dataset.FromIdx(images, labels);
        Assert.Equal(10_000, d.Count);
        Assert.Equal(784, d.InputWidth);
        Assert.Equal(10, d.ClassCount);
        Assert.Equal(Enumerable.Repeat(1000, 10), d.Labels.ToArray().GroupBy(l => l).OrderBy(g => g.Key).Select(g => g.Count()));
        Assert.Equal(1f, d.Inputs.ToArray().Max());
    }

    // ------------------------------------------------------------------ rejections

    [Fact]
    public void Read_Throws_WrongMagicNumber()
    {
        byte[] file = DataFiles.Images(1, 2, 2);
        file[0] = 0x12;
        string path = scratch.Write("magic.idx", file);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));
        DataFiles.AssertMessage(e, path, "byte 0", "wrong magic number");
        Assert.Equal(0, e.ByteOffset);
        Assert.Equal(path, e.SourceName);
    }

    [Fact]
    public void Read_Throws_UnknownTypeCode()
    {
        string path = scratch.Write("type.idx", DataFiles.IdxHeader(0x07, [1], [0]));
        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));
        DataFiles.AssertMessage(e, path, "byte 2", "type code 0x07");
    }

    [Fact]
    public void Read_Throws_ZeroDimensions()
    {
        string path = scratch.Write("rank.idx", [0, 0, 8, 0]);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));
        DataFiles.AssertMessage(e, path, "byte 3", "0 dimensions");
    }

    [Fact]
    public void Read_Throws_TruncatedHeader()
    {
        string path = scratch.Write("head.idx", [0, 0, 8, 3, 0, 0, 0, 1, 0]);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));
        DataFiles.AssertMessage(e, path, "byte 9", "inside the header");
    }

    [Fact]
    public void Read_Throws_TruncatedData_Plain()
    {
        byte[] file = DataFiles.Images(3, 2, 2);
        string path = scratch.Write("short.idx", file[..^5]);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));
        DataFiles.AssertMessage(e, path, "byte 16", "need 12 data bytes", "file is 23 bytes long");
    }

    [Fact]
    public void Read_Throws_TruncatedData_Gzip()
    {
        byte[] file = DataFiles.Images(3, 2, 2);
        string path = scratch.Write("short.gz", DataFiles.Gzip(file[..^5]));
        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));
        DataFiles.AssertMessage(e, path, "byte 23 (of the decompressed data)", "truncated data", "7 of the 12 data bytes");
    }

    [Fact]
    public void Read_Throws_TrailingData_PlainAndGzip()
    {
        byte[] file = [.. DataFiles.Images(1, 2, 2), 9, 9];
        string plain = scratch.Write("long.idx", file), gz = scratch.Write("long.gz", DataFiles.Gzip(file));
        DataFiles.AssertMessage(Assert.Throws<DataFormatException>(() => IdxReader.Read(plain)), plain, "byte 20", "2 bytes follow");
        DataFiles.AssertMessage(Assert.Throws<DataFormatException>(() => IdxReader.Read(gz)), gz, "byte 20", "data continues");
    }

    [Fact]
    public void Read_Throws_CorruptGzip()
    {
        byte[] gz = DataFiles.Gzip(DataFiles.Images(20, 5, 5));
        for (int i = 12; i < gz.Length - 8; i++) gz[i] ^= 0x5A;
        string path = scratch.Write("corrupt.gz", gz);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));
        DataFiles.AssertMessage(e, path, "byte ");
    }

    [Fact]
    public void Read_Throws_DimensionAboveInt32()
    {
        string path = scratch.Write("dim.idx", DataFiles.IdxHeader(8, [1, 0x8000_0000u], []));
        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));
        DataFiles.AssertMessage(e, path, "byte 8", "dimension 1 is 2147483648");
    }

    [Fact]
    public void FromIdx_Throws_CountMismatch()
    {
        string images = scratch.Write("img.idx", DataFiles.Images(4, 2, 2)), labels = scratch.Write("lab.idx", DataFiles.Labels(3));
        var e = Assert.Throws<DataFormatException>(() => Dataset.FromIdx(images, labels));
        DataFiles.AssertMessage(e, labels, "byte 4", "3 labels", images, "4 images");
    }

    [Fact]
    public void FromIdx_Throws_LabelOutOfRange()
    {
        byte[] labels = DataFiles.Labels(4);
        labels[8 + 2] = 10; // label of sample 2
        string images = scratch.Write("img.idx", DataFiles.Images(4, 2, 2)), labelsPath = scratch.Write("lab.idx", labels);
        var e = Assert.Throws<DataFormatException>(() => Dataset.FromIdx(images, labelsPath));
        DataFiles.AssertMessage(e, labelsPath, "byte 10", "label 10 of sample 2 is out of range", "[0, 10)");
        Assert.Equal(4, Dataset.FromIdx(images, labelsPath, classCount: 11).Count);
    }

    [Fact]
    public void FromIdx_Throws_LabelsNotOneDimensional()
    {
        string images = scratch.Write("img.idx", DataFiles.Images(2, 2, 2));
        string labels = scratch.Write("lab.idx", DataFiles.Idx(IdxDataType.UnsignedByte, [2, 1], [0, 1]));
        DataFiles.AssertMessage(Assert.Throws<DataFormatException>(() => Dataset.FromIdx(images, labels)), labels, "byte 3", "2 dimensions");
    }

    [Fact]
    public void FromIdx_Throws_NonFiniteFloatImage()
    {
        var pixels = new byte[8];
        BinaryPrimitives.WriteSingleBigEndian(pixels.AsSpan(4), float.NaN);
        var images = IdxReader.Read(new MemoryStream(DataFiles.Idx(IdxDataType.Single, [2, 1], pixels)), "img.idx");
        var labels = IdxReader.Read(new MemoryStream(DataFiles.Labels(2)), "lab.idx");
        DataFiles.AssertMessage(Assert.Throws<DataFormatException>(() => Dataset.FromIdx(images, labels)), "img.idx", "byte 16", "image 1");
    }

    // ------------------------------------------------------------------ bounded allocation

    [Fact]
    public void Read_HugeClaim_InSmallFile_FailsFastWithoutAllocating()
    {
        // 2^30 x 2^30 unsigned bytes claimed by a 100-byte file.
        byte[] file = DataFiles.IdxHeader(8, [1u << 30, 1u << 30], new byte[88]);
        string path = scratch.Write("huge.idx", file);
        WarmUp();

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        DataFiles.AssertMessage(e, path, "byte 4", "1073741824 x 1073741824", "limit");
        Assert.True(allocated < 1_000_000, $"allocated {allocated} bytes");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_ClaimWithinCap_ButFileShort_FailsWithoutAllocatingTheClaim(bool gzip)
    {
        // 2^15 x 2^15 = 2^30 bytes: under the cap, so only the file length (plain) or the
        // chunked read (gzip, length unknown) can stop it.
        byte[] file = DataFiles.IdxHeader(8, [1u << 15, 1u << 15], new byte[88]);
        string path = scratch.Write(gzip ? "claim.gz" : "claim.idx", gzip ? DataFiles.Gzip(file) : file);
        WarmUp();

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        DataFiles.AssertMessage(e, path, gzip ? "truncated data" : "1073741824 data bytes");
        Assert.True(allocated < 1_000_000, $"allocated {allocated} bytes");
    }

    private void WarmUp()
    {
        // JIT, statics and first-use buffers are not what is measured.
        string ok = scratch.Write("warm.idx", DataFiles.Images(1, 1, 1));
        IdxReader.Read(ok);
        IdxReader.Read(scratch.Write("warm.gz", DataFiles.Gzip(DataFiles.Images(1, 1, 1))));
        Assert.Throws<DataFormatException>(() => IdxReader.Read(scratch.Write("warm-bad.idx", [1, 2, 3, 4, 5])));
    }
}
