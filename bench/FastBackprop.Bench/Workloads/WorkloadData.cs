using FastBackprop.Diagnostics;

namespace FastBackprop.Bench.Workloads;

/// <summary>A <see cref="Workload"/>'s synthetic patterns as the benchmarks read them: in float for the
/// engine and the float baselines, widened to double for the reference, by pattern and by batch.</summary>
public sealed class WorkloadData
{
    private readonly int inputWidth, outputWidth, batchCount;

    /// <summary>The workload's own batches: <see cref="Workload.PatternCount"/> patterns in batches of
    /// <see cref="Workload.BatchSize"/> (one pattern each for an online workload).</summary>
    public WorkloadData(Workload workload)
        : this(workload, workload?.BatchSize ?? 0)
    {
    }

    /// <summary>As many batches as the workload cycles (<see cref="Workload.PatternCount"/> /
    /// <see cref="Workload.BatchSize"/>), of <paramref name="batchSize"/> patterns each: the first patterns
    /// are the same whatever the batch size.</summary>
    public WorkloadData(Workload workload, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        Workload = workload;
        BatchSize = batchSize;
        batchCount = workload.PatternCount / workload.BatchSize;
        Count = batchCount * batchSize;
        inputWidth = workload.Definition.InputWidth;
        outputWidth = workload.Definition.OutputWidth;
        Inputs = new float[Count * inputWidth];
        Targets = new float[Count * outputWidth];
        workload.FillPatterns(Inputs, Targets);
        InputsDouble = Array.ConvertAll(Inputs, x => (double)x);
        TargetsDouble = Array.ConvertAll(Targets, x => (double)x);
        Widths = new int[workload.Definition.LayerCount + 1];
        Widths[0] = inputWidth;
        for (int l = 0; l < workload.Definition.LayerCount; l++) Widths[l + 1] = workload.Definition.GetLayout(l).Units;
    }

    /// <summary>The workload the patterns belong to.</summary>
    public Workload Workload { get; }

    /// <summary>Number of patterns.</summary>
    public int Count { get; }

    /// <summary>Patterns per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Input width first, then each layer's width (what the float baselines are built from).</summary>
    public int[] Widths { get; }

    /// <summary>All inputs, pattern after pattern.</summary>
    public float[] Inputs { get; }

    /// <summary>All targets, pattern after pattern.</summary>
    public float[] Targets { get; }

    /// <summary><see cref="Inputs"/> widened to double, for the reference.</summary>
    public double[] InputsDouble { get; }

    /// <summary><see cref="Targets"/> widened to double, for the reference.</summary>
    public double[] TargetsDouble { get; }

    /// <summary>Input of pattern <paramref name="i"/>.</summary>
    public ReadOnlySpan<float> Input(int i) => Inputs.AsSpan(i * inputWidth, inputWidth);

    /// <summary>Target of pattern <paramref name="i"/>.</summary>
    public ReadOnlySpan<float> Target(int i) => Targets.AsSpan(i * outputWidth, outputWidth);

    /// <summary>Input of pattern <paramref name="i"/> in double.</summary>
    public ReadOnlySpan<double> InputDouble(int i) => InputsDouble.AsSpan(i * inputWidth, inputWidth);

    /// <summary>Target of pattern <paramref name="i"/> in double.</summary>
    public ReadOnlySpan<double> TargetDouble(int i) => TargetsDouble.AsSpan(i * outputWidth, outputWidth);

    /// <summary>Inputs of batch <paramref name="index"/> (cycling: taken modulo the number of batches).</summary>
    public ReadOnlySpan<float> BatchInputs(int index) => Inputs.AsSpan(index % batchCount * BatchSize * inputWidth, BatchSize * inputWidth);

    /// <summary>Targets of batch <paramref name="index"/> (cycling: taken modulo the number of batches).</summary>
    public ReadOnlySpan<float> BatchTargets(int index) => Targets.AsSpan(index % batchCount * BatchSize * outputWidth, BatchSize * outputWidth);
}
