namespace FastBackprop.Training;

// ---------------------------------------------------------------------------------------------
// LaneStep: the contract between lock-step training (many runs of one network shape driven
// batch by batch together) and the engine that makes their steps. Lane i holds run i's
// parameters; one Run call makes one step of every lane that has rows. A lane's step must give
// the same bits (loss sum, outputs, parameters after the update) as that run's own BatchStep on
// the same rows at the same rate, at every tier: lock-step training is an execution strategy,
// never a different result.
//
// The driver owns everything else (orders, schedules, metrics, validation, early stopping): it
// loads a lane at the start of an epoch, stores it at the end, and hands a run whose step was
// not finite back to its own BatchStep (replaying the epoch from its start), so the engine only
// reports non-finite steps and never recovers from them.
// ---------------------------------------------------------------------------------------------

/// <summary>One training step of up to <see cref="Capacity"/> runs of one network shape at once (see the file header).</summary>
internal abstract class LaneStep : IDisposable
{
    /// <summary>Most lanes one engine holds: the 16 floats of a Vector512 (two Vector256, four Vector128, sixteen
    /// floats), so that which runs share an engine does not depend on the vector width.</summary>
    public const int Capacity = 16;

    /// <summary>Lanes in use, 1 to <see cref="Capacity"/>.</summary>
    public abstract int Lanes { get; }

    /// <summary>Patterns per step at most (the last batch of an epoch may hold fewer).</summary>
    public abstract int BatchSize { get; }

    /// <summary>Copies <paramref name="parameters"/> (the network's flat layout) into lane <paramref name="lane"/>.</summary>
    public abstract void Load(int lane, ReadOnlySpan<float> parameters);

    /// <summary>Copies lane <paramref name="lane"/>'s parameters into <paramref name="parameters"/> (the flat layout).</summary>
    public abstract void Store(int lane, Span<float> parameters);

    /// <summary>One step of every lane with rows.</summary>
    /// <param name="rows">Lane i's batch: row numbers of its data set (the one it was bound to), in batch order, at
    /// [i · <see cref="BatchSize"/>, i · BatchSize + counts[i]).</param>
    /// <param name="counts">Rows per lane, 0 to <see cref="BatchSize"/>; 0 makes no step (the lane's parameters stay as they are).</param>
    /// <param name="rates">Each lane's learning rate (finite, 0 or more).</param>
    /// <param name="results">Each lane's result: <see cref="StepResult.Finite"/> with the batch's loss sum, or a
    /// divergence (loss or parameters not finite; its layer need not be set) for the driver to replay alone.</param>
    public abstract void Run(ReadOnlySpan<int> rows, ReadOnlySpan<int> counts, ReadOnlySpan<float> rates, Span<StepResult> results);

    /// <summary>The output layer's values of lane <paramref name="lane"/>'s last step, <paramref name="count"/> rows, row-major.</summary>
    public abstract ReadOnlySpan<float> Outputs(int lane, int count);

    public virtual void Dispose()
    {
    }
}
