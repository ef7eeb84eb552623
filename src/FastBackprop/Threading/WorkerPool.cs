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
/// task scheduling. Each worker spins for a while (<see cref="SpinTicks"/>) after a job, then sleeps
/// on its own semaphore: jobs that follow each other closely (a step's regions, a training loop's
/// steps) start without the wake-up of a sleeping thread, which on a virtual machine can cost tens
/// of microseconds. The pieces of one job can meet at <see cref="Barrier"/> between phases. The pieces
/// a job is cut into depend only on its size and the degree of parallelism, never on timing, so
/// results are the same on every run. One caller at a time; dispose to end the threads.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private readonly Thread[] threads;
    private readonly SemaphoreSlim[] start;
    private readonly ManualResetEventSlim done = new(false, spinCount: 2000);
    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 10_000;   // 100 us
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

    /// <summary>Pools created by the current thread so far: lets a test see whether a call started threads. Trainer.FitMany
    /// adds the pools its trainings created on the threads it started (WorkScheduler), so that they count as the caller's.</summary>
    [ThreadStatic]
    internal static int CreatedOnThisThread;

    /// <summary>Threads a job can use, the caller's included.</summary>
    public int DegreeOfParallelism { get; }

    /// <summary>The barrier of the running job, set for its piece count: pieces call
    /// <see cref="SpinBarrier.SignalAndWait"/> on it between phases.</summary>
    public SpinBarrier Barrier { get; } = new();

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
        Barrier.Reset(count);
        done.Reset();
        Volatile.Write(ref pending, count - 1);
        for (int t = 0; t < count - 1; t++) start[t].Release();
        Exception? mine = null;
        try
        {
            job.Execute(0, count);
        }
        catch (Exception e)
        {
            Barrier.Break();
            mine = e;
        }
        finally
        {
            done.Wait();
            work = null;
        }
        // The first failure, not the barrier's release of the pieces that waited for the failed one.
        if (mine is not null && (failure is null || mine is not OperationCanceledException))
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(mine);
        }
        if (failure is not null) throw new AggregateException("a parallel piece of work failed", failure);
    }

    private void Loop(int index)
    {
        SemaphoreSlim mine = start[index - 1];
        while (true)
        {
            // Spin on the semaphore's count before blocking on it: see the class summary.
            long spinUntil = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTicks;
            var spin = default(SpinWait);
            while (mine.CurrentCount == 0 && System.Diagnostics.Stopwatch.GetTimestamp() < spinUntil) spin.SpinOnce(sleep1Threshold: -1);
            mine.Wait();
            if (disposed) return;
            try
            {
                work!.Execute(index, parts);
            }
            catch (Exception e)
            {
                // A piece released by the barrier does not hide the failure that broke it.
                if (e is not OperationCanceledException || failure is null) failure = e;
                Barrier.Break();
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
