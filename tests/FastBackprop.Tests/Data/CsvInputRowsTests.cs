using System.Text;
using FastBackprop.Data;
using Xunit;

namespace FastBackprop.Tests.Data;

/// <summary><see cref="CsvInputRows"/>: the inference reader (predict's), on the same tokenizer as
/// the data sets: strict fields, line numbers, an optional header, scaling as rows are read.</summary>
public sealed class CsvInputRowsTests : IDisposable
{
    private readonly ScratchFolder scratch = DataFiles.Scratch();

    public void Dispose() => scratch.Dispose();

    private static CsvInputRows Read(string text, int width, InputScaling? scaling = null, char? separator = null) =>
        CsvInputRows.Read(new StringReader(text), "rows.csv", width, scaling, separator);

    private static DataFormatException Fails(string text, int width, InputScaling? scaling = null, char? separator = null) =>
        Assert.Throws<DataFormatException>(() => Read(text, width, scaling, separator));

    [Fact]
    public void Rows_WithHeaderAndBlankLines_KeepTheirLineNumbers()
    {
        CsvInputRows rows = Read("a,b,c\n\n1,2,3\r\n 4 , 5 , 6 \n\n7,8,9", 3);
        Assert.Equal(3, rows.Count);
        Assert.Equal(3, rows.Width);
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f], rows.Values.ToArray());
        Assert.Equal([3, 4, 6], Enumerable.Range(0, 3).Select(rows.LineOf));
        Assert.Throws<ArgumentOutOfRangeException>(() => rows.LineOf(3));
    }

    [Theory]
    [InlineData("5.1,,3.5,1.4\n", "line 1, column 2", "empty field")]             // was read as 3 inputs, columns shifted
    [InlineData("5.1,3.5,1.4,0.2,\n", "line 1, column 5", "empty field")]         // a trailing comma was accepted
    [InlineData("5.1,3.5,1.4\n", "line 1", "3 values; expected 4 inputs per row")]
    [InlineData("5.1,3.5,1.4,0.2\n1,2,3e39,4\n", "line 2, column 3", "does not fit a float")]
    [InlineData("5.1,x,1.4,0.2\n", "line 1, column 2", "non-numeric cell 'x'")]
    [InlineData("5.1;3.5;1.4;0.2\n", "line 1", "look separated by ';'")]
    public void BadRow_IsAnErrorNamingLineAndColumn(string text, string position, string problem)
    {
        char? separator = text.Contains(';') ? ',' : null;
        DataFiles.AssertMessage(Fails(text, 4, separator: separator), "rows.csv", position, problem);
    }

    [Fact]
    public void Separators_DetectedOrGiven()
    {
        Assert.Equal([1f, 2f, 3f, 4f], Read("1;2\n3;4\n", 2).Values.ToArray());
        Assert.Equal([1f, 2f, 3f, 4f], Read("1\t2\n3\t4\n", 2).Values.ToArray());
        Assert.Equal([1f, 2f, 3f, 4f], Read("1  2\n 3\t4\n", 2).Values.ToArray());
        Assert.Equal([1f, 2f], Read("1|2\n", 2, separator: '|').Values.ToArray());
    }

    [Fact]
    public void Scaling_IsAppliedRowByRow_AsInputScalingApplyDoes()
    {
        var scaling = new InputScaling(InputScalingKind.Standardization, [1f, -2f], [0.5f, 3f]);
        CsvInputRows rows = Read("3,4\n-1,0.25\n", 2, scaling);
        Dataset expected = scaling.Apply(new Dataset([3f, 4f, -1f, 0.25f], 2, [0f, 0f], 1));
        Assert.Equal(expected.Inputs.ToArray(), rows.Values.ToArray());
    }

    [Fact]
    public void ScaledOverflow_IsAnErrorNamingTheCell()
    {
        var scaling = new InputScaling(InputScalingKind.Standardization, [0f, 0f], [1f, 10f]);
        var e = Fails("1,2\n1,3e38\n", 2, scaling);
        DataFiles.AssertMessage(e, "rows.csv", "line 2, column 2", "'3e38' scales to", "far outside the range");
        Assert.Equal(2, e.Line);
        Assert.Equal(2, e.Column);
    }

    [Fact]
    public void NoRows_IsAnError()
    {
        DataFiles.AssertMessage(Fails("", 2), "rows.csv", "no input rows");
        DataFiles.AssertMessage(Fails("a,b\n", 2), "rows.csv", "no input rows");
    }

    [Fact]
    public void GzipFile_IsRead()
    {
        string path = scratch.Write("rows.bin", DataFiles.Gzip(Encoding.UTF8.GetBytes("1,2\n3,4\n")));
        Assert.Equal([1f, 2f, 3f, 4f], CsvInputRows.Read(path, 2).Values.ToArray());
    }

    [Fact]
    public void BadArguments_AreArgumentExceptions()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Read("1\n", 0));
        Assert.Throws<ArgumentException>(() => Read("1\n", 1, new InputScaling(InputScalingKind.MinMax, [0f, 0f], [1f, 1f])));
        Assert.Throws<ArgumentException>(() => Read("1\n", 1, separator: '"'));
    }
}
