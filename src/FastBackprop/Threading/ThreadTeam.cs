namespace FastBackprop;

/// <summary>
/// This thread's place in a parallel region: piece <see cref="Part"/> of <see cref="Parts"/>, and the
/// barrier the pieces meet at between phases. A phase cuts its work with <see cref="Share"/> over the
/// first few pieces (<see cref="ActiveForFlops"/>, <see cref="ActiveForElements"/>: fewer when the work is small), so the cut depends only on the
/// sizes and the piece count, never on timing; only work whose elements get the same operations whoever
/// computes them may instead go to whichever piece is free first (<see cref="Claim"/>). The single-thread
/// team (<see cref="Alone"/>) does all the work and never waits.
/// </summary>
internal readonly struct ThreadTeam
{
    /// <summary>Flops (2 per multiply-add) below which a product is not worth a second thread: a few
    /// microseconds of work, against a barrier that costs well under one. Tests lower it to 1 (see
    /// <see cref="SplitEverything"/>) so that small shapes exercise every cut.</summary>
    public static long MinimumFlopsPerPart { get; private set; } = DefaultMinimumFlops;

    /// <summary>Flops of a region's largest product below which the whole region stays on the caller: 4 MFLOP by default,
    /// the point from which a product was worth a fork-join of its own before the regions. A smaller step has too
    /// little work to pay for its barriers, each of which waits for the slowest piece: on a busy machine, for a
    /// piece the scheduler has set aside.</summary>
    public static long MinimumFlopsPerRegion => 16 * MinimumFlopsPerPart;

    /// <summary>Floats of element-wise work below which a phase is not worth a second thread.</summary>
    public static long MinimumElementsPerPart { get; private set; } = DefaultMinimumElements;

    private const long DefaultMinimumFlops = 1L << 18, DefaultMinimumElements = 1L << 12;

    /// <summary>For tests that run alone: every phase is cut among all pieces, however small (true), or the
    /// defaults (false). Results are the same either way; only the work per piece changes.</summary>
    internal static void SplitEverything(bool on)
    {
        MinimumFlopsPerPart = on ? 1 : DefaultMinimumFlops;
        MinimumElementsPerPart = on ? 1 : DefaultMinimumElements;
    }

    private readonly SpinBarrier? barrier;

    public ThreadTeam(int part, int parts, SpinBarrier? barrier)
    {
        Part = part;
        Parts = parts;
        this.barrier = parts > 1 ? barrier : null;
    }

    /// <summary>The team of one: piece 0 of 1.</summary>
    public static ThreadTeam Alone => new(0, 1, null);

    /// <summary>This thread's piece, 0 (the caller) to Parts - 1.</summary>
    public int Part { get; }

    /// <summary>Pieces in the region; 1 when single-threaded.</summary>
    public int Parts { get; }

    /// <summary>Waits until every piece has reached this point (a no-op for one piece). Every piece must
    /// call it the same number of times, so only decisions taken from sizes may skip it.</summary>
    public void Sync() => barrier?.SignalAndWait();

    /// <summary>Whether one of <paramref name="count"/> blocks is still left for this piece, taking it if so: for work whose
    /// blocks go to whichever piece is free first (the caller decides which block its n-th claim is, e.g. from either end of
    /// the list). Which piece does a block then depends on timing, so only work whose every element gets the same
    /// operations whoever computes it may be cut this way (blocks of a product, each element's sum whole). The tickets are
    /// the phase's: one such loop between two barriers (or a barrier and the job's start or end), run by every piece
    /// until it returns false. Only in a region of several pieces (a team with a barrier).</summary>
    public bool Claim(int count) => barrier!.NextTicket() < count;

    /// <summary>The pieces that share a product of <paramref name="flops"/>: 1 to Parts.</summary>
    public int ActiveForFlops(long flops) => (int)Math.Clamp(flops / MinimumFlopsPerPart, 1, Parts);

    /// <summary>The pieces that share <paramref name="elements"/> floats of element-wise work: 1 to Parts.</summary>
    public int ActiveForElements(long elements) => (int)Math.Clamp(elements / MinimumElementsPerPart, 1, Parts);

    /// <summary>This piece's range [First, End) of <paramref name="count"/> items cut among the first
    /// <paramref name="active"/> pieces at multiples of <paramref name="grain"/> (the last piece takes the
    /// remainder); empty for pieces at or past <paramref name="active"/>. Fewer grains than pieces leave the
    /// last pieces empty.</summary>
    public (int First, int End) Share(int count, int grain, int active)
    {
        if (Part >= active) return (0, 0);
        if (active == 1) return (0, count);
        long grains = count / grain;
        int first = (int)(grains * Part / active) * grain;
        int end = Part == active - 1 ? count : (int)(grains * (Part + 1) / active) * grain;
        return (first, end);
    }
}
