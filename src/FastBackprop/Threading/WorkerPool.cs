namespace FastBackprop;

/// <summary>Work that a <see cref="WorkerPool"/> runs as <c>parts</c> independent pieces.</summary>
internal interface IParallelWork
{
    /// <summary>Runs piece <paramref name="part"/> of <paramref name="parts"/>; pieces must not write the same memory.</summary>
    void Execute(int part, int parts);
}

/// <summary>
/// A fixed set of persistent background threads that run the pieces of one job at a time, the
/// calling thread taking piece 0: a fork-join without Parallel.For's per-call allocations and
/// task scheduling. Each worker spins briefly, then sleeps on its own semaphore between jobs, so a
/// step's handful of joins costs microseconds. The pieces a job is cut into depend only on its size
/// and the degree of parallelism, never on timing, so results are the same on every run.
/// One caller at a time; dispose to end the threads.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private readonly Thread[] threads;
    private readonly SemaphoreSlim[] start;
    private readonly ManualResetEventSlim done = new(false, spinCount: 2000);
    private IParallelWork? work;
    private int parts;
    private int pending;
    private Exception? failure;
    private volatile bool disposed;

    public WorkerPool(int degreeOfParallelism)
    {
        ThrowHelper.CheckAtLeast(degreeOfParallelism, 1, nameof(degreeOfParallelism));
        CreatedOnThisThread++;
        DegreeOfParallelism = degreeOfParallelism;
        threads = new Thread[degreeOfParallelism - 1];
        start = new SemaphoreSlim[threads.Length];
        for (int t = 0; t < threads.Length; t++)
        {
            start[t] = new SemaphoreSlim(0);
            int index = t + 1;
            threads[t] = new Thread(() => Loop(index)) { IsBackground = true, Name = $"FastBackprop worker {index}" };
            threads[t].Start();
        }
    }

    /// <summary>Pools created by the current thread so far: lets a test see whether a call started threads.</summary>
    [ThreadStatic]
    internal static int CreatedOnThisThread;

    /// <summary>Threads a job can use, the caller's included.</summary>
    public int DegreeOfParallelism { get; }

    /// <summary>Runs <paramref name="job"/> in <paramref name="count"/> pieces (1 to DegreeOfParallelism) and
    /// returns when all are done. An exception in any piece is rethrown here.</summary>
    public void Run(IParallelWork job, int count)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (count <= 1)
        {
            job.Execute(0, 1);
            return;
        }
        count = Math.Min(count, DegreeOfParallelism);
        work = job;
        parts = count;
        failure = null;
        done.Reset();
        Volatile.Write(ref pending, count - 1);
        for (int t = 0; t < count - 1; t++) start[t].Release();
        try
        {
            job.Execute(0, count);
        }
        finally
        {
            done.Wait();
            work = null;
        }
        if (failure is not null) throw new AggregateException("a parallel piece of work failed", failure);
    }

    private void Loop(int index)
    {
        while (true)
        {
            start[index - 1].Wait();
            if (disposed) return;
            try
            {
                work!.Execute(index, parts);
            }
            catch (Exception e)
            {
                failure = e;
            }
            if (Interlocked.Decrement(ref pending) == 0) done.Set();
        }
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        foreach (SemaphoreSlim s in start) s.Release();
        foreach (Thread t in threads) t.Join();
        foreach (SemaphoreSlim s in start) s.Dispose();
        done.Dispose();
    }
}
