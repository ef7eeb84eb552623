using FastBackprop.Kernels;

namespace FastBackprop.Training;

// ---------------------------------------------------------------------------------------------
// Which of FitMany's jobs train together in vector lanes. A lock-step group advances up to 16
// networks per instruction, but each of its ticks also costs the per-run work of Fit's loop for
// every lane (the rows, the epoch's sums, the callbacks), and its parameters take 16 times the
// cache a network takes alone; so it pays where one network alone leaves a vector mostly empty:
//   eligible   the lane engine supports the job (plain SGD, dense layers, built-in functions)
//              and the network is tiny (every width below 16, the input's included: the widths
//              the tiny-network plan runs alone in scalar code). Measured, 16 jobs by FitMany on
//              one thread against 16 Fits one after another (AVX-512): 2-4-3-2 per pattern
//              2.6x, in batches of 8 5.3x; but 64-8-10 per pattern 1.45x, 64-16-10 1.2x,
//              64-32-10 1.04x, below what a second core gives them trained alone.
//   clusters   eligible jobs that LockstepTraining.CanShare (same definition and batch size),
//              first-fit in the jobs' order
//   groups     a cluster is cut into as few groups of at most 16 as it needs, or, when the
//              threads would otherwise idle, into as many as there are threads, but never into
//              groups smaller than one register's lanes: more groups than that only spread the
//              same instructions over more cores. The jobs are dealt out in order, sizes within one.
//   minimum    a group of fewer than MinimumGroup jobs trains its jobs alone instead.
// None of this changes a bit: every lane is its network alone, whichever group it is in.
// ---------------------------------------------------------------------------------------------

/// <summary>Cuts FitMany's jobs into lock-step groups and single trainings (see the file header).</summary>
internal static class LaneGrouping
{
    /// <summary>Smallest lock-step group: below it each job trains faster alone.</summary>
    public const int MinimumGroup = 4;

    /// <summary>Widths (the input's included) of a network that trains in lanes: below this, as the tiny-network plan's.</summary>
    public const int TinyWidth = 16;

    /// <summary>The groups of <paramref name="jobs"/> for <paramref name="threads"/> threads, each a list in the jobs'
    /// order; a list of one is a job that trains alone.</summary>
    public static List<List<PreparedJob>> Groups(IReadOnlyList<PreparedJob> jobs, int threads)
    {
        var clusters = new List<List<PreparedJob>>();
        var groups = new List<List<PreparedJob>>();
        foreach (PreparedJob job in jobs)
        {
            if (!Eligible(job))
            {
                groups.Add([job]);
                continue;
            }
            List<PreparedJob>? cluster = clusters.Find(c => LockstepTraining.CanShare(c[0], job));
            if (cluster is null) clusters.Add([job]);
            else cluster.Add(job);
        }
        foreach (List<PreparedJob> cluster in clusters) Cut(cluster, threads, groups);
        return groups;
    }

    private static bool Eligible(PreparedJob job) =>
        job.Job.Network.Definition.MaxWidth < TinyWidth && LockstepTraining.CanShare(job, job);

    // The cluster's groups (see the file header), appended to `groups`.
    private static void Cut(List<PreparedJob> cluster, int threads, List<List<PreparedJob>> groups)
    {
        int perRegister = LanesPerRegister(), fewest = (cluster.Count + LaneStep.Capacity - 1) / LaneStep.Capacity;
        int count = Math.Max(fewest, Math.Min(threads, cluster.Count / Math.Max(perRegister, MinimumGroup)));
        for (int g = 0, start = 0; g < count; g++)
        {
            int size = (cluster.Count / count) + (g < cluster.Count % count ? 1 : 0);
            if (size < MinimumGroup)
            {
                for (int i = start; i < start + size; i++) groups.Add([cluster[i]]);
            }
            else
            {
                groups.Add(cluster.GetRange(start, size));
            }
            start += size;
        }
    }

    // Float lanes of the widest accelerated register: a group's step costs the same for up to this many lanes.
    private static int LanesPerRegister() => (int)VectorTiers.Active;
}
