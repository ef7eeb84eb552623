using System.Globalization;
using FastBackprop.Data;
using Parquet;
using Parquet.Schema;

namespace FastBackprop.Parquet;

// ---------------------------------------------------------------------------------------------
// Parquet to Dataset, column by column: the file's leaf columns are the fields of a CSV row, the
// target and weight columns are resolved as CsvReader resolves them, and every value passes the
// checks a CSV cell passes (finite, fits a float; labels whole and in range; weights >= 0).
// Row numbers in messages are 1-based over the whole file (row groups one after another).
// ---------------------------------------------------------------------------------------------

/// <summary>Reads one Parquet file into a <see cref="Dataset"/> (entry point: <see cref="ParquetDataset.ReadAsync"/>).</summary>
internal sealed partial class ParquetTableReader
{
    private readonly WindowedStream file;
    private readonly string source;
    private readonly CsvOptions options;
    private readonly bool classification;
    private DataField[] columns = [];
    private ColumnRoles roles = null!;
    private string? reading;   // the column being decoded, for a message when Parquet.Net fails

    private ParquetTableReader(WindowedStream file, string source, CsvOptions options)
    {
        this.file = file;
        this.source = source;
        this.options = options;
        classification = options.TargetKind == CsvTargetKind.Classification;
    }

    /// <summary>Reads the whole file as <paramref name="options"/> (already validated) describe.</summary>
    public static Task<Dataset> ReadAsync(WindowedStream file, string source, CsvOptions options, CancellationToken cancellationToken) =>
        new ParquetTableReader(file, source, options).ReadAsync(cancellationToken);

    private async Task<Dataset> ReadAsync(CancellationToken cancellationToken)
    {
        long footerStart = ParquetChecks.CheckFooter(file, source);
        try
        {
            ParquetReader reader = await ParquetReader.CreateAsync(file, new ParquetOptions(), leaveStreamOpen: true, cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                ParquetChecks.CheckSchemaDepth(reader.Metadata!.Schema, source);
                columns = FlatColumns(reader.Schema);
                roles = ColumnRoles.Resolve(columns, options, source);
                var table = new TableBuffers(CountRows(reader), roles, classification);
                long rowStart = 0;
                for (int g = 0; g < reader.RowGroupCount; g++)
                {
                    ParquetRowGroupReader group = reader.OpenRowGroupReader(g);
                    for (int c = 0; c < columns.Length; c++)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        await ReadColumnAsync(group, g, c, footerStart, rowStart, table, cancellationToken).ConfigureAwait(false);
                    }
                    rowStart += group.RowCount;
                }
                return table.ToDataset(source, options, roles);
            }
        }
        catch (Exception e) when (e is not (DataFormatException or OperationCanceledException or OutOfMemoryException))
        {
            throw Wrapped(e);
        }
    }

    // Every leaf column, in schema order; a nested or repeated one is refused by name.
    private DataField[] FlatColumns(ParquetSchema schema)
    {
        foreach (Field field in schema.Fields)
        {
            if (field.SchemaType != SchemaType.Data || field is DataField { IsArray: true } || field.MaxRepetitionLevel > 0)
            {
                throw DataFormatException.InSource(source, $"column '{field.Name}' is a {Describe(field.SchemaType)}; expected flat numeric columns, one value per row.");
            }
        }
        DataField[] fields = schema.GetDataFields();
        if (fields.Length == 0) throw DataFormatException.InSource(source, "the file has no columns; expected columns of numbers.");
        for (int c = 0; c < fields.Length; c++)
        {
            if (!NumericColumn.IsReadable(fields[c].ClrType))
            {
                throw DataFormatException.InSource(source, $"column {c + 1} ('{fields[c].Name}') holds {NumericColumn.Describe(fields[c].ClrType)}; expected numbers " +
                    "(float, double, integers, boolean or decimal). Class labels are whole numbers 0..k-1, as in a CSV file.");
            }
        }
        return fields;
    }

    private static string Describe(SchemaType type) => type switch
    {
        SchemaType.List => "list",
        SchemaType.Map => "map",
        SchemaType.Struct => "struct (a group of columns)",
        _ => "repeated column",
    };

    // The rows of all row groups; the claim is bounded by the file's size before anything is allocated for it.
    private long CountRows(ParquetReader reader)
    {
        long rows = 0;
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            long n = reader.OpenRowGroupReader(g).RowCount;
            if (n < 0) throw DataFormatException.InSource(source, $"row group {g + 1} claims {n} rows; the file is corrupt.");
            rows += Math.Min(n, Array.MaxLength);
            if (rows > Array.MaxLength) break;
        }
        long values = rows * columns.Length;
        if (values > Array.MaxLength) throw DataFormatException.InSource(source, $"more than {Array.MaxLength} values; the reader's limit.");
        long allowance = ParquetDataset.MinValueAllowance + (long)ParquetDataset.MaxValuesPerByte * file.Length;
        if (values > allowance)
        {
            throw DataFormatException.InSource(source, $"{rows} rows x {columns.Length} columns in {file.Length} bytes is more than " +
                $"{ParquetDataset.MaxValuesPerByte} values per byte; the file is corrupt (or compressed beyond what the reader accepts).");
        }
        if (rows == 0) throw DataFormatException.InSource(source, "the file has columns but no rows; expected rows of numbers.");
        return rows;
    }

    // One column chunk: its pages checked, then decoded (only those pages may be read) and placed.
    private async ValueTask ReadColumnAsync(ParquetRowGroupReader group, int g, int c, long footerStart, long rowStart, TableBuffers table, CancellationToken cancellationToken)
    {
        DataField field = columns[c];
        int rows = (int)group.RowCount;
        global::Parquet.Meta.ColumnMetaData meta = group.GetMetadata(field)?.MetaData
            ?? throw DataFormatException.InSource(source, $"row group {g + 1} has no data for column {c + 1} ('{field.Name}'); the file is corrupt.");
        if (meta.NumValues != rows)
        {
            throw DataFormatException.InSource(source, $"row group {g + 1}: column {c + 1} ('{field.Name}') holds {meta.NumValues} values for {rows} rows; the file is corrupt.");
        }
        (long start, long end) = ParquetChecks.CheckPages(file, source, meta, field.Name, footerStart);
        file.SetWindow(start, end);
        reading = $"column {c + 1} ('{field.Name}') of row group {g + 1}";
        (double[] values, int firstNull) = await NumericColumn.ReadAsync(group, field, rows, cancellationToken).ConfigureAwait(false);
        reading = null;
        file.SetWindow(0, file.Length);
        if (firstNull >= 0) throw Error(rowStart + firstNull, c, "null (a missing value); expected a number.");
        PlaceColumn(c, rowStart, values, table);
    }

    private void PlaceColumn(int c, long rowStart, double[] values, TableBuffers table)
    {
        ColumnRole role = roles.RoleOf(c);
        for (int r = 0; r < values.Length; r++)
        {
            double v = values[r];
            long row = rowStart + r;
            switch (role.Kind)
            {
                case ColumnKind.Label: table.SetLabel(row, Label(v, row, c)); break;
                case ColumnKind.Weight: table.SetWeight(row, Weight(v, row, c)); break;
                default: table.Set(role, row, Float(v, row, c)); break;
            }
        }
    }

    private float Float(double v, long row, int c)
    {
        if (!double.IsFinite(v)) throw Error(row, c, $"value {Show(v)} is not a finite number; expected a finite number.");
        if (Math.Abs(v) > float.MaxValue)
        {
            throw Error(row, c, $"value {Show(v)} does not fit a float (largest magnitude {float.MaxValue.ToString(CultureInfo.InvariantCulture)}).");
        }
        return (float)v;
    }

    private int Label(double v, long row, int c)
    {
        if (!double.IsFinite(v)) throw Error(row, c, $"value {Show(v)} is not a finite number; expected a whole-number class label.");
        if (v != Math.Floor(v)) throw Error(row, c, $"label {Show(v)} is not a whole number; expected a class label.");
        int limit = options.ClassCount ?? CsvOptions.MaxInferredClassCount;
        if (v < 0 || v >= limit)
        {
            throw Error(row, c, options.ClassCount is null
                ? $"label {Show(v)} is out of range; expected a class in [0, {CsvOptions.MaxInferredClassCount}) (use CsvOptions.ClassCount for more classes)."
                : $"label {Show(v)} is out of range; expected a class in [0, {options.ClassCount}) (CsvOptions.ClassCount).");
        }
        return (int)v;
    }

    private float Weight(double v, long row, int c)
    {
        float weight = Float(v, row, c);
        if (weight < 0) throw Error(row, c, $"weight {Show(v)} is negative; expected a finite number, 0 or more (CsvOptions.WeightColumn).");
        return weight;
    }

    private DataFormatException Error(long row, int c, string problem) => DataFormatException.AtRow(source, row + 1, c, columns[c].Name, problem);

    private static string Show(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    // A failure inside Parquet.Net (a decoder meeting bytes the checks could not judge), named by file and column.
    private DataFormatException Wrapped(Exception e)
    {
        string where = reading is null ? "" : $"{reading}: ";
        string problem = e is OutsideWindowException
            ? "its pages decode fewer values than they claim; the file is truncated or corrupt."
            : $"cannot be decoded ({e.GetType().Name}: {e.Message}); the file is truncated or corrupt.";
        return e is OutsideWindowException w
            ? DataFormatException.AtByte(source, w.Position, where + problem, inner: e)
            : DataFormatException.InSource(source, (reading is null ? "the file " : where) + problem, e);
    }
}
