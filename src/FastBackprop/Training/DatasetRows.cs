using FastBackprop.Data;

namespace FastBackprop.Training;

/// <summary>The rows of a data set that a run trains or validates on, read in place: all of them, or those of an
/// index list in its order (a part of a validation split, in ascending order; a job's rows, <see cref="TrainingJob.Rows"/>,
/// in the job's order, repeats allowed), so that neither splitting off validation data nor training on a job's rows copies
/// a row. Row <c>i</c> of the view is row <see cref="RowAt"/>(i) of <see cref="Data"/>.</summary>
internal sealed class DatasetRows
{
    private readonly int[]? rows;

    /// <summary>Every row of <paramref name="data"/>.</summary>
    public DatasetRows(Dataset data)
    {
        Data = data;
    }

    /// <summary>The rows <paramref name="rows"/> of <paramref name="data"/>, in that order.</summary>
    public DatasetRows(Dataset data, int[] rows)
    {
        Data = data;
        this.rows = rows;
    }

    /// <summary>The data set the rows belong to.</summary>
    public Dataset Data { get; }

    /// <summary>Rows in the view.</summary>
    public int Count => rows?.Length ?? Data.Count;

    /// <summary>The view's rows of <see cref="Data"/> in its order, or null for every row in the data's order.</summary>
    public int[]? Rows => rows;

    /// <summary>Whether the view is the whole data set in its own order (so that ranges of it are contiguous).</summary>
    public bool IsWhole => rows is null;

    /// <summary>Σ_p w_p over the view's rows in double (their count when the data has no weights): the divisor of an
    /// epoch's weighted means.</summary>
    public double WeightSum()
    {
        ReadOnlySpan<float> w = Data.Weights;
        if (w.IsEmpty) return Count;
        double sum = 0;
        for (int i = 0; i < Count; i++) sum += w[RowAt(i)];
        return sum;
    }

    /// <summary>The data set's row that is row <paramref name="index"/> of the view.</summary>
    public int RowAt(int index) => rows is null ? index : rows[index];

    /// <summary>Copies the view's rows [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>),
    /// mapped through <paramref name="order"/> when it is not empty (row <c>order[start + p]</c> of the view goes to
    /// place p), into those of the row blocks <paramref name="inputs"/>, <paramref name="targets"/>,
    /// <paramref name="labels"/> and <paramref name="weights"/> that are not empty.</summary>
    public void Gather(ReadOnlySpan<int> order, int start, int count, Span<float> inputs, Span<float> targets, Span<int> labels, Span<float> weights = default)
    {
        // A shuffled batch's rows lie scattered over a set larger than the caches. Copied one row at a time, each row
        // is a short stream that the prefetchers have barely picked up when it ends, so the copy runs at the latency of
        // memory (6 GB/s for 784-float rows of a 37.6 MB set on the Zen 4 host). Copying eight rows a cache line of
        // each in turn keeps eight rows' lines in flight: about 12 GB/s there (4 rows: 9.5 GB/s; 16 rows: 7 GB/s, more
        // streams than the core keeps misses in flight for). The values copied, and where they go, are the same.
        Dataset data = Data;
        ReadOnlySpan<float> w = data.Weights;
        ReadOnlySpan<int> c = data.Labels;
        Span<int> group = stackalloc int[RowsInFlight];
        for (int first = 0; first < count; first += RowsInFlight)
        {
            Span<int> rows = group[..Math.Min(RowsInFlight, count - first)];
            for (int i = 0; i < rows.Length; i++) rows[i] = RowAt(order.IsEmpty ? start + first + i : order[start + first + i]);
            for (int i = 0; i < rows.Length; i++)
            {
                if (!labels.IsEmpty) labels[first + i] = c[rows[i]];
                if (!weights.IsEmpty) weights[first + i] = w[rows[i]];
            }
            if (!targets.IsEmpty) CopyRows(data.Targets, data.TargetWidth, rows, targets[(first * data.TargetWidth)..]);
            if (!inputs.IsEmpty) CopyRows(data.Inputs, data.InputWidth, rows, inputs[(first * data.InputWidth)..]);
        }
    }

    /// <summary>Rows that <see cref="Gather"/> copies side by side.</summary>
    private const int RowsInFlight = 8;

    /// <summary>Floats in one cache line (64 bytes): the step by which <see cref="CopyRows"/> moves between rows.</summary>
    private const int LineFloats = 16;

    /// <summary>Copies rows <paramref name="rows"/> (each <paramref name="width"/> floats) of <paramref name="source"/> to
    /// the first rows of <paramref name="destination"/>, a cache line of each row in turn.</summary>
    private static void CopyRows(ReadOnlySpan<float> source, int width, ReadOnlySpan<int> rows, Span<float> destination)
    {
        int lines = width / LineFloats * LineFloats;
        for (int j = 0; j < lines; j += LineFloats)
        {
            for (int i = 0; i < rows.Length; i++)
            {
                source.Slice((rows[i] * width) + j, LineFloats).CopyTo(destination.Slice((i * width) + j, LineFloats));
            }
        }
        for (int i = 0; i < rows.Length; i++)
        {
            source.Slice((rows[i] * width) + lines, width - lines).CopyTo(destination.Slice((i * width) + lines, width - lines));
        }
    }
}
