namespace FastBackprop.Training;

/// <summary>A job of <see cref="Trainer.FitMany"/> after <see cref="Trainer.Prepare"/>: its arguments checked and its
/// rows split into training and validation views, ready to train.</summary>
/// <param name="Index">The job's place in FitMany's list (that of its outcome).</param>
/// <param name="Job">The job.</param>
/// <param name="Training">The rows it trains on.</param>
/// <param name="Validation">The rows it validates on, or null.</param>
internal sealed record PreparedJob(int Index, TrainingJob Job, DatasetRows Training, DatasetRows? Validation)
{
    /// <summary>Trains the job as Fit would, its steps and evaluations on <paramref name="threads"/> threads (the
    /// caller's included); throws what Fit throws during training.</summary>
    public TrainingHistory Train(int threads, CancellationToken cancellationToken)
    {
        using var run = new TrainingRun(Job.Network, Training, Validation, Job.Options, threads);
        return run.Execute(cancellationToken);
    }
}
