using FastBackprop.Training;

namespace FastBackprop.Ensembles;

/// <summary>Gives each of many trainings its own optimizer, and refuses what they cannot share (a checkpoint file): an optimizer keeps state from step to step (Adam's moments,
/// its step count), so one instance shared by two trainings would carry one into the other, and FitMany refuses it.</summary>
internal static class OptimizerPerTraining
{
    /// <summary><paramref name="options"/> with a fresh optimizer from <paramref name="create"/>; <paramref name="options"/>
    /// as it is when neither it nor <paramref name="create"/> names one (plain SGD, which Fit makes itself).</summary>
    /// <exception cref="ArgumentException">options.CheckpointPath is set; options.Optimizer is set and there is no factory, or the factory returned a
    /// used optimizer or the same instance twice (caught by FitMany).</exception>
    public static TrainingOptions For(TrainingOptions options, Func<Optimizer?>? create, string factoryName, string what)
    {
        if (options.CheckpointPath is not null)
        {
            throw new ArgumentException($"options.CheckpointPath is set; every {what} would write the same checkpoint. Leave it unset.", nameof(options));
        }
        if (create is null)
        {
            if (options.Optimizer is null) return options;
            throw new ArgumentException(
                $"options.Optimizer is one {options.Optimizer.GetType().Name}, whose state every {what} would step; set {factoryName} to make a fresh optimizer for each {what}.",
                nameof(options));
        }
        Optimizer? optimizer = create();
        if (optimizer is { StepCount: not 0 })
        {
            throw new ArgumentException($"{factoryName} returned an optimizer that has taken {optimizer.StepCount} steps; expected a new one for each {what}.", factoryName);
        }
        return options with { Optimizer = optimizer };
    }
}
