using FastBackprop.Data;
using FsCheck.Xunit;

namespace FastBackprop.Tests.Data;

/// <summary>Fuzzing the IDX reader: truncated, bit-flipped and random files, plain and gzip,
/// seekable and not. Every outcome must be a valid <see cref="Dataset"/> or a
/// <see cref="DataFormatException"/>, in bounded time; never another exception.</summary>
[Properties(MaxTest = 120)]
public sealed class IdxReaderProperties : IDisposable
{
    private readonly ScratchFolder scratch = DataFiles.Scratch();

    // Small valid pair: 6 images of 3 x 4, labels 0..5.
    private static readonly byte[] Images = DataFiles.Images(6, 3, 4);
    private static readonly byte[] Labels = DataFiles.Labels(6);

    public void Dispose() => scratch.Dispose();

    [Property]
    public void Idx_TruncatedFile_IsDatasetOrFormatError(int cut, bool gzip, bool truncateLabels)
    {
        byte[] victim = truncateLabels ? Labels : Images;
        byte[] file = gzip ? DataFiles.Gzip(victim) : victim;
        byte[] truncated = file[..(int)((uint)cut % (uint)file.Length)];
        Check(truncateLabels ? Images : truncated, truncateLabels ? truncated : Labels, $"cut {truncated.Length}, gzip {gzip}");
    }

    [Property]
    public void Idx_BitFlippedFile_IsDatasetOrFormatError(int position, byte bit, bool gzip, bool flipLabels, int secondPosition)
    {
        byte[] file = (gzip ? DataFiles.Gzip(flipLabels ? Labels : Images) : (byte[])(flipLabels ? Labels : Images).Clone());
        file[(int)((uint)position % (uint)file.Length)] ^= (byte)(1 << (bit % 8));
        if (secondPosition % 3 == 0) file[(int)((uint)secondPosition % (uint)file.Length)] ^= 0xFF;
        Check(flipLabels ? Images : file, flipLabels ? file : Labels, $"flip at {position}, gzip {gzip}");
    }

    [Property]
    public void Idx_RandomBytes_IsDatasetOrFormatError(byte[] bytes, bool idxMagic, bool gzipMagic)
    {
        bytes ??= [];
        if (bytes.Length > 2 && idxMagic) { bytes[0] = 0; bytes[1] = 0; bytes[2] = (byte)(0x08 + bytes[2] % 7); bytes[3 % bytes.Length] %= 4; }
        if (bytes.Length > 2 && gzipMagic) { bytes[0] = 0x1f; bytes[1] = 0x8b; bytes[2] = 8; }
        Check(bytes, Labels, $"{bytes.Length} random bytes");
        Check(Images, bytes, $"{bytes.Length} random bytes as labels");
    }

    [Property]
    public void Idx_RandomHeader_IsDatasetOrFormatError(byte type, byte rank, uint d0, uint d1, uint d2, byte dataLength)
    {
        uint[] dims = [d0 % 8 == 0 ? d0 : d0 % 9, d1 % 5 == 0 ? d1 : d1 % 5, d2 % 7 == 0 ? d2 : d2 % 7];
        byte[] file = DataFiles.IdxHeader((byte)(0x08 + type % 8), dims[..(rank % 4)], new byte[dataLength % 64]);
        Check(file, Labels, "random header");
        Check(DataFiles.Gzip(file), Labels, "random header, gzip");
    }

    private void Check(byte[] images, byte[] labels, string what)
    {
        // From files (the seekable path) ...
        string imagesPath = scratch.Write("images", images), labelsPath = scratch.Write("labels", labels);
        DataFiles.DatasetOrFormatError(() => Dataset.FromIdx(imagesPath, labelsPath), what);

        // ... and from non-seekable streams (the chunked path).
        DataFiles.DatasetOrFormatError(
            () => Dataset.FromIdx(IdxReader.Read(new NonSeekableStream(images), "images"), IdxReader.Read(new NonSeekableStream(labels), "labels")),
            what + " (stream)");
    }
}
