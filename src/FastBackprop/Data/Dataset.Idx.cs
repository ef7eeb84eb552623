namespace FastBackprop.Data;

public sealed partial class Dataset
{
    /// <summary>The class count <see cref="FromIdx(string, string, int, bool)"/> assumes: the MNIST family
    /// (MNIST, Fashion-MNIST, Kuzushiji-MNIST) has 10 classes.</summary>
    public const int DefaultIdxClassCount = 10;

    /// <summary>Loads a classification dataset from a pair of IDX files (the MNIST family), each
    /// plain or gzip-compressed (detected by content): sample <c>i</c>'s input is image <c>i</c>
    /// flattened row-major, its target the one-hot code of label <c>i</c>.</summary>
    /// <remarks>
    /// <para>Inputs: unsigned-byte images are scaled to [0, 1] (<c>x = byte * (1 / 255f)</c>) unless
    /// <paramref name="scaleToUnit"/> is false; the scaling is recorded as the dataset's
    /// <see cref="Scaling"/> (min-max, offset 0, scale 1/255), so a model saved from it predicts
    /// from raw pixels. Images of the other IDX types are converted to float unscaled and must be
    /// finite. The images file's first dimension is the sample count (at least 1), the product of
    /// the others the input width (28 x 28 = 784 for MNIST).</para>
    /// <para>Labels: a one-dimensional file of an integer type, each label in
    /// [0, <paramref name="classCount"/>). The class count is fixed (10 by default) rather than
    /// taken from the largest label, so a test file that happens to lack a class still produces
    /// targets of the same width as its training file.</para>
    /// </remarks>
    /// <param name="imagesPath">The images file (for example train-images-idx3-ubyte.gz).</param>
    /// <param name="labelsPath">The labels file (for example train-labels-idx1-ubyte.gz).</param>
    /// <param name="classCount">Number of classes; at least 1; 10 by default.</param>
    /// <param name="scaleToUnit">Whether to scale unsigned-byte pixels to [0, 1] (default true).</param>
    /// <exception cref="DataFormatException">Either file is malformed (see <see cref="IdxReader.Read(string)"/>),
    /// the labels file is not one-dimensional or not of an integer type, there are no images, the sample counts differ,
    /// a label is outside [0, <paramref name="classCount"/>), or an image value is not finite. The
    /// message names the file, the byte offset and the problem.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCount"/> is less than 1.</exception>
    /// <exception cref="IOException">A file cannot be opened or read.</exception>
    public static Dataset FromIdx(string imagesPath, string labelsPath, int classCount = DefaultIdxClassCount, bool scaleToUnit = true)
    {
        ArgumentNullException.ThrowIfNull(imagesPath);
        ArgumentNullException.ThrowIfNull(labelsPath);
        ThrowHelper.CheckAtLeast(classCount, 1, nameof(classCount));
        IdxTensor labels = IdxReader.Read(labelsPath);
        CheckLabelShape(labels);
        IdxTensor images = IdxReader.Read(imagesPath);
        return FromIdx(images, labels, classCount, scaleToUnit);
    }

    /// <summary>Builds a classification dataset from IDX tensors already read (for example from
    /// streams with <see cref="IdxReader.Read(Stream, string)"/>), with the rules of
    /// <see cref="FromIdx(string, string, int, bool)"/>.</summary>
    /// <param name="images">The images: first dimension = sample count.</param>
    /// <param name="labels">The labels: one dimension, an integer type.</param>
    /// <param name="classCount">Number of classes; at least 1; 10 by default.</param>
    /// <param name="scaleToUnit">Whether to scale unsigned-byte pixels to [0, 1] (default true).</param>
    /// <exception cref="DataFormatException">See <see cref="FromIdx(string, string, int, bool)"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCount"/> is less than 1.</exception>
    public static Dataset FromIdx(IdxTensor images, IdxTensor labels, int classCount = DefaultIdxClassCount, bool scaleToUnit = true)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ThrowHelper.CheckAtLeast(classCount, 1, nameof(classCount));
        CheckLabelShape(labels);

        int count = images.Dimensions[0];
        if (count == 0)
        {
            throw DataFormatException.AtByte(images.SourceName, 4, "the images file holds 0 images; expected at least 1.", images.IsDecompressed);
        }
        if (count != labels.Count)
        {
            throw DataFormatException.AtByte(labels.SourceName, 4,
                $"the labels file has {labels.Count} labels but the images file {images.SourceName} has {count} images.", labels.IsDecompressed);
        }

        // The product of the image dimensions; it fits an int since count > 0 (it is at most the
        // capped element count).
        long pixels = 1;
        for (int i = 1; i < images.Dimensions.Count && pixels <= int.MaxValue; i++) pixels *= images.Dimensions[i];
        if (pixels == 0 || pixels > int.MaxValue)
        {
            throw DataFormatException.AtByte(images.SourceName, 8,
                $"the images have {string.Join(" x ", images.Dimensions.Skip(1))} values each; expected 1 to {int.MaxValue}.", images.IsDecompressed);
        }
        int width = (int)pixels;

        int[] y = new int[count];
        for (int i = 0; i < count; i++)
        {
            double label = labels.GetValue(i);
            if (!(label >= 0 && label < classCount))
            {
                throw labels.ErrorAtElement(i, $"label {label} of sample {i} is out of range; expected a class in [0, {classCount}).");
            }
            y[i] = (int)label;
        }

        float[] x = new float[images.Count];
        images.CopyTo(x);
        InputScaling? applied = null;
        if (images.DataType != IdxDataType.UnsignedByte)
        {
            for (int i = 0; i < x.Length; i++)
            {
                if (!float.IsFinite(x[i]))
                {
                    throw images.ErrorAtElement(i, $"value {images.GetValue(i)} of image {i / width} does not fit a finite float.");
                }
            }
        }
        else if (scaleToUnit)
        {
            // The model's scaling kernel, row by row, so that predicting from raw pixels with the
            // stored scaling gives these very inputs, bit for bit.
            applied = InputScaling.UnitRange(width, 255);
            for (int i = 0; i < count; i++) applied.ApplyInPlace(x.AsSpan(i * width, width));
        }
        return FromOwnedLabels(x, width, y, classCount, applied);
    }

    private static void CheckLabelShape(IdxTensor labels)
    {
        if (labels.Dimensions.Count != 1)
        {
            throw DataFormatException.AtByte(labels.SourceName, 3,
                $"a labels file has {labels.Dimensions.Count} dimensions; expected 1.", labels.IsDecompressed);
        }
        if (!labels.IsIntegerType)
        {
            throw DataFormatException.AtByte(labels.SourceName, 2,
                $"a labels file has element type {labels.DataType}; expected an integer type.", labels.IsDecompressed);
        }
    }
}
