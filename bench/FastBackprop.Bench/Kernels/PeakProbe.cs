using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
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

/// <summary>The FMA peak probe: the loops, and a Stopwatch measurement for the host process.</summary>
public static class PeakProbe
{
    /// <summary>Vector512 iterations per call; 12 x 16 x 2 x this many flops per call.</summary>
    public const int Iterations512 = 250_000;

    /// <summary>Flops in one <see cref="Run"/> call, on every width.</summary>
    public const double FlopsPerCall = Iterations512 * 12.0 * 16 * 2;

    /// <summary>The widest accelerated width: "Vector512", "Vector256", "Vector128" or "scalar".</summary>
    public static string Width =>
        Vector512.IsHardwareAccelerated ? "Vector512" : Vector256.IsHardwareAccelerated ? "Vector256" : Vector128.IsHardwareAccelerated ? "Vector128" : "scalar";

    /// <summary>One call of the probe at the widest accelerated width: <see cref="FlopsPerCall"/> flops.</summary>
    public static float Run()
    {
        if (Vector512.IsHardwareAccelerated) return Loop512(Iterations512, 0.999999f, 1e-7f);
        if (Vector256.IsHardwareAccelerated) return Loop256(Iterations512 * 2, 0.999999f, 1e-7f);
        if (Vector128.IsHardwareAccelerated) return Loop128(Iterations512 * 4, 0.999999f, 1e-7f);
        return LoopScalar(Iterations512 * 16, 0.999999f, 1e-7f);
    }

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

    // Out of line and call-free, so the 12 accumulators stay in registers for the whole loop.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop512(int iterations, float scale, float offset)
    {
        Vector512<float> x = Vector512.Create(scale), y = Vector512.Create(offset);
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, x, y); a1 = Vector512.FusedMultiplyAdd(a1, x, y);
            a2 = Vector512.FusedMultiplyAdd(a2, x, y); a3 = Vector512.FusedMultiplyAdd(a3, x, y);
            a4 = Vector512.FusedMultiplyAdd(a4, x, y); a5 = Vector512.FusedMultiplyAdd(a5, x, y);
            a6 = Vector512.FusedMultiplyAdd(a6, x, y); a7 = Vector512.FusedMultiplyAdd(a7, x, y);
            a8 = Vector512.FusedMultiplyAdd(a8, x, y); a9 = Vector512.FusedMultiplyAdd(a9, x, y);
            a10 = Vector512.FusedMultiplyAdd(a10, x, y); a11 = Vector512.FusedMultiplyAdd(a11, x, y);
        }
        return Vector512.Sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11)));
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop256(int iterations, float scale, float offset)
    {
        Vector256<float> x = Vector256.Create(scale), y = Vector256.Create(offset);
        Vector256<float> a0 = Vector256.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector256.MultiplyAddEstimate(a0, x, y); a1 = Vector256.MultiplyAddEstimate(a1, x, y);
            a2 = Vector256.MultiplyAddEstimate(a2, x, y); a3 = Vector256.MultiplyAddEstimate(a3, x, y);
            a4 = Vector256.MultiplyAddEstimate(a4, x, y); a5 = Vector256.MultiplyAddEstimate(a5, x, y);
            a6 = Vector256.MultiplyAddEstimate(a6, x, y); a7 = Vector256.MultiplyAddEstimate(a7, x, y);
            a8 = Vector256.MultiplyAddEstimate(a8, x, y); a9 = Vector256.MultiplyAddEstimate(a9, x, y);
            a10 = Vector256.MultiplyAddEstimate(a10, x, y); a11 = Vector256.MultiplyAddEstimate(a11, x, y);
        }
        return Vector256.Sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11)));
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop128(int iterations, float scale, float offset)
    {
        Vector128<float> x = Vector128.Create(scale), y = Vector128.Create(offset);
        Vector128<float> a0 = Vector128.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector128.MultiplyAddEstimate(a0, x, y); a1 = Vector128.MultiplyAddEstimate(a1, x, y);
            a2 = Vector128.MultiplyAddEstimate(a2, x, y); a3 = Vector128.MultiplyAddEstimate(a3, x, y);
            a4 = Vector128.MultiplyAddEstimate(a4, x, y); a5 = Vector128.MultiplyAddEstimate(a5, x, y);
            a6 = Vector128.MultiplyAddEstimate(a6, x, y); a7 = Vector128.MultiplyAddEstimate(a7, x, y);
            a8 = Vector128.MultiplyAddEstimate(a8, x, y); a9 = Vector128.MultiplyAddEstimate(a9, x, y);
            a10 = Vector128.MultiplyAddEstimate(a10, x, y); a11 = Vector128.MultiplyAddEstimate(a11, x, y);
        }
        return Vector128.Sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11)));
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float LoopScalar(int iterations, float scale, float offset)
    {
        float a0 = 1f, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < iterations; i++)
        {
            a0 = a0 * scale + offset; a1 = a1 * scale + offset; a2 = a2 * scale + offset; a3 = a3 * scale + offset;
            a4 = a4 * scale + offset; a5 = a5 * scale + offset; a6 = a6 * scale + offset; a7 = a7 * scale + offset;
            a8 = a8 * scale + offset; a9 = a9 * scale + offset; a10 = a10 * scale + offset; a11 = a11 * scale + offset;
        }
        return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11));
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
