using System.Globalization;
using System.Text;
using FastBackprop.Data;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Data;

/// <summary>Fuzzing the CSV reader with random text and garbled valid files: every outcome is a
/// valid <see cref="Dataset"/> or a <see cref="DataFormatException"/>; and valid files written
/// from random numbers read back exactly.</summary>
[Properties(MaxTest = 150)]
public sealed class CsvReaderProperties
{
    private static readonly CsvOptions[] Variants =
    [
        new(),
        new() { HasHeader = true },
        new() { LabelColumn = 0, ClassCount = 3 },
        new() { TargetKind = CsvTargetKind.Regression, LabelColumn = -2, TargetColumnCount = 2 },
        new() { Separator = ';', LabelColumn = 1 },
        new() { Separator = null },
        new() { Separator = ' ', HasHeader = true },
        new() { Separator = '\t', ClassCount = 2000 },
    ];

    // Characters that matter to the parser, plus some that do not.
    private const string Alphabet = "0123456789,,,;\n\n\r\"\" .-+eEaN\t\u00e9\0";

    [Property]
    public void Csv_RandomText_IsDatasetOrFormatError(string? text, byte variant)
    {
        text ??= "";
        CsvOptions options = Variants[variant % Variants.Length];
        DataFiles.DatasetOrFormatError(() => Dataset.FromCsv(new StringReader(text), "random.csv", options), $"text {Escape(text)}");
    }

    [Property]
    public void Csv_RandomParserCharacters_IsDatasetOrFormatError(ulong seed, byte length, byte variant)
    {
        var random = new SeededRandom(seed);
        var text = new StringBuilder();
        for (int i = 0; i < length; i++) text.Append(Alphabet[random.NextInt32(Alphabet.Length)]);
        CsvOptions options = Variants[variant % Variants.Length];
        DataFiles.DatasetOrFormatError(() => Dataset.FromCsv(new StringReader(text.ToString()), "chars.csv", options), $"text {Escape(text.ToString())}");
    }

    [Property]
    public void Csv_GarbledValidFile_IsDatasetOrFormatError(ulong seed, byte edits, int cut, byte variant)
    {
        var random = new SeededRandom(seed);
        char[] text = ValidCsv(random, rows: 1 + random.NextInt32(6), cols: 3 + random.NextInt32(3)).ToCharArray();
        for (int e = 0; e < edits % 6; e++) text[random.NextInt32(text.Length)] = Alphabet[random.NextInt32(Alphabet.Length)];
        string garbled = new string(text)[..(int)((uint)cut % (uint)(text.Length + 1))];
        CsvOptions options = Variants[variant % Variants.Length];
        DataFiles.DatasetOrFormatError(() => Dataset.FromCsv(new StringReader(garbled), "garbled.csv", options), $"text {Escape(garbled)}");
    }

    [Property]
    public void Csv_ValidFile_RoundTripsExactly(ulong seed)
    {
        var random = new SeededRandom(seed);
        int rows = 1 + random.NextInt32(8), cols = 2 + random.NextInt32(5);
        var x = new float[rows * (cols - 1)];
        var labels = new int[rows];
        var text = new StringBuilder();
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols - 1; j++)
            {
                x[i * (cols - 1) + j] = random.NextSymmetric(1000f);
                text.Append(x[i * (cols - 1) + j].ToString("R", CultureInfo.InvariantCulture)).Append(',');
            }
            labels[i] = random.NextInt32(4);
            text.Append(labels[i]).Append('\n');
        }

        Dataset d = Dataset.FromCsv(new StringReader(text.ToString()), "valid.csv", new CsvOptions { ClassCount = 4 });
        Assert.Equal(x, d.Inputs.ToArray());
        Assert.Equal(labels, d.Labels.ToArray());
    }

    [Property]
    public void CsvInputRows_RandomParserCharacters_AreRowsOrFormatError(ulong seed, byte length, byte width, bool detect)
    {
        var random = new SeededRandom(seed);
        var text = new StringBuilder();
        for (int i = 0; i < length; i++) text.Append(Alphabet[random.NextInt32(Alphabet.Length)]);
        int w = 1 + width % 5;
        var scaling = new InputScaling(InputScalingKind.Standardization, new float[w], Enumerable.Repeat(1e30f, w).ToArray());
        DataFiles.DatasetOrFormatError(() =>
        {
            CsvInputRows rows = CsvInputRows.Read(new StringReader(text.ToString()), "rows.csv", w, random.NextInt32(2) == 0 ? null : scaling, detect ? null : ',');
            Assert.Equal(rows.Count * w, rows.Values.Length);
            foreach (float v in rows.Values) Assert.True(float.IsFinite(v));
            for (int r = 1; r < rows.Count; r++) Assert.True(rows.LineOf(r) > rows.LineOf(r - 1));
            return new Dataset(rows.Values, w, new float[rows.Count], 1);
        }, $"text {Escape(text.ToString())}");
    }

    [Property]
    public void CsvGz_TruncatedOrBitFlipped_IsTheSameDataOrFormatError(ulong seed, int cut, int flip, bool truncate, byte variant)
    {
        var random = new SeededRandom(seed);
        string csv = ValidCsv(random, rows: 1 + random.NextInt32(20), cols: 3 + random.NextInt32(3));
        byte[] gz = DataFiles.Gzip(Encoding.UTF8.GetBytes(csv));
        if (truncate) gz = gz[..(int)((uint)cut % (uint)gz.Length)];
        else gz[(int)((uint)flip % (uint)gz.Length)] ^= (byte)(1 << (flip & 7));
        CsvOptions options = Variants[variant % Variants.Length];

        using var scratch = DataFiles.Scratch();
        string path = scratch.Write("fuzz.csv.gz", gz);
        Dataset? original = DataFiles.DatasetOrFormatError(() => Dataset.FromCsv(new StringReader(csv), "fuzz.csv", options), "original");
        Dataset? read = DataFiles.DatasetOrFormatError(() => Dataset.FromCsv(path, options), $"gz of {Escape(csv)}");
        if (read is null) return;
        Assert.False(truncate, "a truncated gzip file was read without an error");
        Assert.NotNull(original);
        Assert.Equal(original.Inputs.ToArray(), read.Inputs.ToArray());
        Assert.Equal(original.Targets.ToArray(), read.Targets.ToArray());
    }

    [Property]
    public void CsvGz_RandomBytesAfterTheMagic_IsDatasetOrFormatError(byte[]? tail)
    {
        using var scratch = DataFiles.Scratch();
        string path = scratch.Write("random.csv.gz", [0x1f, 0x8b, .. tail ?? []]);
        DataFiles.DatasetOrFormatError(() => Dataset.FromCsv(path), $"{tail?.Length ?? 0} random bytes");
    }

    private static string ValidCsv(SeededRandom random, int rows, int cols)
    {
        var text = new StringBuilder();
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols - 1; j++) text.Append(random.NextSymmetric(10f).ToString(CultureInfo.InvariantCulture)).Append(',');
            text.Append(random.NextInt32(3)).Append('\n');
        }
        return text.ToString();
    }

    private static string Escape(string s) => s.Length > 200 ? s[..200].ReplaceLineEndings("\\n") + "..." : s.ReplaceLineEndings("\\n");
}
