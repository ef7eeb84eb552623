using FastBackprop.Data;
using FastBackprop.Training;
using Xunit;
using static FastBackprop.Tests.Training.TrainingSamples;

namespace FastBackprop.Tests.Training;

// ---------------------------------------------------------------------------------------------
// Fit reads the data set in place: what it allocates grows with the data by an index or two per
// pattern (the epoch's order, a validation split's row lists), never by a copy of the rows. Measured
// as the difference between the same run on the whole digits set and on its first half, on this
// thread only (one thread of training), so the fixed costs (workspaces, buffers) cancel and tests
// running in parallel do not count.
// ---------------------------------------------------------------------------------------------

/// <summary>The memory Trainer.Fit needs on top of its data.</summary>
public class FitMemoryTests
{
    [Theory]
    [InlineData(0.0, 1)]
    [InlineData(0.4, 1)]    // a validation split: its parts are row lists, not copies (and over 256 patterns
    [InlineData(0.4, 16)]   // in both runs, so that both evaluate in batches of the same size)
    public void Fit_AllocatesPerPatternAFewIndicesNotACopyOfTheRows(double validationFraction, int batchSize)
    {
        Dataset whole = EmbeddedData.Digits();
        int[] firstHalf = new int[whole.Count / 2];
        for (int i = 0; i < firstHalf.Length; i++) firstHalf[i] = i;
        Dataset half = whole.Subset(firstHalf);
        var options = new TrainingOptions { Epochs = 2, BatchSize = batchSize, Seed = 3, ValidationFraction = validationFraction, DegreeOfParallelism = 1 };
        Allocated(half, options);   // warm-up: JIT and lazy statics

        long growth = Allocated(whole, options) - Allocated(half, options);

        long rowBytes = (long)(whole.InputWidth + whole.TargetWidth) * sizeof(float) + sizeof(int);
        int added = whole.Count - half.Count;
        Assert.True(growth < 0.1 * rowBytes * added,
            $"Fit allocated {growth} bytes more for {added} more patterns ({(double)growth / added:F1} per pattern); a row is {rowBytes} bytes, so at most {0.1 * rowBytes:F1} per pattern was expected.");
    }

    private static long Allocated(Dataset data, TrainingOptions options)
    {
        Network network = DigitsNetwork();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Fit(network, data, options);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
