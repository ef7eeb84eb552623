namespace FastBackprop.Tests.Support;

/// <summary>What a piece of code allocates on this thread once warmed up, measured so that the rest of
/// the test process cannot disturb it.</summary>
/// <remarks>GC.GetAllocatedBytesForCurrentThread is not exact: it moves by up to one allocation quantum
/// (a few KiB) without the thread allocating anything, when a collection retires the thread's allocation
/// context and, rarely, with no collection at all (the runtime's own test of it fails that way:
/// dotnet/runtime#13502, #63487, #74388; here, 1 full suite in 4 under load saw 2,208 to 8,136 B "allocated"
/// by code that allocates nothing, in a window no collection ran in). One-time lazy work is not steady
/// state either (a ManualResetEventSlim creates its lock object the first time a wait has to block, which
/// depends on timing). Code that allocates in steady state allocates in every window; so the window is
/// repeated, windows with a collection are set aside, and the smallest count of the others is the answer:
/// 0 as soon as one window reads 0, and above 0 whenever the code really allocates on every pass.</remarks>
internal static class SteadyStateAllocation
{
    /// <summary>The smallest number of bytes <paramref name="calls"/> allocated in one of up to
    /// <paramref name="windows"/> repetitions (see remarks), as counted by <paramref name="allocatedBytes"/>
    /// (default: this thread's GC.GetAllocatedBytesForCurrentThread).</summary>
    public static long Measure(Action calls, Func<long>? allocatedBytes = null, int windows = 40)
    {
        allocatedBytes ??= GC.GetAllocatedBytesForCurrentThread;
        long smallestClean = long.MaxValue, smallest = long.MaxValue;
        for (int w = 0; w < windows; w++)
        {
            int collections = GC.CollectionCount(0);
            long before = allocatedBytes();
            calls();
            long allocated = allocatedBytes() - before;
            smallest = Math.Min(smallest, allocated);
            if (GC.CollectionCount(0) != collections) continue;
            if (allocated == 0) return 0;
            smallestClean = Math.Min(smallestClean, allocated);
        }
        return smallestClean != long.MaxValue ? smallestClean : smallest;
    }
}
