using System.Globalization;
using System.Text;
using Parquet;
using Parquet.Schema;

namespace FastBackprop.Tests.Data;

/// <summary>One column of a test table: its name, its Parquet type (the CLR type Parquet.Net maps),
/// its values (as doubles, converted to the type when written), whether it is optional, and a row
/// whose value is written as null (or -1 for none).</summary>
public sealed record TestColumn(string Name, Type Type, double[] Values, bool Nullable = false, int NullAt = -1);

/// <summary>Writes test tables as Parquet files with Parquet.Net's writer, and the same tables as CSV text.</summary>
public static class ParquetFiles
{
    /// <summary>The column types the reader takes, as the properties draw them.</summary>
    public static readonly Type[] NumericTypes =
        [typeof(float), typeof(double), typeof(int), typeof(long), typeof(short), typeof(sbyte), typeof(byte), typeof(ushort), typeof(uint), typeof(ulong), typeof(bool), typeof(decimal)];

    /// <summary>The Parquet file of <paramref name="columns"/>, in row groups of <paramref name="rowGroupSize"/> rows.</summary>
    public static byte[] Write(IReadOnlyList<TestColumn> columns, int rowGroupSize = int.MaxValue, CompressionMethod compression = CompressionMethod.Snappy) =>
        WriteAsync(columns, rowGroupSize, compression).GetAwaiter().GetResult();

    /// <summary>The CSV text of <paramref name="columns"/> with a header of their names; each value written as the
    /// float the Parquet reader makes of it (the tables hold values every type represents exactly).</summary>
    public static string Csv(IReadOnlyList<TestColumn> columns)
    {
        var text = new StringBuilder(string.Join(',', columns.Select(c => c.Name))).Append('\n');
        for (int r = 0; r < columns[0].Values.Length; r++)
        {
            text.Append(string.Join(',', columns.Select(c => ((float)c.Values[r]).ToString("R", CultureInfo.InvariantCulture)))).Append('\n');
        }
        return text.ToString();
    }

    private static async Task<byte[]> WriteAsync(IReadOnlyList<TestColumn> columns, int rowGroupSize, CompressionMethod compression)
    {
        DataField[] fields = [.. columns.Select(c => c.Type == typeof(decimal)
            ? new DecimalDataField(c.Name, precision: 18, scale: 4, isNullable: c.Nullable)
            : new DataField(c.Name, c.Type, isNullable: c.Nullable))];
        using var output = new MemoryStream();
        await using (ParquetWriter writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), output, new ParquetOptions { CompressionMethod = compression }))
        {
            int rows = columns[0].Values.Length;
            for (int start = 0; start < rows; start += rowGroupSize)
            {
                int count = Math.Min(rowGroupSize, rows - start);
                using ParquetRowGroupWriter group = writer.CreateRowGroup();
                for (int c = 0; c < columns.Count; c++) await WriteColumnAsync(group, fields[c], columns[c], start, count);
            }
        }
        return output.ToArray();
    }

    private static Task WriteColumnAsync(ParquetRowGroupWriter group, DataField field, TestColumn column, int start, int count)
    {
        double[] v = column.Values[start..(start + count)];
        int nullAt = column.NullAt - start;
        Type t = column.Type;
        if (t == typeof(float)) return Write(group, field, v.Select(x => (float)x).ToArray(), column.Nullable, nullAt);
        if (t == typeof(double)) return Write(group, field, v, column.Nullable, nullAt);
        if (t == typeof(int)) return Write(group, field, v.Select(x => (int)x).ToArray(), column.Nullable, nullAt);
        if (t == typeof(long)) return Write(group, field, v.Select(x => (long)x).ToArray(), column.Nullable, nullAt);
        if (t == typeof(short)) return Write(group, field, v.Select(x => (short)x).ToArray(), column.Nullable, nullAt);
        if (t == typeof(sbyte)) return Write(group, field, v.Select(x => (sbyte)x).ToArray(), column.Nullable, nullAt);
        if (t == typeof(byte)) return Write(group, field, v.Select(x => (byte)x).ToArray(), column.Nullable, nullAt);
        if (t == typeof(ushort)) return Write(group, field, v.Select(x => (ushort)x).ToArray(), column.Nullable, nullAt);
        if (t == typeof(uint)) return Write(group, field, v.Select(x => (uint)x).ToArray(), column.Nullable, nullAt);
        if (t == typeof(ulong)) return Write(group, field, v.Select(x => (ulong)x).ToArray(), column.Nullable, nullAt);
        if (t == typeof(bool)) return Write(group, field, v.Select(x => x != 0).ToArray(), column.Nullable, nullAt);
        if (t == typeof(decimal)) return Write(group, field, v.Select(x => (decimal)x).ToArray(), column.Nullable, nullAt);
        if (t == typeof(string)) return group.WriteAsync(field, v.Select(x => (string?)x.ToString(CultureInfo.InvariantCulture)).ToArray(), null);
        throw new ArgumentException($"no writer for {t.Name}");
    }

    private static Task Write<T>(ParquetRowGroupWriter group, DataField field, T[] values, bool nullable, int nullAt)
        where T : struct
    {
        if (!nullable) return group.WriteAsync<T>(field, values, null, null, CancellationToken.None);
        var withNulls = new T?[values.Length];
        for (int i = 0; i < values.Length; i++) withNulls[i] = i == nullAt ? null : values[i];
        return group.WriteAsync<T>(field, withNulls, null, null, CancellationToken.None);
    }
}
