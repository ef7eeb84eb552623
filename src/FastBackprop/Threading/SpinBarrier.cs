namespace FastBackprop;

/// <summary>
/// The barrier between the phases of one parallel region (a batch step's layers): every piece of a
/// <see cref="WorkerPool"/> job calls <see cref="SignalAndWait"/> the same number of times, and none
/// returns from a call before all have made it. It spins (yielding when the machine is oversubscribed)
/// instead of sleeping: the phases it separates are microseconds to milliseconds long, and waking a
/// sleeping thread costs more than that. A piece that fails breaks the barrier, so the others throw
/// instead of waiting forever.
/// </summary>
internal sealed class SpinBarrier
{
    private int participants = 1;
    private int remaining = 1;
    private volatile int generation;
    private volatile bool broken;

    /// <summary>Prepares the barrier for a job of <paramref name="count"/> pieces; no piece may be waiting.</summary>
    public void Reset(int count)
    {
        participants = count;
        Volatile.Write(ref remaining, count);
        broken = false;
    }

    /// <summary>Returns once every piece has called this as often as the caller has.</summary>
    /// <exception cref="OperationCanceledException">Another piece failed (see <see cref="Break"/>).</exception>
    public void SignalAndWait()
    {
        if (participants <= 1) return;
        int arrivedIn = generation;
        if (Interlocked.Decrement(ref remaining) == 0)
        {
            // The last to arrive re-arms the count before it releases the others, who cannot touch it
            // until they see the new generation.
            Volatile.Write(ref remaining, participants);
            generation = arrivedIn + 1;
            return;
        }
        var spin = default(SpinWait);
        while (generation == arrivedIn)
        {
            if (broken) throw new OperationCanceledException("another piece of the parallel job failed");
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>Releases every waiting piece with an exception: called when a piece fails.</summary>
    public void Break() => broken = true;
}
