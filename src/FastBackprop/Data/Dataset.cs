namespace FastBackprop.Data;

// ---------------------------------------------------------------------------------------------
// Dataset: two contiguous row-major blocks, inputs (Count x InputWidth) and targets
// (Count x TargetWidth), plus optional class labels. A Dataset is immutable after construction:
// every accessor hands out read-only spans, so one instance can be read by many threads at once,
// and datasets derived from it (scaling, subsets) may share its blocks without copying.
// ---------------------------------------------------------------------------------------------

/// <summary>Training or test samples held in two contiguous row-major blocks: inputs
/// (<see cref="Count"/> x <see cref="InputWidth"/>) and targets (<see cref="Count"/> x
/// <see cref="TargetWidth"/>); sample <c>i</c>'s input is <c>Inputs[i * InputWidth ..
/// (i + 1) * InputWidth]</c>. For classification it also holds one label per sample
/// (<see cref="Labels"/>, each in [0, <see cref="ClassCount"/>)) and the targets are their one-hot
/// codes (<c>target[i, k] = k == label[i] ? 1 : 0</c>).</summary>
/// <remarks>Immutable: the constructors copy their arguments and every accessor returns a read-only
/// span, so a dataset may be shared between threads. All values are finite.</remarks>
public sealed partial class Dataset
{
    private readonly float[] inputs;
    private readonly float[] targets;
    private readonly int[]? labels;
    private readonly float[]? weights;   // one per sample, or null (every sample weighs the same): Dataset.Weights.cs
    private readonly string[] warnings;

    // ---- construction -------------------------------------------------------------------------

    /// <summary>Creates a dataset with arbitrary targets (regression, or soft/one-hot targets
    /// without labels) from flat row-major blocks, which are copied.</summary>
    /// <param name="inputs">Count x <paramref name="inputWidth"/> values, row-major.</param>
    /// <param name="inputWidth">Values per input row; at least 1.</param>
    /// <param name="targets">Count x <paramref name="targetWidth"/> values, row-major.</param>
    /// <param name="targetWidth">Values per target row; at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A width is less than 1.</exception>
    /// <exception cref="ArgumentException"><paramref name="inputs"/>' length is not a multiple of
    /// <paramref name="inputWidth"/>, <paramref name="targets"/>' length is not Count x
    /// <paramref name="targetWidth"/>, or a value is NaN or infinite. The message names the
    /// parameter, the expected and the actual value.</exception>
    public Dataset(ReadOnlySpan<float> inputs, int inputWidth, ReadOnlySpan<float> targets, int targetWidth)
    {
        ThrowHelper.CheckAtLeast(inputWidth, 1, nameof(inputWidth));
        ThrowHelper.CheckAtLeast(targetWidth, 1, nameof(targetWidth));
        int count = CountRows(inputs.Length, inputWidth, nameof(inputs));
        CheckBlock(targets.Length, count, targetWidth, nameof(targets));
        CheckFinite(inputs, inputWidth, nameof(inputs));
        CheckFinite(targets, targetWidth, nameof(targets));
        this.inputs = inputs.ToArray();
        this.targets = targets.ToArray();
        warnings = [];
        Count = count;
        InputWidth = inputWidth;
        TargetWidth = targetWidth;
    }

    /// <summary>Creates a classification dataset from a flat row-major input block (copied) and one
    /// label per sample; the targets are the labels' one-hot codes, <see cref="TargetWidth"/> =
    /// <paramref name="classCount"/>.</summary>
    /// <param name="inputs">Count x <paramref name="inputWidth"/> values, row-major.</param>
    /// <param name="inputWidth">Values per input row; at least 1.</param>
    /// <param name="labels">Count labels, each in [0, <paramref name="classCount"/>).</param>
    /// <param name="classCount">Number of classes; at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A width or <paramref name="classCount"/> is
    /// less than 1, or a label is outside [0, <paramref name="classCount"/>).</exception>
    /// <exception cref="ArgumentException">The lengths do not agree, or an input is NaN or infinite.</exception>
    public Dataset(ReadOnlySpan<float> inputs, int inputWidth, ReadOnlySpan<int> labels, int classCount)
    {
        ThrowHelper.CheckAtLeast(inputWidth, 1, nameof(inputWidth));
        ThrowHelper.CheckAtLeast(classCount, 1, nameof(classCount));
        int count = CountRows(inputs.Length, inputWidth, nameof(inputs));
        CheckBlock(labels.Length, count, 1, nameof(labels));
        CheckLabels(labels, classCount, nameof(labels));
        CheckFinite(inputs, inputWidth, nameof(inputs));
        this.inputs = inputs.ToArray();
        this.labels = labels.ToArray();
        targets = OneHot(this.labels, classCount);
        warnings = [];
        Count = count;
        InputWidth = inputWidth;
        TargetWidth = classCount;
        ClassCount = classCount;
    }

    /// <summary>Creates a dataset with arbitrary targets from one array per sample (copied into
    /// contiguous blocks).</summary>
    /// <param name="inputs">One input row per sample; all of the same length, at least 1.</param>
    /// <param name="targets">One target row per sample; all of the same length, at least 1.</param>
    /// <exception cref="ArgumentNullException">An argument or one of its rows is null.</exception>
    /// <exception cref="ArgumentException">No rows, ragged rows (the message names the row, expected
    /// and actual length), different row counts, or a value that is NaN or infinite.</exception>
    public Dataset(float[][] inputs, float[][] targets)
        : this(Flatten(inputs, nameof(inputs), out int inputWidth), inputWidth,
               Flatten(targets, nameof(targets), out int targetWidth), targetWidth)
    {
    }

    /// <summary>Creates a classification dataset from one input array per sample and one label per
    /// sample; the targets are one-hot.</summary>
    /// <param name="inputs">One input row per sample; all of the same length, at least 1.</param>
    /// <param name="labels">One label per sample, each in [0, <paramref name="classCount"/>).</param>
    /// <param name="classCount">Number of classes; at least 1.</param>
    /// <exception cref="ArgumentNullException">An argument or one of its rows is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is out of range or <paramref name="classCount"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">No rows, ragged rows, different counts, or a non-finite input.</exception>
    public Dataset(float[][] inputs, int[] labels, int classCount)
        : this(Flatten(inputs, nameof(inputs), out int inputWidth), inputWidth,
               (ReadOnlySpan<int>)(labels ?? throw new ArgumentNullException(nameof(labels))), classCount)
    {
    }

    /// <summary>Takes ownership of already validated blocks (readers, subsets, scaling).</summary>
    internal Dataset(float[] inputs, int inputWidth, float[] targets, int targetWidth, int[]? labels, int classCount,
        InputScaling? scaling = null, string[]? warnings = null, float[]? weights = null)
    {
        this.inputs = inputs;
        this.targets = targets;
        this.labels = labels;
        this.weights = weights;
        this.warnings = warnings ?? [];
        InputWidth = inputWidth;
        TargetWidth = targetWidth;
        Count = inputs.Length / inputWidth;
        ClassCount = labels is null ? 0 : classCount;
        Scaling = scaling;
    }

    /// <summary>A classification dataset over owned, validated inputs and labels.</summary>
    internal static Dataset FromOwnedLabels(float[] inputs, int inputWidth, int[] labels, int classCount,
        InputScaling? scaling = null, string[]? warnings = null, float[]? weights = null) =>
        new(inputs, inputWidth, OneHot(labels, classCount), classCount, labels, classCount, scaling, warnings, weights);

    // ---- shape --------------------------------------------------------------------------------

    /// <summary>Number of samples.</summary>
    public int Count { get; }

    /// <summary>Values per input row.</summary>
    public int InputWidth { get; }

    /// <summary>Values per target row (the class count for classification).</summary>
    public int TargetWidth { get; }

    /// <summary>Number of classes for a classification dataset (labels present); 0 otherwise.</summary>
    public int ClassCount { get; }

    /// <summary>Whether the dataset carries class labels (classification with one-hot targets).</summary>
    public bool HasLabels => labels is not null;

    // ---- provenance ---------------------------------------------------------------------------

    /// <summary>The scaling already applied to <see cref="Inputs"/>: <c>Inputs = Scaling(raw inputs)</c>,
    /// where the raw inputs are the numbers as the file holds them. Set by the loaders that scale
    /// (<see cref="EmbeddedData.Digits"/>: counts / 16; <see cref="FromIdx(string, string, int, bool)"/>:
    /// pixels / 255) and by <see cref="InputScaling.Apply(Dataset)"/>, which composes its scaling with
    /// this one; null when the inputs are as given. <see cref="IO.Model(Network, Dataset, IReadOnlyDictionary{string, string}?)"/>
    /// stores it, so that a saved model is applied to raw rows exactly as its network was trained.</summary>
    public InputScaling? Scaling { get; }

    /// <summary>Notes from the reader about data that loads but looks wrong, one sentence each (for
    /// example a class count inferred from a stray large label). Empty for data built in code;
    /// derived datasets (subsets, splits, scaled copies) keep them. A program should show them to
    /// its user: nothing else reports them.</summary>
    public IReadOnlyList<string> Warnings => warnings;

    // ---- access -------------------------------------------------------------------------------

    /// <summary>The whole input block, <see cref="Count"/> x <see cref="InputWidth"/>, row-major.</summary>
    public ReadOnlySpan<float> Inputs => inputs;

    /// <summary>The whole target block, <see cref="Count"/> x <see cref="TargetWidth"/>, row-major.</summary>
    public ReadOnlySpan<float> Targets => targets;

    /// <summary>One label per sample, or an empty span when <see cref="HasLabels"/> is false.</summary>
    public ReadOnlySpan<int> Labels => labels;

    /// <summary>The input row of sample <paramref name="index"/> (<see cref="InputWidth"/> values).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside [0, <see cref="Count"/>).</exception>
    public ReadOnlySpan<float> GetInput(int index)
    {
        CheckIndex(index);
        return inputs.AsSpan(index * InputWidth, InputWidth);
    }

    /// <summary>The target row of sample <paramref name="index"/> (<see cref="TargetWidth"/> values).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside [0, <see cref="Count"/>).</exception>
    public ReadOnlySpan<float> GetTarget(int index)
    {
        CheckIndex(index);
        return targets.AsSpan(index * TargetWidth, TargetWidth);
    }

    /// <summary>The class label of sample <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside [0, <see cref="Count"/>).</exception>
    /// <exception cref="InvalidOperationException">The dataset has no labels.</exception>
    public int GetLabel(int index)
    {
        CheckIndex(index);
        if (labels is null) throw new InvalidOperationException("The dataset has no class labels (it was built with explicit targets).");
        return labels[index];
    }

    /// <summary>The contiguous input rows [<paramref name="start"/>, <paramref name="start"/> +
    /// <paramref name="count"/>): a <paramref name="count"/> x <see cref="InputWidth"/> row-major view, no copy.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not within [0, <see cref="Count"/>].</exception>
    public ReadOnlySpan<float> GetInputs(int start, int count)
    {
        CheckRange(start, count);
        return inputs.AsSpan(start * InputWidth, count * InputWidth);
    }

    /// <summary>The contiguous target rows [<paramref name="start"/>, <paramref name="start"/> +
    /// <paramref name="count"/>): a <paramref name="count"/> x <see cref="TargetWidth"/> row-major view, no copy.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not within [0, <see cref="Count"/>].</exception>
    public ReadOnlySpan<float> GetTargets(int start, int count)
    {
        CheckRange(start, count);
        return targets.AsSpan(start * TargetWidth, count * TargetWidth);
    }

    /// <summary>The labels of rows [<paramref name="start"/>, <paramref name="start"/> +
    /// <paramref name="count"/>), or an empty span when the dataset has no labels.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not within [0, <see cref="Count"/>].</exception>
    public ReadOnlySpan<int> GetLabels(int start, int count)
    {
        CheckRange(start, count);
        return labels is null ? default : labels.AsSpan(start, count);
    }

    /// <summary>The rows [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>)
    /// as one mini-batch view (inputs, targets, labels), no copy.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not within [0, <see cref="Count"/>].</exception>
    public DatasetBatch GetBatch(int start, int count) =>
        new(GetInputs(start, count), GetTargets(start, count), GetLabels(start, count), count, InputWidth, TargetWidth)
        {
            Weights = weights is null ? default : weights.AsSpan(start, count),
        };

    // ---- derived datasets ---------------------------------------------------------------------

    /// <summary>A new dataset holding copies of the samples <paramref name="indices"/>, in that
    /// order (repeats allowed, so it also serves for bootstrap samples and shuffled copies).
    /// Labels, weights (<see cref="Weights"/>; the subset's may all be 0), <see cref="ClassCount"/>, <see cref="Scaling"/> and <see cref="Warnings"/> carry over.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, <see cref="Count"/>).</exception>
    public Dataset Subset(ReadOnlySpan<int> indices)
    {
        for (int i = 0; i < indices.Length; i++)
        {
            if ((uint)indices[i] >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), indices[i],
                    $"indices[{i}] is {indices[i]}; expected an index in [0, {Count}).");
            }
        }

        var x = new float[(long)indices.Length * InputWidth];
        var d = new float[(long)indices.Length * TargetWidth];
        int[]? c = labels is null ? null : new int[indices.Length];
        float[]? w = weights is null ? null : new float[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            int s = indices[i];
            inputs.AsSpan(s * InputWidth, InputWidth).CopyTo(x.AsSpan(i * InputWidth));
            targets.AsSpan(s * TargetWidth, TargetWidth).CopyTo(d.AsSpan(i * TargetWidth));
            if (c is not null) c[i] = labels![s];
            if (w is not null) w[i] = weights![s];
        }
        return new Dataset(x, InputWidth, d, TargetWidth, c, ClassCount, Scaling, warnings, w);
    }

    /// <summary>Splits the samples at random into two disjoint datasets that together hold every
    /// sample once: <c>First</c> gets round(<paramref name="fraction"/> x <see cref="Count"/>)
    /// samples (rounded half to even), <c>Second</c> the rest. Typical use:
    /// <c>var (train, test) = data.Split(0.8, seed: 1);</c></summary>
    /// <remarks>Deterministic on every platform: a Fisher-Yates shuffle of 0..Count-1 driven by
    /// <see cref="SeededRandom"/>(<paramref name="seed"/>) picks the members of each part, and each
    /// part keeps the original order of its samples, and its weights (<see cref="Weights"/>). Not stratified (see
    /// <see cref="StratifiedSplit"/>). A part whose samples all weigh 0 is still returned (training on or evaluating it
    /// throws: its weighted mean is 0 / 0).</remarks>
    /// <param name="fraction">Share of the samples that go to <c>First</c>, in [0, 1].</param>
    /// <param name="seed">Seed of the shuffle.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fraction"/> is not in [0, 1] (or NaN).</exception>
    public (Dataset First, Dataset Second) Split(double fraction, ulong seed)
    {
        if (!(fraction >= 0 && fraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, $"fraction is {fraction}; expected a number in [0, 1].");
        }

        (int[] first, int[] second) = SplitRows(fraction, seed);
        return (Subset(first), Subset(second));
    }

    /// <summary>The rows of the two parts of <see cref="Split"/> (<paramref name="fraction"/> checked by the caller),
    /// each in ascending order: the trainer's validation split reads them in place instead of copying them.</summary>
    internal (int[] First, int[] Second) SplitRows(double fraction, ulong seed) => SplitRows(fraction, seed, null);

    /// <summary>The rows <see cref="Split"/> and <see cref="StratifiedSplit"/> put in their first part out of
    /// <paramref name="count"/>: round(<paramref name="fraction"/> x <paramref name="count"/>), half to even.</summary>
    internal static int SplitCount(double fraction, int count) => (int)Math.Round(fraction * count, MidpointRounding.ToEven);

    /// <summary>As <see cref="SplitRows(double, ulong)"/> on <c>Subset(rows)</c> (every row when <paramref name="rows"/> is
    /// null), given as rows of this data set: position i of the subset is row <c>rows[i]</c>. Each part lists its rows in
    /// the subset's order, so a view of them gathers what the subset's part would hold.</summary>
    internal (int[] First, int[] Second) SplitRows(double fraction, ulong seed, int[]? rows)
    {
        int count = rows?.Length ?? Count;
        int[] order = new int[count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var random = new SeededRandom(seed);
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = random.NextInt32(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        int firstCount = SplitCount(fraction, count);
        int[] first = order[..firstCount], second = order[firstCount..];
        Array.Sort(first);
        Array.Sort(second);
        return (MapRows(first, rows), MapRows(second, rows));
    }

    /// <summary>As <see cref="Split"/>, stratified by class: <c>First</c> gets the same round(<paramref name="fraction"/> x
    /// <see cref="Count"/>) samples in total, and each class c of n_c samples gets floor(<paramref name="fraction"/> x n_c) or
    /// one more, so within one sample of its exact share (the largest remainders get the extra samples, ties to the
    /// lower class), as scikit-learn's <c>train_test_split(stratify=y)</c> keeps the class proportions.</summary>
    /// <remarks>Deterministic on every platform: one <see cref="SeededRandom"/>(<paramref name="seed"/>) shuffles each
    /// class's samples in turn (Fisher-Yates, classes in label order); each class's first samples in that order go to
    /// <c>First</c>, and each part keeps the original order of its samples.</remarks>
    /// <param name="fraction">Share of the samples that go to <c>First</c>, in [0, 1].</param>
    /// <param name="seed">Seed of the shuffle.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fraction"/> is not in [0, 1] (or NaN).</exception>
    /// <exception cref="InvalidOperationException">The dataset has no class labels.</exception>
    public (Dataset First, Dataset Second) StratifiedSplit(double fraction, ulong seed)
    {
        if (!(fraction >= 0 && fraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, $"fraction is {fraction}; expected a number in [0, 1].");
        }
        if (labels is null) throw new InvalidOperationException("StratifiedSplit needs class labels; this dataset has targets only (use Split).");
        (int[] first, int[] second) = StratifiedSplitRows(fraction, seed);
        return (Subset(first), Subset(second));
    }

    /// <summary>The rows of the two parts of <see cref="StratifiedSplit"/> (labels and <paramref name="fraction"/> checked
    /// by the caller), each in ascending order.</summary>
    internal (int[] First, int[] Second) StratifiedSplitRows(double fraction, ulong seed) => StratifiedSplitRows(fraction, seed, null);

    /// <summary>As <see cref="StratifiedSplitRows(double, ulong)"/> on <c>Subset(rows)</c> (every row when
    /// <paramref name="rows"/> is null), given as rows of this data set in the subset's order (see
    /// <see cref="SplitRows(double, ulong, int[])"/>).</summary>
    internal (int[] First, int[] Second) StratifiedSplitRows(double fraction, ulong seed, int[]? rows)
    {
        int count = rows?.Length ?? Count;
        int[] subsetLabels = rows is null ? labels! : new int[count];
        if (rows is not null)
        {
            for (int i = 0; i < count; i++) subsetLabels[i] = labels![rows[i]];
        }
        int[][] members = StratifiedSplitting.Members(subsetLabels, ClassCount);
        int[] quota = StratifiedSplitting.Quotas(members, fraction, SplitCount(fraction, count));
        var random = new SeededRandom(seed);
        var first = new List<int>(count);
        var second = new List<int>(count);
        for (int c = 0; c < members.Length; c++)
        {
            int[] positions = members[c];
            for (int i = positions.Length - 1; i > 0; i--)
            {
                int j = random.NextInt32(i + 1);
                (positions[i], positions[j]) = (positions[j], positions[i]);
            }
            first.AddRange(positions.AsSpan(0, quota[c]));
            second.AddRange(positions.AsSpan(quota[c]));
        }
        int[] a = [.. first], b = [.. second];
        Array.Sort(a);
        Array.Sort(b);
        return (MapRows(a, rows), MapRows(b, rows));
    }

    // Positions of the subset `rows` (ascending) as rows of this data set, in place; the positions themselves without one.
    private static int[] MapRows(int[] positions, int[]? rows)
    {
        if (rows is null) return positions;
        for (int i = 0; i < positions.Length; i++) positions[i] = rows[positions[i]];
        return positions;
    }

    /// <summary>A dataset with new (validated, owned) inputs, the scaling that produced them from the
    /// raw inputs, and this one's targets, labels, weights and warnings.</summary>
    internal Dataset WithInputs(float[] newInputs, InputScaling? scaling) =>
        new(newInputs, InputWidth, targets, TargetWidth, labels, ClassCount, scaling, warnings, weights);

    /// <summary>A dataset with new (validated, owned) regression targets and this one's inputs,
    /// scaling, weights and warnings (<see cref="TargetScaling.Apply(Dataset)"/>; never for labelled data).</summary>
    internal Dataset WithTargets(float[] newTargets) =>
        new(inputs, InputWidth, newTargets, TargetWidth, labels, ClassCount, Scaling, warnings, weights);

    /// <summary>The input block itself, for readers in this assembly that never write to it.</summary>
    internal float[] InputArray => inputs;

    /// <inheritdoc/>
    public override string ToString() =>
        HasLabels
            ? $"Dataset: {Count} samples x {InputWidth} inputs, {ClassCount} {(ClassCount == 1 ? "class" : "classes")}"
            : $"Dataset: {Count} samples x {InputWidth} inputs, {TargetWidth} targets";

    // ---- validation ---------------------------------------------------------------------------

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"index is {index}; expected an index in [0, {Count}).");
        }
    }

    private void CheckRange(int start, int count)
    {
        if (start < 0 || count < 0 || start > Count - count)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start,
                $"rows [{start}, {(long)start + count}) requested; expected a range within [0, {Count}).");
        }
    }

    private static int CountRows(int length, int width, string paramName)
    {
        if (length % width != 0)
        {
            throw new ArgumentException($"{paramName} has length {length}; expected a multiple of the row width {width}.", paramName);
        }
        return length / width;
    }

    private static void CheckBlock(int length, int rows, int width, string paramName)
    {
        if ((long)rows * width != length)
        {
            throw new ArgumentException(
                $"{paramName} has length {length}; expected {rows} rows x {width} = {(long)rows * width} (one row per input row).", paramName);
        }
    }

    private static void CheckFinite(ReadOnlySpan<float> values, int width, string paramName)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentException(
                    $"{paramName}[{i}] (row {i / width}, column {i % width}) is {values[i]}; expected a finite number.", paramName);
            }
        }
    }

    private static void CheckLabels(ReadOnlySpan<int> labels, int classCount, string paramName)
    {
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classCount)
            {
                throw new ArgumentOutOfRangeException(paramName, labels[i],
                    $"{paramName}[{i}] is {labels[i]}; expected a class in [0, {classCount}).");
            }
        }
    }

    private static float[] Flatten(float[][] rows, string paramName, out int width)
    {
        ArgumentNullException.ThrowIfNull(rows, paramName);
        if (rows.Length == 0)
        {
            throw new ArgumentException($"{paramName} has no rows; expected at least one (the row width is taken from the first).", paramName);
        }

        width = (rows[0] ?? throw new ArgumentNullException(paramName, $"{paramName}[0] is null.")).Length;
        if ((long)rows.Length * width > Array.MaxLength)
        {
            throw new ArgumentException($"{paramName} holds {(long)rows.Length * width} values; expected at most {Array.MaxLength}.", paramName);
        }

        var flat = new float[rows.Length * width];
        for (int i = 0; i < rows.Length; i++)
        {
            float[] row = rows[i] ?? throw new ArgumentNullException(paramName, $"{paramName}[{i}] is null.");
            if (row.Length != width)
            {
                throw new ArgumentException($"{paramName}[{i}] has length {row.Length}; expected {width} (the length of {paramName}[0]).", paramName);
            }
            row.CopyTo(flat, i * width);
        }
        return flat;
    }

    private static float[] OneHot(int[] labels, int classCount)
    {
        if ((long)labels.Length * classCount > Array.MaxLength)
        {
            throw new ArgumentException($"{labels.Length} samples x {classCount} classes is more than {Array.MaxLength} target values.", nameof(classCount));
        }

        var oneHot = new float[labels.Length * classCount];
        for (int i = 0; i < labels.Length; i++) oneHot[i * classCount + labels[i]] = 1f;
        return oneHot;
    }
}
