using FastBackprop.Data;
using FastBackprop.Parquet;
using Parquet;
using Parquet.Schema;
using Xunit;

namespace FastBackprop.Tests.Data;

/// <summary>The Parquet reader's contract case by case: what it reads (types, row groups, codecs, nullable
/// columns without nulls), and each error it promises, naming the file, the row and the column.</summary>
public sealed class ParquetDatasetTests : IDisposable
{
    private readonly ScratchFolder scratch = DataFiles.Scratch();

    public void Dispose() => scratch.Dispose();

    private string File(string name, byte[] bytes) => scratch.Write(name, bytes);

    private string Table(params TestColumn[] columns) => File("t.parquet", ParquetFiles.Write(columns));

    private static DataFormatException Fails(string path, CsvOptions? options = null) =>
        Assert.Throws<DataFormatException>(() => ParquetDataset.Read(path, options));

    [Fact]
    public void Read_LabelsAndInputs_InFileOrder()
    {
        string path = Table(new TestColumn("a", typeof(float), [1, 2, 3]), new TestColumn("b", typeof(bool), [1, 0, 1]), new TestColumn("class", typeof(int), [2, 0, 1]));
        Dataset d = ParquetDataset.Read(path);
        Assert.Equal([1f, 1, 2, 0, 3, 1], d.Inputs.ToArray());
        Assert.Equal([2, 0, 1], d.Labels.ToArray());
        Assert.Equal(3, d.ClassCount);
        Assert.Equal(2, d.InputWidth);
    }

    [Theory]
    [InlineData(CompressionMethod.None)]
    [InlineData(CompressionMethod.Snappy)]
    [InlineData(CompressionMethod.Gzip)]
    [InlineData(CompressionMethod.Zstd)]
    [InlineData(CompressionMethod.LZ4)]
    [InlineData(CompressionMethod.Brotli)]
    public void Read_EveryCodec_ManyRowGroups_RepeatedValues(CompressionMethod codec)
    {
        // 1000 rows of few distinct values in row groups of 300: dictionary-friendly pages across 4 row groups.
        double[] x = [.. Enumerable.Range(0, 1000).Select(i => (double)(i % 7))];
        double[] y = [.. Enumerable.Range(0, 1000).Select(i => (double)(i % 3))];
        string path = File("codec.parquet", ParquetFiles.Write([new("x", typeof(double), x), new("y", typeof(long), y, Nullable: true)], rowGroupSize: 300, codec));
        Dataset d = ParquetDataset.Read(path);
        Assert.Equal(x.Select(v => (float)v).ToArray(), d.Inputs.ToArray());
        Assert.Equal(y.Select(v => (int)v).ToArray(), d.Labels.ToArray());
    }

    [Fact]
    public void Read_Regression_WithNamedWeights()
    {
        string path = Table(new TestColumn("w", typeof(double), [0, 2]), new TestColumn("a", typeof(short), [-3, 4]), new TestColumn("t", typeof(decimal), [0.25, -1.5]));
        Dataset d = ParquetDataset.Read(path, new CsvOptions { TargetKind = CsvTargetKind.Regression, WeightColumnName = "W" });
        Assert.Equal([-3f, 4], d.Inputs.ToArray());
        Assert.Equal([0.25f, -1.5f], d.Targets.ToArray());
        Assert.Equal([0f, 2], d.Weights.ToArray());
    }

    [Fact]
    public void MissingFile_IsFileNotFound() =>
        Assert.Throws<FileNotFoundException>(() => ParquetDataset.Read(Path.Combine(scratch.Path, "none.parquet")));

    [Fact]
    public void EmptyFile_SaysEmpty() => DataFiles.AssertMessage(Fails(File("empty.parquet", [])), "empty.parquet", "the file is empty");

    [Fact]
    public void CsvText_SaysNotParquet_WithAHint() =>
        DataFiles.AssertMessage(Fails(File("text.parquet", "1,2,3\n4,5,6\n"u8.ToArray())), "text.parquet", "does not start with PAR1", "is it a CSV file?");

    [Fact]
    public void StringColumn_IsRefusedByName()
    {
        string path = File("s.parquet", ParquetFiles.Write([new("a", typeof(double), [1, 2]), new("species", typeof(string), [0, 1])]));
        DataFormatException e = Fails(path);
        Assert.True(e.Message.Contains("column 2 ('species') holds text (strings)", StringComparison.Ordinal), e.Message);
        DataFiles.AssertMessage(e, "s.parquet", "Class labels are whole numbers");
    }

    [Fact]
    public async Task StructColumn_IsRefusedByName()
    {
        var schema = new ParquetSchema(new DataField<double>("a"), new StructField("point", new DataField<double>("x"), new DataField<double>("y")));
        using var output = new MemoryStream();
        await using (ParquetWriter writer = await ParquetWriter.CreateAsync(schema, output, cancellationToken: TestContext.Current.CancellationToken))
        {
            using ParquetRowGroupWriter group = writer.CreateRowGroup();
            foreach (DataField field in schema.DataFields) await group.WriteAsync<double>(field, new double?[] { 1, 2 }, null, null, TestContext.Current.CancellationToken);
        }
        DataFiles.AssertMessage(Fails(File("struct.parquet", output.ToArray())), "struct.parquet", "column 'point' is a struct", "flat numeric columns");
    }

    [Fact]
    public void Null_NamesRowAndColumn()
    {
        string path = File("n.parquet", ParquetFiles.Write([new("a", typeof(double), [1, 2, 3, 4]), new("b", typeof(float), [1, 2, 3, 4], Nullable: true, NullAt: 2), new("y", typeof(int), [0, 1, 0, 1])], rowGroupSize: 2));
        DataFormatException e = Fails(path);
        DataFiles.AssertMessage(e, "n.parquet", "row 3, column 2 ('b')", "null");
        Assert.Equal(3, e.Line);
        Assert.Equal(2, e.Column);
    }

    [Fact]
    public void NonFiniteValue_NamesRowAndColumn() =>
        DataFiles.AssertMessage(Fails(Table(new TestColumn("a", typeof(double), [1, double.NaN]), new TestColumn("y", typeof(int), [0, 1]))), "t.parquet", "row 2, column 1 ('a')", "not a finite number");

    [Fact]
    public void ValueBeyondFloat_SaysSo() =>
        DataFiles.AssertMessage(Fails(Table(new TestColumn("a", typeof(double), [1e300]), new TestColumn("y", typeof(int), [0]))), "t.parquet", "row 1, column 1 ('a')", "does not fit a float");

    [Fact]
    public void FractionalLabel_SaysNotWhole() =>
        DataFiles.AssertMessage(Fails(Table(new TestColumn("a", typeof(double), [1, 2]), new TestColumn("y", typeof(double), [0, 1.5]))), "t.parquet", "row 2, column 2 ('y')", "not a whole number");

    [Fact]
    public void LabelOutOfGivenRange_NamesTheOption() =>
        DataFiles.AssertMessage(Fails(Table(new TestColumn("a", typeof(double), [1, 2]), new TestColumn("y", typeof(int), [0, 5])), new CsvOptions { ClassCount = 3 }),
            "t.parquet", "label 5 is out of range", "CsvOptions.ClassCount");

    [Fact]
    public void LabelColumnOutsideTheFile_SaysSo() =>
        DataFiles.AssertMessage(Fails(Table(new TestColumn("a", typeof(double), [1])), new CsvOptions { LabelColumn = 3 }), "t.parquet", "label column 3 does not fit a file of 1 column");

    [Fact]
    public void WeightName_NotAColumn_ListsTheColumns() =>
        DataFiles.AssertMessage(Fails(Table(new TestColumn("a", typeof(double), [1]), new TestColumn("y", typeof(int), [0])), new CsvOptions { WeightColumnName = "w" }),
            "t.parquet", "no column named 'w'", "a, y");

    [Fact]
    public void NegativeWeight_NamesRowAndColumn() =>
        DataFiles.AssertMessage(Fails(Table(new TestColumn("w", typeof(int), [1, -2]), new TestColumn("a", typeof(double), [1, 2]), new TestColumn("y", typeof(int), [0, 1])), new CsvOptions { WeightColumn = 0 }),
            "t.parquet", "row 2, column 1 ('w')", "weight -2 is negative");

    [Fact]
    public void AllZeroWeights_SaySo() =>
        DataFiles.AssertMessage(Fails(Table(new TestColumn("w", typeof(int), [0, 0]), new TestColumn("a", typeof(double), [1, 2]), new TestColumn("y", typeof(int), [0, 1])), new CsvOptions { WeightColumn = 0 }),
            "t.parquet", "every weight in column 1 ('w') is 0");

    [Fact]
    public void NoRows_SaysSo() =>
        DataFiles.AssertMessage(Fails(Table(new TestColumn("a", typeof(double), []), new TestColumn("y", typeof(int), []))), "t.parquet", "no rows");

    [Fact]
    public void Crafted_ValidFile_Reads()
    {
        // The hand-built file is right: each crafted case below differs from it in one field.
        Dataset d = ParquetDataset.Read(File("ok.parquet", new CraftedParquet([1, 2, 3]).ToBytes()), Regression);
        Assert.Equal([1f, 2, 3], d.Inputs.ToArray());
        Assert.Equal([3f, 2, 1], d.Targets.ToArray());
    }

    [Fact]
    public void Crafted_DictionaryEncodedColumn_AsArrowWritesIt_Reads()
    {
        // Arrow (pandas, pyarrow) dictionary-encodes every column by default; Parquet.Net's writer does so for text only.
        Dataset d = ParquetDataset.Read(File("dict.parquet", new CraftedParquet([1.5, -2, 7]) { Dictionary = true }.ToBytes()), Regression);
        Assert.Equal([1.5f, -2, 7], d.Inputs.ToArray());
        Assert.Equal([7f, -2, 1.5f], d.Targets.ToArray());
    }

    [Fact]
    public void Crafted_DictionaryEncodedColumn_EveryPrefixAndEveryByteChange_IsDataOrFormatError()
    {
        byte[] bytes = new CraftedParquet([1.5, -2, 7]) { Dictionary = true }.ToBytes();
        string path = File("dict.parquet", bytes);
        for (int length = 0; length < bytes.Length; length++)
        {
            System.IO.File.WriteAllBytes(path, bytes[..length]);
            Assert.Null(DataFiles.DatasetOrFormatError(() => ParquetDataset.Read(path, Regression), $"the first {length} bytes"));
        }
        for (int at = 0; at < bytes.Length; at++)
        {
            foreach (byte value in (byte[])[0, 1, 0x7F, 0xFF])
            {
                byte[] changed = [.. bytes];
                changed[at] = value;
                System.IO.File.WriteAllBytes(path, changed);
                DataFiles.DatasetOrFormatError(() => ParquetDataset.Read(path, Regression), $"byte {at} = {value}");
            }
        }
    }

    private static readonly CsvOptions Regression = new() { TargetKind = CsvTargetKind.Regression };

    public static TheoryData<string, CraftedParquet, string> CraftedCases() => new()
    {
        { "a billion rows in a few bytes", new CraftedParquet([1, 2, 3]) { ClaimedRows = 1_000_000_000 }, "values per byte" },
        { "footer length beyond the file", new CraftedParquet([1, 2, 3]) { FooterLength = 0x7FFF_FFF0 }, "does not fit a file" },
        { "a list claiming 2^30 elements", new CraftedParquet([1, 2, 3]) { ClaimedListLength = 1 << 30 }, "malformed footer" },
        { "a field id beyond the i16 range", new CraftedParquet([1, 2, 3]) { UnknownFieldId = 40_000 }, "malformed footer" },
        { "a field id below the i16 range", new CraftedParquet([1, 2, 3]) { UnknownFieldId = -40_000 }, "malformed footer" },
        { "a field id stepping past 32767", new CraftedParquet([1, 2, 3]) { UnknownFieldId = short.MaxValue, NextFieldByStep = true }, "malformed footer" },
        { "a page claiming a 1 GiB decoded size", new CraftedParquet([1, 2, 3]) { UncompressedSize = 1 << 30 }, "decoded bytes do not fit" },
        { "a page claiming a negative stored size", new CraftedParquet([1, 2, 3]) { CompressedSize = -40 }, "do not fit the column chunk" },
        { "a page claiming more than the file holds", new CraftedParquet([1, 2, 3]) { CompressedSize = 1 << 20 }, "do not fit the column chunk" },
        { "a page claiming more values than the chunk", new CraftedParquet([1, 2, 3]) { PageValues = 4 }, "do not fit the column's 3 values" },
        { "a page with fewer values than the chunk", new CraftedParquet([1, 2, 3]) { PageValues = 2 }, "column 'x'" },
        { "a page with no values", new CraftedParquet([1, 2, 3]) { PageValues = 0 }, "column 'x'" },
        { "a dictionary-encoded page claiming 1 GiB", new CraftedParquet([1, 2, 3]) { Dictionary = true, UncompressedSize = 1 << 30 }, "decoded bytes do not fit" },
        { "a dictionary-encoded page with fewer values", new CraftedParquet([1, 2, 3]) { Dictionary = true, PageValues = 2 }, "column 'x'" },
    };

    [Theory]
    [MemberData(nameof(CraftedCases))]
    public void Crafted_AbsurdField_IsAFormatErrorBeforeAnyAllocation(string what, CraftedParquet file, string expected)
    {
        string path = File("crafted.parquet", file.ToBytes());
        long before = GC.GetAllocatedBytesForCurrentThread();
        DataFormatException e = Assert.Throws<DataFormatException>(() => ParquetDataset.Read(path, Regression));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        DataFiles.AssertMessage(e, "crafted.parquet", expected);
        Assert.True(allocated < 16 << 20, $"{what}: {allocated} bytes allocated");
    }
}
