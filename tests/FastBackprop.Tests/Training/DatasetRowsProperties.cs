using FastBackprop.Data;
using FastBackprop.Training;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Training;

// ---------------------------------------------------------------------------------------------
// DatasetRows.Gather copies a batch's rows several at a time, a cache line of each in turn. Here it
// is held to the plain definition, one row after another: for widths below, at and past a cache
// line (16 floats) and past a group of rows (8), views with and without a row list (repeats
// allowed), shuffled orders and ranges that start anywhere, labelled and weighted data. A
// counterexample prints as one record and replays from its seed.
// ---------------------------------------------------------------------------------------------

/// <summary>DatasetRows.Gather against a row-by-row copy.</summary>
public class DatasetRowsProperties
{
    /// <summary>One drawn case: the data's shape, the view's row list (null: every row), the range and the seed.</summary>
    public sealed record GatherCase(int Rows, int InputWidth, int TargetWidth, bool Labelled, bool Weighted, int[]? View, bool Shuffled, int Start, int Count, int Seed)
    {
        public override string ToString() =>
            $"rows {Rows} input width {InputWidth} target width {TargetWidth} labelled {Labelled} weighted {Weighted} " +
            $"view {(View is null ? "all" : "[" + string.Join(",", View) + "]")} shuffled {Shuffled} start {Start} count {Count} seed {Seed}";
    }

    private static Arbitrary<GatherCase> Cases() =>
        (from rows in Gen.Choose(1, 40)
         from inputWidth in Gen.Elements(1, 3, 15, 16, 17, 31, 32, 33, 50, 784)
         from targetWidth in Gen.Elements(1, 2, 10, 17)
         from labelled in ArbMap.Default.GeneratorFor<bool>()
         from weighted in ArbMap.Default.GeneratorFor<bool>()
         from viewed in ArbMap.Default.GeneratorFor<bool>()
         from viewLength in Gen.Choose(1, 40)
         from view in Gen.Choose(0, rows - 1).ArrayOf(viewLength)
         from shuffled in ArbMap.Default.GeneratorFor<bool>()
         from startShare in Gen.Choose(0, 100)
         from countShare in Gen.Choose(0, 100)
         from seed in Gen.Choose(0, int.MaxValue)
         let length = viewed ? viewLength : rows
         let start = startShare * (length - 1) / 100
         let count = countShare * (length - start) / 100
         select new GatherCase(rows, inputWidth, labelled ? 0 : targetWidth, labelled, weighted, viewed ? view : null, shuffled, start, count, seed)).ToArbitrary();

    [Property(MaxTest = 200)]
    public Property Gather_EqualsARowByRowCopy() =>
        Prop.ForAll(Cases(), c =>
        {
            Dataset data = CreateData(c);
            DatasetRows rows = c.View is null ? new DatasetRows(data) : new DatasetRows(data, c.View);
            int[] order = c.Shuffled ? Shuffle(rows.Count, c.Seed) : [];
            int targetWidth = data.TargetWidth;

            // Canaries past the batch: the copy must stop at count rows.
            float[] inputs = Filled(c.Count * c.InputWidth + 5), targets = Filled(c.Count * targetWidth + 5);
            int[] labels = new int[c.Labelled ? c.Count + 3 : 0];
            float[] weights = Filled(c.Weighted ? c.Count + 3 : 0);
            Array.Fill(labels, -7);
            rows.Gather(order, c.Start, c.Count, inputs.AsSpan(0, c.Count * c.InputWidth), targets.AsSpan(0, c.Count * targetWidth),
                labels.AsSpan(0, c.Labelled ? c.Count : 0), weights.AsSpan(0, c.Weighted ? c.Count : 0));

            float[] expectedInputs = Filled(inputs.Length), expectedTargets = Filled(targets.Length), expectedWeights = Filled(weights.Length);
            int[] expectedLabels = new int[labels.Length];
            Array.Fill(expectedLabels, -7);
            for (int p = 0; p < c.Count; p++)
            {
                int row = rows.RowAt(order.Length == 0 ? c.Start + p : order[c.Start + p]);
                data.Inputs.Slice(row * c.InputWidth, c.InputWidth).CopyTo(expectedInputs.AsSpan(p * c.InputWidth));
                data.Targets.Slice(row * targetWidth, targetWidth).CopyTo(expectedTargets.AsSpan(p * targetWidth));
                if (c.Labelled) expectedLabels[p] = data.Labels[row];
                if (c.Weighted) expectedWeights[p] = data.Weights[row];
            }
            Assert.Equal(expectedInputs, inputs);
            Assert.Equal(expectedTargets, targets);
            Assert.Equal(expectedLabels, labels);
            Assert.Equal(expectedWeights, weights);
        });

    /// <summary>Only the blocks asked for are written: an empty inputs block leaves the rest as a full gather writes it.</summary>
    [Fact]
    public void Gather_WithoutInputs_WritesTheOtherBlocks()
    {
        var c = new GatherCase(30, 33, 0, true, true, null, true, 3, 21, 11);
        Dataset data = CreateData(c);
        var rows = new DatasetRows(data);
        int[] order = Shuffle(rows.Count, c.Seed);
        float[] targets = new float[c.Count * data.TargetWidth], allTargets = new float[targets.Length];
        int[] labels = new int[c.Count], allLabels = new int[c.Count];
        float[] weights = new float[c.Count], allWeights = new float[c.Count];
        rows.Gather(order, c.Start, c.Count, default, targets, labels, weights);
        rows.Gather(order, c.Start, c.Count, new float[c.Count * c.InputWidth], allTargets, allLabels, allWeights);
        Assert.Equal(allTargets, targets);
        Assert.Equal(allLabels, labels);
        Assert.Equal(allWeights, weights);
    }

    private static Dataset CreateData(GatherCase c)
    {
        var random = new Random(c.Seed);
        var inputs = new float[c.Rows * c.InputWidth];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = i + (float)random.NextDouble();   // every value names its place
        Dataset data;
        if (c.Labelled)
        {
            var labels = new int[c.Rows];
            for (int i = 0; i < labels.Length; i++) labels[i] = random.Next(4);
            data = new Dataset(inputs, c.InputWidth, labels, 4);
        }
        else
        {
            var targets = new float[c.Rows * c.TargetWidth];
            for (int i = 0; i < targets.Length; i++) targets[i] = -i - (float)random.NextDouble();
            data = new Dataset(inputs, c.InputWidth, targets, c.TargetWidth);
        }
        if (!c.Weighted) return data;
        var w = new float[c.Rows];
        for (int i = 0; i < w.Length; i++) w[i] = 1 + i;
        return data.WithWeights(w);
    }

    private static int[] Shuffle(int count, int seed)
    {
        int[] order = [.. Enumerable.Range(0, count)];
        new Random(seed).Shuffle(order);
        return order;
    }

    private static float[] Filled(int length)
    {
        var values = new float[length];
        Array.Fill(values, float.NaN);
        return values;
    }
}
