using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using FastBackprop.Kernels;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Diagnostics;

// ---------------------------------------------------------------------------------------------
// PeakProbe: the single-core FP32 multiply-add peak, the yardstick every matrix figure is
// divided by. Twelve independent accumulator chains cover the FMA latency times the FMA ports
// (4 cycles x 2 ports = 8 on current x86 cores, with margin), so the loop runs at the issue rate.
// One body, generic over the vector width like the kernels, at the widest accelerated tier;
// fused where the CPU has FMA and a multiply then an add where it has not (MultiplyAdd below),
// so that such a CPU measures its multiply+add rate instead of a software-emulated fused
// operation. Its value is not a result of the library, so it need not have the same bits
// everywhere; that is also why this operation lives here and not in ISimd, whose every
// operation gives the same bits on every CPU.
// ---------------------------------------------------------------------------------------------

/// <summary>Measures this core's FP32 multiply-add peak, for expressing kernel speed as a fraction of it.</summary>
public static class PeakProbe
{
    private const int Chains = 12;

    /// <summary>The vector tier the probe runs at (the widest accelerated one).</summary>
    public static VectorTier Tier => VectorTiers.Active;

    /// <summary>Floating-point operations per iteration of <see cref="Run"/>: 12 chains x lanes x 2 (multiply and add).</summary>
    public static int FlopsPerIteration => Chains * 2 * (int)Tier;

    /// <summary>Runs <paramref name="iterations"/> iterations of the 12-chain multiply-add loop and returns a
    /// value computed from them (consume it, so the loop cannot be optimised away).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="iterations"/> is negative.</exception>
    public static float Run(long iterations)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        return Tier switch
        {
            VectorTier.Vector512 => Loop<Simd512, Vector512<float>>(iterations),
            VectorTier.Vector256 => Loop<Simd256, Vector256<float>>(iterations),
            VectorTier.Vector128 => Loop<Simd128, Vector128<float>>(iterations),
            _ => Loop<SimdScalar, float>(iterations),
        };
    }

    /// <summary>Runs the probe for about <paramref name="duration"/> on the calling thread and returns the best
    /// rate seen over its rounds, in GFLOP/s (the best, because a shared machine only ever slows a round down).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is not positive.</exception>
    public static double MeasureGflops(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        const long iterations = 1 << 18;
        float sink = Run(iterations);   // warm-up: JIT to the optimised tier
        double best = 0;
        var total = Stopwatch.StartNew();
        do
        {
            long start = Stopwatch.GetTimestamp();
            sink += Run(iterations);
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            best = Math.Max(best, iterations * (double)FlopsPerIteration / seconds / 1e9);
        }
        while (total.Elapsed < duration);
        GC.KeepAlive(sink);
        return best;
    }

    /// <summary>The same loop on <paramref name="threads"/> threads at once for about <paramref name="duration"/>: the best
    /// aggregate rate over rounds in which every thread runs the same number of iterations, timed from a common
    /// start to the last thread's finish, in GFLOP/s. Its ratio to <see cref="MeasureGflops(TimeSpan)"/> is what this
    /// machine's cores give a perfectly parallel product (the yardstick for thread scaling: two vCPUs may be
    /// hyper-threads of one core, and a shared host may be busy).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is not positive, or
    /// <paramref name="threads"/> is less than 1.</exception>
    public static double MeasureGflops(TimeSpan duration, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        if (threads == 1) return MeasureGflops(duration);
        const long iterations = 1 << 18;
        using var barrier = new Barrier(threads);
        var total = Stopwatch.StartNew();
        long start = 0;
        bool stop = false;
        double best = 0;
        var sinks = new float[threads];
        void Worker(int index)
        {
            sinks[index] += Run(iterations);   // warm-up, outside the timed rounds
            while (true)
            {
                barrier.SignalAndWait();        // every thread is ready: thread 0 starts the clock, all start together
                if (index == 0)
                {
                    stop = best > 0 && total.Elapsed >= duration;   // at least one timed round, however slow the start was
                    start = Stopwatch.GetTimestamp();
                }
                barrier.SignalAndWait();
                if (stop) return;
                sinks[index] += Run(iterations);
                barrier.SignalAndWait();        // the round ends when the last thread does
                if (index == 0)
                {
                    double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                    best = Math.Max(best, threads * iterations * (double)FlopsPerIteration / seconds / 1e9);
                }
            }
        }
        var others = new Thread[threads - 1];
        for (int t = 0; t < others.Length; t++)
        {
            int index = t + 1;
            others[t] = new Thread(() => Worker(index)) { IsBackground = true, Name = $"FastBackprop peak probe {index}" };
            others[t].Start();
        }
        Worker(0);
        foreach (Thread t in others) t.Join();
        GC.KeepAlive(sinks);
        return best;
    }

    // Out of line and call-free, so the twelve accumulators stay in registers for the whole loop.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop<TSimd, TVector>(long iterations) where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector m = TSimd.Create(0.9999999f), c = TSimd.Create(1e-7f);
        TVector a0 = TSimd.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = MultiplyAdd<TSimd, TVector>(a0, m, c);
            a1 = MultiplyAdd<TSimd, TVector>(a1, m, c);
            a2 = MultiplyAdd<TSimd, TVector>(a2, m, c);
            a3 = MultiplyAdd<TSimd, TVector>(a3, m, c);
            a4 = MultiplyAdd<TSimd, TVector>(a4, m, c);
            a5 = MultiplyAdd<TSimd, TVector>(a5, m, c);
            a6 = MultiplyAdd<TSimd, TVector>(a6, m, c);
            a7 = MultiplyAdd<TSimd, TVector>(a7, m, c);
            a8 = MultiplyAdd<TSimd, TVector>(a8, m, c);
            a9 = MultiplyAdd<TSimd, TVector>(a9, m, c);
            a10 = MultiplyAdd<TSimd, TVector>(a10, m, c);
            a11 = MultiplyAdd<TSimd, TVector>(a11, m, c);
        }
        TVector sum = TSimd.Add(TSimd.Add(TSimd.Add(a0, a1), TSimd.Add(a2, a3)), TSimd.Add(TSimd.Add(a4, a5), TSimd.Add(a6, a7)));
        sum = TSimd.Add(sum, TSimd.Add(TSimd.Add(a8, a9), TSimd.Add(a10, a11)));
        Span<float> lanes = stackalloc float[16];   // room for the widest register
        TSimd.Store(sum, ref lanes[0]);
        return lanes[0];   // one lane is enough to keep every chain alive (all lanes run the same chain)
    }

    /// <summary>a * b + c as the hardware does it fastest: fused where the CPU has FMA (x86 FMA3, every Arm64),
    /// else rounded twice (the MultiplyAddEstimate of the runtime).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector MultiplyAdd<TSimd, TVector>(TVector a, TVector b, TVector c) where TSimd : ISimd<TVector> where TVector : struct =>
        Fma.IsSupported || AdvSimd.IsSupported ? TSimd.FusedMultiplyAdd(a, b, c) : TSimd.Add(TSimd.Multiply(a, b), c);
}
