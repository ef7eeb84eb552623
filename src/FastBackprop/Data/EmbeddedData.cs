using System.IO.Compression;

namespace FastBackprop.Data;

/// <summary>Small datasets compiled into the library, for examples, tests and smoke runs without
/// downloads.</summary>
public static class EmbeddedData
{
    /// <summary>The manifest resource name of the digits data (gzip-compressed CSV).</summary>
    public const string DigitsResourceName = "FastBackprop.Data.digits.csv.gz";

    private static readonly Lazy<Dataset> ScaledDigits = new(() => LoadDigits(scaled: true));
    private static readonly Lazy<Dataset> RawDigits = new(() => LoadDigits(scaled: false));

    /// <summary>The UCI optical handwritten digits (optdigits test part, E. Alpaydin and
    /// C. Kaynak 1998, CC BY 4.0; see DIGITS-LICENSE.md): 1797 samples, 64 inputs (an 8x8 image,
    /// row by row), 10 classes with one-hot targets and labels 0..9, in file order.</summary>
    /// <remarks>The file's values are counts 0..16. By default they are divided by 16 so the inputs
    /// lie in [0, 1], like <see cref="Dataset.FromIdx(string, string, int, bool)"/>'s MNIST pixels, and the
    /// usual learning rates work unchanged; the division is recorded as the dataset's
    /// <see cref="Dataset.Scaling"/> (min-max with offset 0, scale 1/16), which a model saved with
    /// <see cref="IO.Model(Network, Dataset, IReadOnlyDictionary{string, string}?)"/> stores, so that it predicts from raw
    /// counts. Pass <paramref name="scaleToUnit"/> = false for the raw counts (then fit an
    /// <see cref="InputScaling"/>). The dataset is loaded once and shared (it is immutable).</remarks>
    /// <param name="scaleToUnit">Whether to divide the inputs by 16 (default true).</param>
    /// <exception cref="InvalidOperationException">The resource is missing from the assembly (a broken build).</exception>
    public static Dataset Digits(bool scaleToUnit = true) => scaleToUnit ? ScaledDigits.Value : RawDigits.Value;

    private static Dataset LoadDigits(bool scaled)
    {
        using Stream compressed = typeof(EmbeddedData).Assembly.GetManifestResourceStream(DigitsResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {DigitsResourceName} is missing from {typeof(EmbeddedData).Assembly.FullName}.");
        using var unzipped = new GZipStream(compressed, CompressionMode.Decompress);
        using var reader = new StreamReader(unzipped);
        Dataset raw = Dataset.FromCsv(reader, DigitsResourceName, new CsvOptions { LabelColumn = -1, ClassCount = 10 });
        return scaled ? InputScaling.UnitRange(raw.InputWidth, 16).Apply(raw) : raw;
    }
}
