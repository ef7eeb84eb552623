using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using FastBackprop.Kernels;

namespace FastBackprop.Bench.Kernels;

// ---------------------------------------------------------------------------------------------
// Gemm against the machine's FP32 peak, single thread. The GFLOP/s column counts 2 m n k flops
// per product (one multiply and one add per term) and, for the probe, 2 x 16 lanes per FMA.
// Run both classes together so the ratio comes from one session:
//   dotnet run -c Release --project bench/FastBackprop.Bench -- --isa default --filter '*GemmBench*' '*FmaPeakBench*'
// ---------------------------------------------------------------------------------------------

/// <summary>Square <c>C = A op(B)</c> at 256 and 1024 in the two forms of the forward and backward
/// passes: NN (<c>dX = dZ W</c>) and NT (<c>Z = X W^T</c>).</summary>
[Config(typeof(GflopsConfig))]
[HideColumns("Error", "StdDev", "Median", "EnvironmentVariables")]
public class GemmBench
{
    private float[] a = null!, b = null!, c = null!;

    /// <summary>m = n = k.</summary>
    [Params(256, 1024)]
    public int Size { get; set; } = 256;

    /// <summary>Which operand is transposed.</summary>
    [Params(GemmForm.NN, GemmForm.NT)]
    public GemmForm Form { get; set; } = GemmForm.NN;

    /// <summary>Fills A and B from a fixed seed and runs one product, so the packing buffers
    /// exist before measurement (steady state: no allocation per call).</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new SeededRandom(11);
        a = new float[Size * Size];
        b = new float[Size * Size];
        c = new float[Size * Size];
        for (int i = 0; i < a.Length; i++) a[i] = random.NextSymmetric(1f);
        for (int i = 0; i < b.Length; i++) b[i] = random.NextSymmetric(1f);
        Multiply();
        Console.WriteLine($"// GemmBench: vector tier {VectorTiers.Active}");
    }

    /// <summary>One <c>Gemm.Multiply</c>, beta = 0.</summary>
    [Benchmark]
    public float Multiply()
    {
        Gemm.Multiply(Form, Size, Size, Size, 1f, a, Size, b, Size, 0f, c, Size);
        return c[0];
    }

    /// <summary>Adds the GFLOP/s column (2 Size^3 flops per call).</summary>
    private sealed class GflopsConfig : ManualConfig
    {
        public GflopsConfig() => AddColumn(new GflopsColumn(benchmarkCase =>
        {
            double size = Convert.ToDouble(benchmarkCase.Parameters["Size"], CultureInfo.InvariantCulture);
            return 2 * size * size * size;
        }));
    }
}

/// <summary>The single-core FP32 peak: a Vector512 FMA loop with 12 independent accumulators
/// (enough chains to cover FMA latency x pipes on Zen 5 and on Intel's two 512-bit FMA ports),
/// no loads, no stores. DESIGN.md expects about 215 GFLOP/s on the Zen 5 machines.</summary>
[Config(typeof(PeakConfig))]
[HideColumns("Error", "StdDev", "Median", "EnvironmentVariables")]
public class FmaPeakBench
{
    private const int Iterations = 1_000_000;
    private const double FlopsPerCall = Iterations * 12.0 * 16 * 2;

    /// <summary>12 x <see cref="Iterations"/> Vector512 FMAs; 0 when Vector512 is not accelerated
    /// (an emulated Vector512 would measure nothing useful).</summary>
    [Benchmark]
    public float PeakProbe() => Vector512.IsHardwareAccelerated ? FmaLoop(Iterations, 0.999999f, 1e-7f) : 0f;

    // Out of line and free of calls, so the 12 accumulators stay in registers for the whole loop.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float FmaLoop(int iterations, float scale, float offset)
    {
        Vector512<float> x = Vector512.Create(scale), y = Vector512.Create(offset);
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        Vector512<float> a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector512.MultiplyAddEstimate(a0, x, y);
            a1 = Vector512.MultiplyAddEstimate(a1, x, y);
            a2 = Vector512.MultiplyAddEstimate(a2, x, y);
            a3 = Vector512.MultiplyAddEstimate(a3, x, y);
            a4 = Vector512.MultiplyAddEstimate(a4, x, y);
            a5 = Vector512.MultiplyAddEstimate(a5, x, y);
            a6 = Vector512.MultiplyAddEstimate(a6, x, y);
            a7 = Vector512.MultiplyAddEstimate(a7, x, y);
            a8 = Vector512.MultiplyAddEstimate(a8, x, y);
            a9 = Vector512.MultiplyAddEstimate(a9, x, y);
            a10 = Vector512.MultiplyAddEstimate(a10, x, y);
            a11 = Vector512.MultiplyAddEstimate(a11, x, y);
        }
        return Vector512.Sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11)));
    }

    /// <summary>Adds the GFLOP/s column (12 FMAs x 16 lanes x 2 flops per iteration).</summary>
    private sealed class PeakConfig : ManualConfig
    {
        public PeakConfig() => AddColumn(new GflopsColumn(_ => FlopsPerCall));
    }
}

/// <summary>GFLOP/s from a benchmark's mean time and its flop count per invocation.</summary>
internal sealed class GflopsColumn(Func<BenchmarkCase, double> flopsPerCall) : IColumn
{
    public string Id => nameof(GflopsColumn);
    public string ColumnName => "GFLOP/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "Billions of floating-point operations per second: flops per call / mean time";

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? meanNs = summary[benchmarkCase]?.ResultStatistics?.Mean;
        return meanNs is > 0 ? (flopsPerCall(benchmarkCase) / meanNs.Value).ToString("F1", CultureInfo.InvariantCulture) : "-";
    }

    public override string ToString() => ColumnName;
}
