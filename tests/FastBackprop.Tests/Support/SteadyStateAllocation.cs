namespace FastBackprop.Tests.Support;

/// <summary>What a piece of code allocates on this thread once warmed up, measured so that the rest of
/// the test process cannot disturb it.</summary>
/// <remarks>GC.GetAllocatedBytesForCurrentThread is exact between two reads unless a garbage collection
/// runs in between: a collection retires the thread's allocation context and the counter can jump by
/// the unused part of it (up to a few KiB; dotnet/coreclr#10207). Other tests allocate heavily in
/// parallel, so a collection lands in a measured window now and then (one CI run in four saw 7,152 B
/// "allocated" by code that allocates nothing). The window is therefore repeated until one passes with
/// no collection, whose count is exact; if none does, the smallest count is returned, which is still
/// above zero whenever the code really allocates, since every window then allocates.</remarks>
internal static class SteadyStateAllocation
{
    /// <summary>Bytes <paramref name="calls"/> allocated in a window without a collection (see remarks), as
    /// counted by <paramref name="allocatedBytes"/> (default: this thread's GC.GetAllocatedBytesForCurrentThread).</summary>
    public static long Measure(Action calls, Func<long>? allocatedBytes = null, int windows = 40)
    {
        allocatedBytes ??= GC.GetAllocatedBytesForCurrentThread;
        long smallest = long.MaxValue;
        for (int w = 0; w < windows; w++)
        {
            int collections = GC.CollectionCount(0);
            long before = allocatedBytes();
            calls();
            long allocated = allocatedBytes() - before;
            if (GC.CollectionCount(0) == collections) return allocated;
            smallest = Math.Min(smallest, allocated);
        }
        return smallest;
    }
}
