using FastBackprop.Data;
using Xunit;

namespace FastBackprop.Tests.Data;

/// <summary><see cref="Dataset.FromCsv(string, CsvOptions?)"/>: label column first, last and
/// negative, header or not, regression with several targets, quotes, and every rejection with its
/// file name, line and column.</summary>
public sealed class CsvReaderTests : IDisposable
{
    private readonly ScratchFolder scratch = DataFiles.Scratch();

    public void Dispose() => scratch.Dispose();

    // ------------------------------------------------------------------ round trips

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FromCsv_LabelLast_DefaultOptions(bool header)
    {
        string text = (header ? "a,b,label\n" : "") + "0.5,1,2\n-1.25,3e2,0\r\n\n 7 , 8 ,1\n";
        string path = scratch.WriteText("last.csv", text);
        Dataset d = Dataset.FromCsv(path, new CsvOptions { HasHeader = header });
        Assert.Equal(3, d.Count);
        Assert.Equal(2, d.InputWidth);
        Assert.Equal(3, d.ClassCount); // largest label + 1
        Assert.Equal([0.5f, 1f, -1.25f, 300f, 7f, 8f], d.Inputs.ToArray());
        Assert.Equal([2, 0, 1], d.Labels.ToArray());
        DataFiles.CheckInvariants(d);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void FromCsv_LabelFirst_PositiveAndNegativeIndex(int labelColumn)
    {
        Dataset d = Dataset.FromCsv(new StringReader("1,10,20\n0,30,40\n"), "first.csv",
            new CsvOptions { LabelColumn = labelColumn, ClassCount = 4 });
        Assert.Equal([10f, 20f, 30f, 40f], d.Inputs.ToArray());
        Assert.Equal([1, 0], d.Labels.ToArray());
        Assert.Equal(4, d.TargetWidth);
        Assert.Equal([0f, 1f, 0f, 0f], d.GetTarget(0).ToArray());
    }

    [Fact]
    public void FromCsv_LabelInTheMiddle()
    {
        Dataset d = Dataset.FromCsv(new StringReader("1,2,3\n4,0,6\n"), "mid.csv", new CsvOptions { LabelColumn = 1 });
        Assert.Equal([1f, 3f, 4f, 6f], d.Inputs.ToArray());
        Assert.Equal([2, 0], d.Labels.ToArray());
    }

    [Fact]
    public void FromCsv_Regression_SeveralTargets()
    {
        const string text = "x1;x2;y1;y2\n1;2;0.5;-0.5\n3;4;1.5;\"2.5\"\n";
        Dataset d = Dataset.FromCsv(new StringReader(text), "reg.csv", new CsvOptions
        {
            HasHeader = true,
            Separator = ';',
            TargetKind = CsvTargetKind.Regression,
            LabelColumn = -2,
            TargetColumnCount = 2,
        });
        Assert.False(d.HasLabels);
        Assert.Equal(0, d.ClassCount);
        Assert.Equal([1f, 2f, 3f, 4f], d.Inputs.ToArray());
        Assert.Equal([0.5f, -0.5f, 1.5f, 2.5f], d.Targets.ToArray());
    }

    [Fact]
    public void FromCsv_QuotedHeaderWithSeparatorInside()
    {
        Dataset d = Dataset.FromCsv(new StringReader("\"a, b\",\"say \"\"hi\"\"\"\n1,0\n"), "q.csv", new CsvOptions { HasHeader = true });
        Assert.Equal(1, d.Count);
        Assert.Equal(1, d.InputWidth);
    }

    // ------------------------------------------------------------------ rejections

    [Fact]
    public void FromCsv_Throws_RaggedRow()
    {
        string path = scratch.WriteText("ragged.csv", "1,2,0\n3,4,1\n5,6\n");
        var e = Assert.Throws<DataFormatException>(() => Dataset.FromCsv(path));
        DataFiles.AssertMessage(e, path, "line 3, column 3", "ragged row", "2 fields; expected 3");
        Assert.Equal(3, e.Line);
        Assert.Equal(3, e.Column);
    }

    [Fact]
    public void FromCsv_HeaderOfAnotherWidth_IsSkippedWhole()
    {
        // scikit-learn's bundled files: "n_samples,n_features,class names", then the rows (wine
        // has 5 header fields and 14 data fields). Used to be rejected as a ragged row.
        string path = scratch.WriteText("wine-like.csv", "3,2,class_0,class_1,class_2\n1.5,2,0\n3,4.5,2\n5,6,1\n");
        Dataset d = Dataset.FromCsv(path, new CsvOptions { HasHeader = true });
        Assert.Equal(3, d.Count);
        Assert.Equal([1.5f, 2f, 3f, 4.5f, 5f, 6f], d.Inputs.ToArray());
        Assert.Equal([0, 2, 1], d.Labels.ToArray());
    }

    [Fact]
    public void FromCsv_Throws_RaggedRowAgainstFirstDataRow()
    {
        string path = scratch.WriteText("ragged-header.csv", "a,b\n1,2,0\n1,2\n");
        DataFiles.AssertMessage(Assert.Throws<DataFormatException>(() => Dataset.FromCsv(path, new CsvOptions { HasHeader = true })),
            path, "line 3, column 3", "2 fields; expected 3 (as in line 2)");
    }

    [Fact]
    public void FromCsv_Throws_NonNumericCell()
    {
        string path = scratch.WriteText("text.csv", "1,2,0\n\n3,abc,1\n");
        var e = Assert.Throws<DataFormatException>(() => Dataset.FromCsv(path));
        DataFiles.AssertMessage(e, path, "line 3, column 2", "non-numeric cell 'abc'");
    }

    [Fact]
    public void FromCsv_Throws_UnexpectedHeader_WithHint()
    {
        var e = Assert.Throws<DataFormatException>(() => Dataset.FromCsv(new StringReader("x,y,label\n1,2,0\n"), "h.csv"));
        DataFiles.AssertMessage(e, "h.csv", "line 1, column 1", "'x'", "HasHeader");
    }

    [Fact]
    public void FromCsv_Throws_CultureSpecificNumber()
    {
        // Invariant culture: "1,5" is two fields, and a decimal comma in a ';' file is not a number.
        var e = Assert.Throws<DataFormatException>(() =>
            Dataset.FromCsv(new StringReader("1;2;0\n1,5;2;1\n"), "de.csv", new CsvOptions { Separator = ';' }));
        DataFiles.AssertMessage(e, "de.csv", "line 2, column 1", "'1,5'");
    }

    [Theory]
    [InlineData("1,2,NaN\n", "line 1, column 3")]
    [InlineData("1,Infinity,0\n", "line 1, column 2")]
    [InlineData("1,1e40,0\n", "line 1, column 2")]
    [InlineData("1,,0\n", "line 1, column 2")]
    public void FromCsv_Throws_NonFiniteOrEmptyCell(string text, string position) =>
        DataFiles.AssertMessage(Assert.Throws<DataFormatException>(() => Dataset.FromCsv(new StringReader(text), "nf.csv")), "nf.csv", position);

    [Theory]
    [InlineData("1,2,-1\n", "out of range")]
    [InlineData("1,2,1.5\n", "not a whole number")]
    [InlineData("1,2,70000\n", "out of range")]
    public void FromCsv_Throws_BadLabel(string text, string problem) =>
        DataFiles.AssertMessage(Assert.Throws<DataFormatException>(() => Dataset.FromCsv(new StringReader(text), "lab.csv")),
            "lab.csv", "line 1, column 3", problem);

    [Fact]
    public void FromCsv_Throws_LabelAboveClassCount()
    {
        string path = scratch.WriteText("k.csv", "1,0\n2,1\n3,5\n");
        var e = Assert.Throws<DataFormatException>(() => Dataset.FromCsv(path, new CsvOptions { ClassCount = 5 }));
        DataFiles.AssertMessage(e, path, "line 3, column 2", "label '5' is out of range", "[0, 5)");
    }

    [Fact]
    public void FromCsv_Throws_LabelColumnOutsideRow()
    {
        var e = Assert.Throws<DataFormatException>(() =>
            Dataset.FromCsv(new StringReader("1,2\n"), "cols.csv", new CsvOptions { LabelColumn = 5 }));
        DataFiles.AssertMessage(e, "cols.csv", "line 1", "label column 5");
        Assert.Throws<DataFormatException>(() => Dataset.FromCsv(new StringReader("1\n"), "one.csv")); // no input column left
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("\n  \n", "empty")]
    [InlineData("a,b\n", "no data rows")]
    public void FromCsv_Throws_NoRows(string text, string problem)
    {
        var e = Assert.Throws<DataFormatException>(() => Dataset.FromCsv(new StringReader(text), "none.csv", new CsvOptions { HasHeader = text.StartsWith('a') }));
        DataFiles.AssertMessage(e, "none.csv", problem);
    }

    [Fact]
    public void FromCsv_Throws_UnterminatedQuote() =>
        DataFiles.AssertMessage(Assert.Throws<DataFormatException>(() => Dataset.FromCsv(new StringReader("1,\"2,0\n"), "q.csv")),
            "q.csv", "line 1, column 2", "unterminated");

    [Fact]
    public void FromCsv_Throws_OverlongLine_WithoutReadingItAll()
    {
        // A "line" of 16 Mi + 1 characters with no line break: rejected at the cap.
        var e = Assert.Throws<DataFormatException>(() => Dataset.FromCsv(new EndlessReader(), "endless.csv"));
        DataFiles.AssertMessage(e, "endless.csv", "line 1", "longer than");
    }

    [Fact]
    public void FromCsv_Throws_InconsistentOptions()
    {
        Assert.Throws<ArgumentException>(() => Dataset.FromCsv(new StringReader("1,2\n"), "o.csv", new CsvOptions { TargetColumnCount = 2 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Dataset.FromCsv(new StringReader("1,2\n"), "o.csv", new CsvOptions { ClassCount = 0 }));
        Assert.Throws<ArgumentException>(() => Dataset.FromCsv(new StringReader("1,2\n"), "o.csv", new CsvOptions { Separator = '"' }));
    }

    /// <summary>A reader that never ends and never breaks a line.</summary>
    private sealed class EndlessReader : TextReader
    {
        public override int Read(char[] buffer, int index, int count)
        {
            buffer.AsSpan(index, count).Fill('1');
            return count;
        }
    }
}
