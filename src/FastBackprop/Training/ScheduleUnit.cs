namespace FastBackprop.Training;

/// <summary>What the counter passed to <see cref="LearningRateSchedule.Rate(int)"/> counts during
/// <see cref="Trainer.Fit"/>.</summary>
public enum ScheduleUnit
{
    /// <summary>Zero-based epochs: one rate per epoch (PyTorch's <c>scheduler.step()</c> after every epoch).</summary>
    Epoch,

    /// <summary>Zero-based steps (batches) over the whole run: <c>epoch · batchesPerEpoch + batch</c>, so the counter
    /// goes on across epochs and a resumed run computes the rate of the step it resumes at (PyTorch's
    /// <c>scheduler.step()</c> after every <c>optimizer.step()</c>, as OneCycleLR expects). An epoch's
    /// <see cref="EpochReport.LearningRate"/> is then the rate of its last step.</summary>
    Step,
}
