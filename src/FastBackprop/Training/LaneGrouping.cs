using FastBackprop.Kernels;

namespace FastBackprop.Training;

// ---------------------------------------------------------------------------------------------
// Which of FitMany's jobs train together in vector lanes. A lock-step group advances up to 16
// networks per instruction, but each of its steps costs about as much as a small network's step
// alone times the registers a 16-lane block takes (one Vector512, two Vector256, ...), so it pays
// only for small networks and for enough of them:
//   eligible   the lane engine supports the job (plain SGD, dense layers, built-in functions),
//              the network is small (ParameterCount <= MaxParameters: 16 interleaved copies of
//              its parameters stay in L2), and its steps are ones that use a vector poorly alone:
//              per pattern or in batches of at most MaxBatch, or any batch of a tiny network
//              (every width below 16). Measured (16 jobs, FitMany on one thread against 16 Fits
//              one after another, AVX-512): 2-4-3-2 per pattern 2.2x, batch 8 5.3x; 64-32-10 per
//              pattern 1.3x, batch 4 1.4x, but batch 32 0.6x: there one network's matrix products
//              already fill the vectors, and the lanes only add the driver's per-lane work.
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
    /// <summary>Largest network that trains in lanes: 16 copies of 4,096 floats are 256 KiB.</summary>
    public const int MaxParameters = 4096;

    /// <summary>Smallest lock-step group: below it each job trains faster alone.</summary>
    public const int MinimumGroup = 4;

    /// <summary>Largest batch of a network with a width of 16 or more that trains in lanes.</summary>
    public const int MaxBatch = 4;

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
            List<PreparedJob>? cluster = clusters.Find(c => LockstepTraining.CanShare(Tuple(c[0]), Tuple(job)));
            if (cluster is null) clusters.Add([job]);
            else cluster.Add(job);
        }
        foreach (List<PreparedJob> cluster in clusters) Cut(cluster, threads, groups);
        return groups;
    }

    private static bool Eligible(PreparedJob job)
    {
        NetworkDefinition definition = job.Job.Network.Definition;
        bool poorAlone = LockstepTraining.BatchSize(Tuple(job)) <= MaxBatch || definition.MaxWidth < 16;
        return definition.ParameterCount <= MaxParameters && poorAlone && LockstepTraining.CanShare(Tuple(job), Tuple(job));
    }

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

    private static (TrainingJob Job, DatasetRows Training, DatasetRows? Validation) Tuple(PreparedJob job) => (job.Job, job.Training, job.Validation);
}
