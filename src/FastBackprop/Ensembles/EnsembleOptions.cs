using FastBackprop.Training;

namespace FastBackprop.Ensembles;

/// <summary>How <see cref="Ensemble.Train"/> makes its members.</summary>
public sealed record EnsembleOptions
{
    /// <summary>The member count K, from 1 to <see cref="Ensemble.MaxMembers"/>; 5 by default.</summary>
    public int Members { get; init; } = 5;

    /// <summary>The ensemble's seed: member m uses <see cref="Ensemble.MemberSeed"/>(Seed, m) = Seed + m for its initial
    /// weights and its shuffle order (and its bootstrap sample), so member m is the network one Fit with that seed gives.</summary>
    public ulong Seed { get; init; }

    /// <summary>Train each member on a bootstrap sample: as many rows as the data has, drawn with replacement
    /// (<see cref="Ensemble.BootstrapRows"/>), as scikit-learn's BaggingClassifier with bootstrap=True; false (the default)
    /// trains every member on all the rows, so they differ only by their seeds.</summary>
    public bool Bootstrap { get; init; }

    /// <summary>How the members' outputs are combined; <see cref="Voting.Soft"/> by default.</summary>
    public Voting Voting { get; init; } = Voting.Soft;

    /// <summary>Makes each member's optimizer (called once per member, in member order; each call must return a new
    /// optimizer): an optimizer keeps state from step to step, so the members cannot share the one in
    /// <see cref="TrainingOptions.Optimizer"/>, which this replaces. Null (the default) needs
    /// <see cref="TrainingOptions.Optimizer"/> null (plain SGD).</summary>
    public Func<Optimizer?>? CreateOptimizer { get; init; }

    /// <summary>Threads for all members together, passed to <see cref="Trainer.FitMany"/>; 0 (the default) for
    /// every core. The members do not depend on it.</summary>
    public int DegreeOfParallelism { get; init; }
}
