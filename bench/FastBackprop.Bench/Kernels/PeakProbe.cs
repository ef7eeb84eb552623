using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using FastBackprop.Kernels;

namespace FastBackprop.Bench.Kernels;

// ---------------------------------------------------------------------------------------------
// The FP32 peak of one core: 12 independent FMA chains with no loads or stores (DESIGN.md "Peak").
// 12 chains cover FMA latency (4 cycles) x 2 FMA pipes with room to spare on Zen 4/5 and on Intel
// cores with two 512-bit FMA ports, and 12 + 2 vector registers fit in the 16 of AVX2 as well as
// the 32 of AVX-512. Every width does the same number of flops per call (the narrower loops run
// proportionally more iterations), so one flop count serves every ISA job:
//   Vector512: 12 x 16 lanes x 2 flops per iteration; Vector256 and Vector128 use 2x and 4x the
//   iterations; the scalar fallback (DOTNET_EnableHWIntrinsic=0, where even FusedMultiplyAdd is
//   emulated) counts a separate multiply and add as 2 flops and runs 16x the iterations.
// The matrix benchmarks express their GFLOP/s as a fraction of this probe (BenchColumns.PercentOfPeak).
// ---------------------------------------------------------------------------------------------

/// <summary>The FMA peak probe (the library's loop, at a fixed flop count per call) and a Stopwatch measurement for the host process.</summary>
public static class PeakProbe
{
    /// <summary>Vector512 iterations per call; 12 x 16 x 2 x this many flops per call.</summary>
    public const int Iterations512 = 250_000;

    /// <summary>Flops in one <see cref="Run"/> call, on every width.</summary>
    public const double FlopsPerCall = Iterations512 * 12.0 * 16 * 2;

    /// <summary>The widest accelerated width: "Vector512", "Vector256", "Vector128" or "Scalar".</summary>
    public static string Width => Diagnostics.PeakProbe.Tier.ToString();

    /// <summary>One call of the library's probe (<see cref="Diagnostics.PeakProbe"/>) at the widest accelerated
    /// width, with the iterations scaled by 16 / lanes so that every width does <see cref="FlopsPerCall"/> flops.</summary>
    public static float Run() => Diagnostics.PeakProbe.Run(Iterations512 * 16L / (int)Diagnostics.PeakProbe.Tier);

    private static double? hostGflops;

    /// <summary>The probe measured once in this process with a Stopwatch (best of 15 calls after
    /// warm-up), in GFLOP/s. The BenchmarkDotNet host uses it when a summary holds no
    /// <see cref="PeakProbeBench"/> result of the default/V512 job.</summary>
    public static double HostGflops => hostGflops ??= MeasureGflops(15);

    /// <summary>Best GFLOP/s of <paramref name="calls"/> timed calls.</summary>
    public static double MeasureGflops(int calls)
    {
        for (int i = 0; i < 3; i++) Run();   // tier-up and warm-up
        double best = double.MaxValue;
        for (int i = 0; i < calls; i++)
        {
            long start = Stopwatch.GetTimestamp();
            Run();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        return FlopsPerCall / best / 1e9;
    }
}

/// <summary>The peak probe as a benchmark (single thread). Its GFLOP/s, from the V512 or default
/// job of the same summary, is the denominator of every "% of peak" column; run it together with
/// the matrix benchmarks (<c>--quick</c> does, or <c>--join</c>). Narrower ISA jobs fall back to
/// narrower loops, so their rows show the tier's own peak.</summary>
[HideColumns("Error", "StdDev", "Median", "EnvironmentVariables")]
public class PeakProbeBench
{
    /// <summary>Prints the width the probe runs at in this process.</summary>
    [GlobalSetup]
    public void Setup() => Console.WriteLine($"// PeakProbe width {PeakProbe.Width}, VectorTiers.Active = {VectorTiers.Active}");

    /// <summary>Calls of the probe per thread in <see cref="PeakAllCores"/>.</summary>
    public const int CallsPerThread = 4;

    /// <summary>Flops of one <see cref="PeakAllCores"/> call.</summary>
    public static double AllCoresFlops => Environment.ProcessorCount * CallsPerThread * PeakProbe.FlopsPerCall;

    /// <summary><see cref="PeakProbe.FlopsPerCall"/> flops of independent FMAs.</summary>
    [Benchmark]
    public float Peak() => PeakProbe.Run();

    /// <summary>The probe on every logical processor at once (<see cref="CallsPerThread"/> calls each,
    /// so the fork/join is about 1 % of the time). Its ratio to <see cref="Peak"/> is the thread
    /// scaling this machine gives right now, the ceiling for the threaded training steps: on a shared
    /// machine other processes take part of the second core.</summary>
    [Benchmark]
    public float PeakAllCores()
    {
        float sum = 0;
        Parallel.For(0, Environment.ProcessorCount, _ =>
        {
            float local = 0;
            for (int i = 0; i < CallsPerThread; i++) local += PeakProbe.Run();
            if (local == 42f) sum = local;   // keep the result observable without a lock
        });
        return sum;
    }
}
