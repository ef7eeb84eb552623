namespace FastBackprop.Training;

/// <summary>How one job of <see cref="Trainer.FitMany"/> ended: its history, or the exception its training threw.</summary>
/// <param name="Job">The job.</param>
/// <param name="History">What <see cref="Trainer.Fit"/> would have returned; null when the training failed.</param>
/// <param name="Failure">Why the training failed (a <see cref="TrainingDivergedException"/>, say); null when it succeeded.</param>
public sealed record TrainingOutcome(TrainingJob Job, TrainingHistory? History, Exception? Failure)
{
    /// <summary>Whether the training ended without an exception.</summary>
    public bool Succeeded => Failure is null;
}
