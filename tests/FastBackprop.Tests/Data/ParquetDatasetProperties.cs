using FastBackprop.Data;
using FastBackprop.Parquet;
using FsCheck.Xunit;
using Parquet;
using Xunit;

namespace FastBackprop.Tests.Data;

/// <summary>The Parquet reader against the CSV reader: a random table written both ways reads as the same
/// dataset (widths, row counts across row-group boundaries, every column type, nullable columns, codecs,
/// labels or regression targets, weight columns); and damaged files give a dataset or a
/// <see cref="DataFormatException"/>, never another exception or a hang.</summary>
[Properties(MaxTest = 60)]
public sealed class ParquetDatasetProperties
{
    private static readonly CompressionMethod[] Codecs = [CompressionMethod.None, CompressionMethod.Snappy, CompressionMethod.Gzip, CompressionMethod.Zstd];

    [Property]
    public void Parquet_RandomTable_ReadsAsTheSameCsv(ulong seed)
    {
        var random = new SeededRandom(seed);
        (TestColumn[] columns, CsvOptions options) = RandomTable(random);
        int rows = columns[0].Values.Length;
        using var scratch = DataFiles.Scratch();
        string parquet = scratch.Write("table.parquet", ParquetFiles.Write(columns, 1 + random.NextInt32(rows + 2), Codecs[random.NextInt32(Codecs.Length)]));
        string csv = scratch.WriteText("table.csv", ParquetFiles.Csv(columns));

        Dataset expected;
        try { expected = Dataset.FromCsv(csv, options with { HasHeader = true }); }
        catch (DataFormatException e) { throw new InvalidOperationException($"{options} {string.Join(",", columns.Select(c => c.Name))}", e); }
        Dataset actual = ParquetDataset.Read(parquet, options);

        Assert.Equal(expected.InputWidth, actual.InputWidth);
        Assert.Equal(expected.TargetWidth, actual.TargetWidth);
        Assert.Equal(expected.ClassCount, actual.ClassCount);
        Assert.Equal(expected.Inputs.ToArray(), actual.Inputs.ToArray());
        Assert.Equal(expected.Targets.ToArray(), actual.Targets.ToArray());
        Assert.Equal(expected.Labels.ToArray(), actual.Labels.ToArray());
        Assert.Equal(expected.Weights.ToArray(), actual.Weights.ToArray());
        Assert.Equal(expected.Warnings.Count, actual.Warnings.Count);
    }

    [Property(MaxTest = 100)]
    public void Parquet_BytesChanged_IsDatasetOrFormatError(ulong seed, int position, byte value) => BytesChanged(seed, position, value);

    // Cases the property found, kept: (5, -22, 248) changed a footer field header into a long-form field id of
    // more than 16 bits, which the footer check turned into an OverflowException instead of a format error.
    [Theory]
    [InlineData(5UL, -22, (byte)248)]
    public void Parquet_BytesChanged_FoundCases(ulong seed, int position, byte value) => BytesChanged(seed, position, value);

    private static void BytesChanged(ulong seed, int position, byte value)
    {
        var random = new SeededRandom(seed);
        (TestColumn[] columns, CsvOptions options) = RandomTable(random, maxRows: 12);
        byte[] bytes = ParquetFiles.Write(columns, 1 + random.NextInt32(6), Codecs[random.NextInt32(Codecs.Length)]);
        bytes[(int)((uint)position % (uint)bytes.Length)] = value;
        using var scratch = DataFiles.Scratch();
        string path = scratch.Write("changed.parquet", bytes);
        DataFiles.DatasetOrFormatError(() => ParquetDataset.Read(path, options), $"seed {seed}, byte {(uint)position % (uint)bytes.Length} = {value}");
    }

    [Fact]
    public void Parquet_EveryPrefixOfAValidFile_IsAFormatError()
    {
        TestColumn[] columns =
        [
            new("a", typeof(double), [0.5, -1.25, 3, 4]),
            new("b", typeof(int), [1, 2, 3, 4], Nullable: true),
            new("label", typeof(long), [0, 1, 2, 1]),
        ];
        byte[] bytes = ParquetFiles.Write(columns, rowGroupSize: 3);
        using var scratch = DataFiles.Scratch();
        string path = scratch.Write("prefix.parquet", bytes);
        Dataset whole = ParquetDataset.Read(path);
        Assert.Equal([0, 1, 2, 1], whole.Labels.ToArray());
        for (int length = 0; length < bytes.Length; length++)
        {
            File.WriteAllBytes(path, bytes[..length]);
            Assert.Null(DataFiles.DatasetOrFormatError(() => ParquetDataset.Read(path), $"the first {length} of {bytes.Length} bytes"));
        }
    }

    // A random table and options that read it: inputs of random types, then the targets (a label or regression
    // columns) and maybe a weight column, at random places; values every column type represents exactly.
    private static (TestColumn[] Columns, CsvOptions Options) RandomTable(SeededRandom random, int maxRows = 40)
    {
        int rows = 1 + random.NextInt32(maxRows), inputs = 1 + random.NextInt32(5);
        bool regression = random.NextInt32(2) == 0, weighted = random.NextInt32(3) == 0;
        int targets = regression ? 1 + random.NextInt32(3) : 1;
        var columns = new List<TestColumn>();
        for (int j = 0; j < inputs; j++)
        {
            Type type = ParquetFiles.NumericTypes[random.NextInt32(ParquetFiles.NumericTypes.Length)];
            columns.Add(new TestColumn($"x{j}", type, Values(random, type, rows), Nullable: random.NextInt32(2) == 0));
        }
        int start = random.NextInt32(inputs + 1);
        for (int k = 0; k < targets; k++)
        {
            double[] values = regression ? Values(random, typeof(double), rows) : Values(random, typeof(byte), rows).Select(v => v % 4).ToArray();
            columns.Insert(start + k, new TestColumn($"y{k}", regression ? typeof(double) : typeof(int), values, Nullable: random.NextInt32(2) == 0));
        }
        int? weightAt = null;
        if (weighted)
        {
            weightAt = random.NextInt32(columns.Count + 1);
            if (weightAt > start && weightAt < start + targets) weightAt = start + targets;   // not inside the target block
            double[] w = Values(random, typeof(byte), rows);
            w[0] = 1;   // not all 0
            columns.Insert(weightAt.Value, new TestColumn("Weight", typeof(float), w));
            if (weightAt <= start) start++;
        }
        bool fromEnd = random.NextInt32(2) == 0;
        var options = new CsvOptions
        {
            TargetKind = regression ? CsvTargetKind.Regression : CsvTargetKind.Classification,
            TargetColumnCount = targets,
            LabelColumn = fromEnd ? start - columns.Count : start,
            ClassCount = regression || random.NextInt32(2) == 0 ? null : 4,
            WeightColumn = weighted && random.NextInt32(2) == 0 ? weightAt : null,
            WeightColumnName = weighted && random.NextInt32(2) == 0 ? "weight" : null,
        };
        if (weighted && options.WeightColumn is null && options.WeightColumnName is null) options = options with { WeightColumnName = "Weight" };
        if (options.WeightColumn is not null && options.WeightColumnName is not null) options = options with { WeightColumnName = null };
        return ([.. columns], options);
    }

    // Values of a type: integers in its range (small), binary for booleans, multiples of 1/8 for decimals, floats for floating types.
    private static double[] Values(SeededRandom random, Type type, int rows)
    {
        var v = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            v[r] = type == typeof(float) || type == typeof(double) ? random.NextSymmetric(1000f)
                : type == typeof(bool) ? random.NextInt32(2)
                : type == typeof(decimal) ? (random.NextInt32(16001) - 8000) / 8.0
                : type == typeof(sbyte) || type == typeof(short) || type == typeof(int) || type == typeof(long) ? random.NextInt32(201) - 100
                : random.NextInt32(256);
        }
        return v;
    }
}
