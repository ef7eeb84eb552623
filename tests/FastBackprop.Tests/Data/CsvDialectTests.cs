using System.Globalization;
using System.Text;
using FastBackprop.Data;
using Xunit;

namespace FastBackprop.Tests.Data;

/// <summary>CSV as people have it: separators (given, detected, whitespace), empty fields in every
/// position, numbers that do not fit a float, hints that name the likely cause, class counts that
/// look like accidents, and gzip files, whole, truncated or corrupt.</summary>
public sealed class CsvDialectTests : IDisposable
{
    private readonly ScratchFolder scratch = DataFiles.Scratch();

    public void Dispose() => scratch.Dispose();

    private static Dataset Read(string text, CsvOptions? options = null) => Dataset.FromCsv(new StringReader(text), "d.csv", options);

    private static DataFormatException Fails(string text, CsvOptions? options = null) =>
        Assert.Throws<DataFormatException>(() => Read(text, options));

    // ------------------------------------------------------------------ separators

    [Theory]
    [InlineData("1;2;0\n3;4;1\n", ';')]
    [InlineData("1\t2\t0\n3\t4\t1\n", '\t')]
    [InlineData("1|2|0\n3|4|1\n", '|')]
    [InlineData("1 2 0\n3   4\t1\n", ' ')]
    [InlineData("\"1\";\"2\";0\n3;4;1\n", ';')]
    public void Separator_GivenOrDetected_ReadsTheSameData(string text, char separator)
    {
        foreach (char? s in new char?[] { separator, null })
        {
            Dataset d = Read(text, new CsvOptions { Separator = s });
            Assert.Equal([1f, 2f, 3f, 4f], d.Inputs.ToArray());
            Assert.Equal([0, 1], d.Labels.ToArray());
        }
    }

    [Fact]
    public void Separator_Whitespace_RunsOfBlanksAndEdgesSeparateNothingExtra()
    {
        Dataset d = Read("  1 \t 2   0  \n\t3 4 1\n", new CsvOptions { Separator = ' ' });
        Assert.Equal([1f, 2f, 3f, 4f], d.Inputs.ToArray());
    }

    [Fact]
    public void Separator_Wrong_HintsAtTheOneInTheData()
    {
        var e = Fails("1;2;0\n", new CsvOptions { Separator = ',' });
        DataFiles.AssertMessage(e, "d.csv", "line 1", "look separated by ';'", "CsvOptions.Separator");
        e = Fails("1,2;0\n3,4;1\n");   // two fields, the second non-numeric
        DataFiles.AssertMessage(e, "d.csv", "line 1, column 2", "'2;0'", "look separated by ';'");
    }

    [Fact]
    public void DecimalComma_HintsAtTheDecimalPoint()
    {
        var e = Fails("1,5;2;0\n", new CsvOptions { Separator = ';' });
        DataFiles.AssertMessage(e, "d.csv", "line 1, column 1", "'1,5'", "'.' as the decimal point");
    }

    // ------------------------------------------------------------------ empty fields

    [Theory]
    [InlineData("1,,3,0\n", "line 1, column 2")]
    [InlineData("1,2,3,\n", "line 1, column 4")]
    [InlineData(",1,2,0\n", "line 1, column 1")]
    [InlineData("1,2,3,0\n4,5,,1\n", "line 2, column 3")]
    [InlineData("1,2,3,0\n4,,6\n", "line 2, column 2")]     // short row: the empty field is the cause
    [InlineData("1,2,3,0\n4,5,6,1,\n", "line 2, column 5")]  // trailing separator on a later row
    [InlineData("1,\"\",3,0\n", "line 1, column 2")]
    public void EmptyField_IsAnErrorNamingLineAndColumn(string text, string position) =>
        DataFiles.AssertMessage(Fails(text), "d.csv", position, "empty field");

    [Fact]
    public void EmptyField_TabSeparated_IsAnError_WhitespaceHasNone()
    {
        DataFiles.AssertMessage(Fails("1\t\t2\t0\n", new CsvOptions { Separator = '\t' }), "d.csv", "line 1, column 2", "empty field");
        Assert.Equal(2, Read("1 \t 2\t0\n", new CsvOptions { Separator = ' ' }).InputWidth);
    }

    // ------------------------------------------------------------------ values

    [Theory]
    [InlineData("1,3e39,0\n", "does not fit a float")]
    [InlineData("1,-1e300,0\n", "does not fit a float")]
    [InlineData("1,Infinity,0\n", "expected a finite number")]
    [InlineData("1,NaN,0\n", "expected a finite number")]
    public void ValueOutsideFloat_IsAnErrorNamingTheCell(string text, string problem) =>
        DataFiles.AssertMessage(Fails(text), "d.csv", "line 1, column 2", problem);

    [Fact]
    public void LargestFloat_IsAccepted() => Assert.Equal(3e38f, Read("3e38,0\n").Inputs[0]);

    // ------------------------------------------------------------------ class counts

    [Fact]
    public void InferredClassCountAboveThreshold_LoadsWithAWarning()
    {
        Dataset d = Read("1,0\n2,1\n3,1500\n");
        Assert.Equal(1501, d.ClassCount);
        string warning = Assert.Single(d.Warnings);
        Assert.Contains("labels go up to 1500 (line 3)", warning, StringComparison.Ordinal);
        Assert.Contains("1501 classes, of which 3 occur", warning, StringComparison.Ordinal);
        Assert.Contains("CsvOptions.ClassCount", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void ClassCountAtThresholdOrGivenExplicitly_HasNoWarning()
    {
        Assert.Empty(Read($"1,0\n2,{CsvOptions.ClassCountWarningThreshold - 1}\n").Warnings);
        Assert.Empty(Read("1,0\n2,1500\n", new CsvOptions { ClassCount = 2000 }).Warnings);
        Assert.Empty(new Dataset([1f], 1, [0], 5000).Warnings);
    }

    [Fact]
    public void InferredClassCount_HasAHardLimit()
    {
        DataFiles.AssertMessage(Fails($"1,{CsvOptions.MaxInferredClassCount}\n"), "d.csv", "line 1, column 2", "out of range", "CsvOptions.ClassCount");
        Assert.Equal(CsvOptions.MaxInferredClassCount, Read($"1,{CsvOptions.MaxInferredClassCount - 1}\n").ClassCount);
    }

    // ------------------------------------------------------------------ gzip

    [Fact]
    public void Gzip_IsDetectedByContent_AndReadsLikeThePlainFile()
    {
        const string text = "x,y,label\n0.5,1,2\n-1.25,3e2,0\n";
        string plain = scratch.WriteText("plain.csv", text);
        string gz = scratch.Write("compressed.data", DataFiles.Gzip(Encoding.UTF8.GetBytes(text)));
        var options = new CsvOptions { HasHeader = true };
        Dataset a = Dataset.FromCsv(plain, options), b = Dataset.FromCsv(gz, options);
        Assert.Equal(a.Inputs.ToArray(), b.Inputs.ToArray());
        Assert.Equal(a.Labels.ToArray(), b.Labels.ToArray());
    }

    [Fact]
    public void Gzip_EveryTruncation_IsAFormatError()
    {
        // .NET's GZipStream ends quietly on a truncated stream: a cut inside "123.456" would read
        // as "123.4". The trailer check makes every cut an error.
        byte[] gz = DataFiles.Gzip(Encoding.UTF8.GetBytes(Rows(40)));
        for (int cut = 0; cut < gz.Length; cut++)
        {
            string path = scratch.Write("cut.csv.gz", gz[..cut]);
            var e = Assert.Throws<DataFormatException>(() => Dataset.FromCsv(path));
            Assert.Contains("cut.csv.gz", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Gzip_EveryBitFlip_IsAFormatErrorOrTheSameData()
    {
        string text = Rows(12);
        byte[] gz = DataFiles.Gzip(Encoding.UTF8.GetBytes(text));
        Dataset expected = Read(text);
        for (int bit = 0; bit < gz.Length * 8; bit++)
        {
            byte[] flipped = (byte[])gz.Clone();
            flipped[bit / 8] ^= (byte)(1 << (bit % 8));
            string path = scratch.Write("flip.csv.gz", flipped);
            Dataset? d = DataFiles.DatasetOrFormatError(() => Dataset.FromCsv(path), $"bit {bit}");
            if (d is null) continue;
            // The unprotected gzip header (time, OS) and the deflate padding bits may flip unseen;
            // nothing may change the data unseen.
            Assert.True(expected.Inputs.SequenceEqual(d.Inputs) && expected.Labels.SequenceEqual(d.Labels), $"bit {bit} changed the data without an error");
        }
    }

    [Fact]
    public void Gzip_ConcatenatedMembers_AreReportedNotMisread()
    {
        byte[] one = DataFiles.Gzip(Encoding.UTF8.GetBytes("1,0\n")), two = DataFiles.Gzip(Encoding.UTF8.GetBytes("2,1\n"));
        string path = scratch.Write("two.csv.gz", [.. one, .. two]);
        DataFiles.AssertMessage(Assert.Throws<DataFormatException>(() => Dataset.FromCsv(path)), path, "concatenated");
    }

    private static string Rows(int count)
    {
        var text = new StringBuilder();
        for (int i = 0; i < count; i++) text.Append(CultureInfo.InvariantCulture, $"{i * 1.25},{-i * 0.5},{i % 3}\n");
        return text.ToString();
    }
}
