using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using FastBackprop.Bench.Kernels;
using FastBackprop.Bench.Training;
using Workload = FastBackprop.Diagnostics.Workload;

namespace FastBackprop.Bench.Config;

// ---------------------------------------------------------------------------------------------
// Derived columns, computed in the host from each benchmark's mean time (per operation, i.e. after
// OperationsPerInvoke): samples/s, GFLOP/s and "% of peak".
//
// The peak is the PeakProbeBench result of a job without ISA knobs (V512, Native) in the same summary when
// there is one (--quick joins everything into one summary; --join does the same for any filter);
// otherwise the probe is measured once in the host process (PeakProbe.HostGflops, same loop, same
// session). So the fraction is always of the machine's widest FMA peak, also for the V256/V128/
// Scalar jobs: those rows show how far a narrower tier is from what the core can do.
// ---------------------------------------------------------------------------------------------

/// <summary>Column factories and the configs that use them.</summary>
public static class BenchColumns
{
    /// <summary>The peak in GFLOP/s for the fraction columns of <paramref name="summary"/>, and where it
    /// came from: the mean of the PeakProbeBench case whose job sets no ISA knob (V512 or the default
    /// job), else the host-process measurement.</summary>
    public static (double Gflops, string Source) Peak(Summary summary) => Peak(summary, useMinimum: false);

    /// <summary>As <see cref="Peak(Summary)"/>, from the fastest iteration instead of the mean when
    /// <paramref name="useMinimum"/> (less sensitive to other processes on a shared machine).</summary>
    public static (double Gflops, string Source) Peak(Summary summary, bool useMinimum)
    {
        ArgumentNullException.ThrowIfNull(summary);
        BenchmarkCase? probe = summary.BenchmarksCases.FirstOrDefault(c => c.Descriptor.Type == typeof(PeakProbeBench)
            && c.Descriptor.WorkloadMethod.Name == nameof(PeakProbeBench.Peak) && IsMachineJob(c));
        double? time = probe is null ? null : useMinimum ? summary[probe]?.ResultStatistics?.Min : summary[probe]?.ResultStatistics?.Mean;
        if (time is > 0) return (PeakProbe.FlopsPerCall / time.Value, $"PeakProbeBench, job {probe!.Job.ResolvedId}, {(useMinimum ? "fastest iteration" : "mean")}");
        return (PeakProbe.HostGflops, $"PeakProbe measured in the host process ({PeakProbe.Width}, best of 15)");
    }

    // A job without ISA knobs runs at the machine's widest width.
    private static bool IsMachineJob(BenchmarkCase c) => c.Job.Environment.EnvironmentVariables is not { Count: > 0 } variables
        || !variables.Any(v => v.Key.StartsWith("DOTNET_Enable", StringComparison.Ordinal) || v.Key.StartsWith("DOTNET_PreferredVectorBitWidth", StringComparison.Ordinal));

    /// <summary>Mean time per operation in ns, or null when the benchmark did not run.</summary>
    public static double? MeanNs(Summary summary, BenchmarkCase benchmarkCase)
    {
        ArgumentNullException.ThrowIfNull(summary);
        double? mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
        return mean is > 0 ? mean : null;
    }

    /// <summary>Flops per operation (per mean time) of the benchmarks that have a flop count, else null.
    /// GemmBench (another file) is matched by name and by its "Size" parameter so that changes there
    /// cannot break this build.</summary>
    public static double? FlopsPerOperation(BenchmarkCase benchmarkCase)
    {
        ArgumentNullException.ThrowIfNull(benchmarkCase);
        return benchmarkCase.Descriptor.Type.Name switch
        {
            nameof(PeakProbeBench) => benchmarkCase.Descriptor.WorkloadMethod.Name == nameof(PeakProbeBench.PeakAllCores) ? PeakProbeBench.AllCoresFlops : PeakProbe.FlopsPerCall,
            nameof(W3bBatchStepBench) => Workload.W3b.FlopsPerPattern,
            nameof(W4WideStepBench) => Workload.W4.FlopsPerPattern,
            nameof(GemmShapesBench) => GemmShapesBench.Flops((string)benchmarkCase.Parameters[nameof(GemmShapesBench.Shape)]),
            "GemmBench" => benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "Size")?.Value is int size ? 2.0 * size * size * size : null,
            _ => null,
        };
    }

    /// <summary>The columns every config of this project adds; each hides itself when no benchmark of
    /// the summary has a value for it.</summary>
    public static IColumn[] All { get; } =
    [
        new FigureColumn("samples/s", 0, "Training samples per second: 1 / mean time per sample (training-step benchmarks count one sample per operation)",
            c => c.Descriptor.Type.Namespace == typeof(W3bBatchStepBench).Namespace,
            (s, c) => MeanNs(s, c) is double ns ? (1e9 / ns).ToString("N0", CultureInfo.InvariantCulture) : "-"),
        // GemmBench adds its own "GFLOP/s" column (same figure for GemmBench);
        // --quick hides it, since in a joined summary it reads 0.0 on every other class's rows.
        new FigureColumn("GFLOP/s*", 1, "Billions of floating-point operations per second: flops per operation / mean time (training steps: 6 x weights per sample; Gemm: 2 m n k)",
            c => FlopsPerOperation(c) is not null,
            (s, c) => MeanNs(s, c) is double ns && FlopsPerOperation(c) is double f ? (f / ns).ToString("F1", CultureInfo.InvariantCulture) : "-"),
        new FigureColumn("% of peak", 2, "GFLOP/s as a percentage of the single-core FP32 FMA peak probe of the same run (PeakProbeBench of the V512/Default job in the summary, else measured in the host process)",
            c => FlopsPerOperation(c) is not null,
            (s, c) => MeanNs(s, c) is double ns && FlopsPerOperation(c) is double f ? (100 * f / ns / Peak(s).Gflops).ToString("F1", CultureInfo.InvariantCulture) : "-"),
    ];
}

/// <summary>A custom column computed from the summary and the benchmark case.</summary>
internal sealed class FigureColumn(string name, int priority, string legend, Func<BenchmarkCase, bool> applies, Func<Summary, BenchmarkCase, string> value) : IColumn
{
    public string Id => "FastBackprop." + name;
    public string ColumnName => name;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => priority;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => legend;

    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(applies);

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => applies(benchmarkCase) ? value(summary, benchmarkCase) : "-";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

    public override string ToString() => ColumnName;
}
