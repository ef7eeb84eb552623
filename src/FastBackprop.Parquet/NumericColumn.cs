using System.Numerics;
using Parquet;
using Parquet.Schema;

namespace FastBackprop.Parquet;

/// <summary>The column types the reader takes, and one column chunk read as doubles through Parquet.Net's
/// low-level <see cref="ParquetRowGroupReader.ReadRawAsync"/> (no reflection: each type is its own
/// instantiation, so the reader stays trimming and NativeAOT safe).</summary>
internal static class NumericColumn
{
    /// <summary>Whether values of <paramref name="type"/> (a <see cref="DataField.ClrType"/>) are read.</summary>
    public static bool IsReadable(Type type) =>
        type == typeof(float) || type == typeof(double) || type == typeof(Half) || type == typeof(decimal) || type == typeof(bool) ||
        type == typeof(sbyte) || type == typeof(short) || type == typeof(int) || type == typeof(long) ||
        type == typeof(byte) || type == typeof(ushort) || type == typeof(uint) || type == typeof(ulong);

    /// <summary>What a column of <paramref name="type"/> holds, for the message refusing it.</summary>
    public static string Describe(Type type) =>
        type == typeof(string) || type == typeof(ReadOnlyMemory<char>) ? "text (strings)"
        : type == typeof(byte[]) || type == typeof(ReadOnlyMemory<byte>) ? "binary values"
        : type == typeof(DateTime) || type == typeof(DateOnly) || type == typeof(TimeSpan) || type == typeof(TimeOnly) ? $"dates or times ({type.Name})"
        : $"{type.Name} values";

    /// <summary>The chunk's <paramref name="rows"/> values as doubles, and the 0-based row of its first null
    /// (-1 without one; the values are then not in row order and not to be used).</summary>
    public static async ValueTask<(double[] Values, int FirstNull)> ReadAsync(ParquetRowGroupReader group, DataField field, int rows, CancellationToken cancellationToken)
    {
        Type t = field.ClrType;
        if (t == typeof(bool)) return await ReadBooleansAsync(group, field, rows, cancellationToken).ConfigureAwait(false);
        if (t == typeof(float)) return await ReadAsync<float>(group, field, rows, cancellationToken).ConfigureAwait(false);
        if (t == typeof(double)) return await ReadAsync<double>(group, field, rows, cancellationToken).ConfigureAwait(false);
        if (t == typeof(Half)) return await ReadAsync<Half>(group, field, rows, cancellationToken).ConfigureAwait(false);
        if (t == typeof(decimal)) return await ReadAsync<decimal>(group, field, rows, cancellationToken).ConfigureAwait(false);
        if (t == typeof(sbyte)) return await ReadAsync<sbyte>(group, field, rows, cancellationToken).ConfigureAwait(false);
        if (t == typeof(short)) return await ReadAsync<short>(group, field, rows, cancellationToken).ConfigureAwait(false);
        if (t == typeof(int)) return await ReadAsync<int>(group, field, rows, cancellationToken).ConfigureAwait(false);
        if (t == typeof(long)) return await ReadAsync<long>(group, field, rows, cancellationToken).ConfigureAwait(false);
        if (t == typeof(byte)) return await ReadAsync<byte>(group, field, rows, cancellationToken).ConfigureAwait(false);
        if (t == typeof(ushort)) return await ReadAsync<ushort>(group, field, rows, cancellationToken).ConfigureAwait(false);
        if (t == typeof(uint)) return await ReadAsync<uint>(group, field, rows, cancellationToken).ConfigureAwait(false);
        if (t == typeof(ulong)) return await ReadAsync<ulong>(group, field, rows, cancellationToken).ConfigureAwait(false);
        throw new NotSupportedException($"column type {t.Name}");   // FlatColumns refused it already
    }

    private static async ValueTask<(double[], int)> ReadAsync<T>(ParquetRowGroupReader group, DataField field, int rows, CancellationToken cancellationToken)
        where T : struct, INumberBase<T>
    {
        var raw = new T[rows];
        int[]? levels = field.MaxDefinitionLevel > 0 ? new int[rows] : null;
        await group.ReadRawAsync<T>(field, raw, levels?.AsMemory(), null, cancellationToken).ConfigureAwait(false);
        var values = new double[rows];
        for (int r = 0; r < rows; r++) values[r] = double.CreateTruncating(raw[r]);
        return (values, FirstNull(levels, field.MaxDefinitionLevel));
    }

    private static async ValueTask<(double[], int)> ReadBooleansAsync(ParquetRowGroupReader group, DataField field, int rows, CancellationToken cancellationToken)
    {
        var raw = new bool[rows];
        int[]? levels = field.MaxDefinitionLevel > 0 ? new int[rows] : null;
        await group.ReadRawAsync<bool>(field, raw, levels?.AsMemory(), null, cancellationToken).ConfigureAwait(false);
        var values = new double[rows];
        for (int r = 0; r < rows; r++) values[r] = raw[r] ? 1 : 0;
        return (values, FirstNull(levels, field.MaxDefinitionLevel));
    }

    // A row's definition level below the column's maximum means its value is null.
    private static int FirstNull(int[]? levels, int max)
    {
        if (levels is null) return -1;
        for (int r = 0; r < levels.Length; r++)
        {
            if (levels[r] < max) return r;
        }
        return -1;
    }
}
