using System.Globalization;
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
//   dotnet run -c Release --project bench/FastBackprop.Bench -- --isa default --filter '*GemmBench*' '*PeakProbeBench*'
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
        (a, b, c) = Operands.Product(Size, Size, Size, seed: 11);
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
