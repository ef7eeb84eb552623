namespace FastBackprop;

/// <summary>
/// The barrier between the phases of one parallel region (a batch step's layers): every piece of a
/// <see cref="WorkerPool"/> job calls <see cref="SignalAndWait"/> the same number of times, and none
/// returns from a call before all have made it. A waiter spins first (<see cref="SpinTicks"/>), yielding
/// now and then (SpinWait) so that a partner waiting for the same CPU gets it: the
/// phases it separates are balanced, so the others usually arrive within microseconds, and waking a
/// sleeping thread costs more than that. Then it sleeps on a monitor until the last one arrives: on an
/// oversubscribed machine a waiter that kept spinning or yielding would burn the time slices its
/// partner needs, and lose the scheduler's preference for threads that have slept. A piece that fails
/// breaks the barrier, so the others throw instead of waiting forever.
/// </summary>
internal sealed class SpinBarrier
{
    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 20_000;   // 50 us
    private readonly object gate = new();
    private int participants = 1;
    private int remaining = 1;
    private int generation;
    private int sleepers;
    private int tickets;
    private volatile bool broken;

    /// <summary>Prepares the barrier for a job of <paramref name="count"/> pieces; no piece may be waiting.</summary>
    public void Reset(int count)
    {
        participants = count;
        Volatile.Write(ref remaining, count);
        Volatile.Write(ref tickets, 0);
        broken = false;
    }

    /// <summary>The phase's next ticket, 0, 1, 2, ... in the order the pieces ask, each handed out once: pieces that take
    /// blocks of work as they come free (ThreadTeam.Claim). Counted from 0 again at the start of each job and of each
    /// phase: the last piece to arrive at the barrier resets the count before it releases the others, after every piece
    /// has taken its last ticket of the phase before.</summary>
    public int NextTicket() => Interlocked.Increment(ref tickets) - 1;

    /// <summary>Returns once every piece has called this as often as the caller has.</summary>
    /// <exception cref="OperationCanceledException">Another piece failed (see <see cref="Break"/>).</exception>
    public void SignalAndWait()
    {
        if (participants <= 1) return;
        int arrivedIn = Volatile.Read(ref generation);
        if (Interlocked.Decrement(ref remaining) == 0)
        {
            // The last to arrive re-arms the count before it releases the others, who cannot touch it until they see
            // the new generation; then it wakes any that went to sleep. Both sides use full fences (Interlocked), so a
            // waiter either sees the new generation or is counted in sleepers before the releaser reads them.
            Volatile.Write(ref remaining, participants);
            Volatile.Write(ref tickets, 0);   // each phase counts its tickets from 0 (NextTicket)
            Interlocked.Exchange(ref generation, arrivedIn + 1);
            if (Volatile.Read(ref sleepers) > 0) Wake();
            return;
        }
        long spinUntil = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTicks;
        var spin = default(SpinWait);
        while (Volatile.Read(ref generation) == arrivedIn)
        {
            if (broken) throw new OperationCanceledException("another piece of the parallel job failed");
            if (System.Diagnostics.Stopwatch.GetTimestamp() > spinUntil)
            {
                Sleep(arrivedIn);
                return;
            }
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>Releases every waiting piece with an exception: called when a piece fails.</summary>
    public void Break()
    {
        broken = true;
        Wake();
    }

    private void Sleep(int arrivedIn)
    {
        lock (gate)
        {
            Interlocked.Increment(ref sleepers);
            try
            {
                while (Volatile.Read(ref generation) == arrivedIn)
                {
                    if (broken) throw new OperationCanceledException("another piece of the parallel job failed");
                    Monitor.Wait(gate);
                }
            }
            finally
            {
                Interlocked.Decrement(ref sleepers);
            }
        }
    }

    private void Wake()
    {
        lock (gate) Monitor.PulseAll(gate);
    }
}
