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
        Dataset data = Data;
        int inputWidth = data.InputWidth, targetWidth = data.TargetWidth;
        ReadOnlySpan<float> x = data.Inputs, d = data.Targets, w = data.Weights;
        ReadOnlySpan<int> c = data.Labels;
        for (int p = 0; p < count; p++)
        {
            int row = RowAt(order.IsEmpty ? start + p : order[start + p]);
            if (!inputs.IsEmpty) x.Slice(row * inputWidth, inputWidth).CopyTo(inputs.Slice(p * inputWidth, inputWidth));
            if (!targets.IsEmpty) d.Slice(row * targetWidth, targetWidth).CopyTo(targets.Slice(p * targetWidth, targetWidth));
            if (!labels.IsEmpty) labels[p] = c[row];
            if (!weights.IsEmpty) weights[p] = w[row];
        }
    }
}
