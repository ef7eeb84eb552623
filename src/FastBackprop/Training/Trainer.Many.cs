using FastBackprop.Data;

namespace FastBackprop.Training;

public static partial class Trainer
{
    /// <summary>Trains every job's network, each with the same bits as <see cref="Fit"/> gives it alone.</summary>
    /// <param name="jobs">The trainings; no two may share a network.</param>
    /// <param name="degreeOfParallelism">Threads to use in all, the caller's included; 0 for every core.</param>
    /// <param name="cancellationToken">Stops every training after its current batch, as for Fit.</param>
    /// <returns>One outcome per job, in the jobs' order.</returns>
    /// <remarks>Argument errors (a job's data or options that Fit would refuse) are thrown before any training starts,
    /// naming the job; a training that fails later (it diverged) is reported in its outcome and does not stop the others.</remarks>
    /// <exception cref="ArgumentException">Two jobs share a network, or a job's arguments are invalid (see <see cref="Fit"/>).</exception>
    public static IReadOnlyList<TrainingOutcome> FitMany(IReadOnlyList<TrainingJob> jobs, int degreeOfParallelism = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ThrowHelper.CheckAtLeast(degreeOfParallelism, 0, nameof(degreeOfParallelism));
        var networks = new HashSet<Network>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < jobs.Count; i++)
        {
            TrainingJob job = jobs[i] ?? throw new ArgumentNullException(nameof(jobs), $"jobs[{i}] is null.");
            if (!networks.Add(job.Network)) throw new ArgumentException($"jobs[{i}] trains a network that an earlier job trains too; each job needs its own network.", nameof(jobs));
        }
        var outcomes = new TrainingOutcome[jobs.Count];
        for (int i = 0; i < jobs.Count; i++)
        {
            TrainingJob job = jobs[i];
            Dataset data = job.Rows is null ? job.Data : job.Data.Subset([.. job.Rows]);
            try
            {
                outcomes[i] = new TrainingOutcome(job, Fit(job.Network, data, job.Options, cancellationToken: cancellationToken), null);
            }
            catch (TrainingDivergedException e)
            {
                outcomes[i] = new TrainingOutcome(job, null, e);
            }
        }
        return outcomes;
    }
}
