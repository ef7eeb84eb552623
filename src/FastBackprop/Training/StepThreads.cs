namespace FastBackprop.Training;

/// <summary>Where the workspaces of a training run get their threads. A run's threads (<see cref="Shared"/>) are one
/// pool, made when the first workspace that can use it is made and lent to every workspace after it (the step's and the
/// evaluation's: one pool per Fit instead of one each), ended by <see cref="Dispose"/>; a step made on its own
/// (<see cref="Owned"/>) gives its workspace a pool of its own, as before runs shared theirs. Results do not depend on
/// either.</summary>
internal sealed class StepThreads : IDisposable
{
    private readonly int degree;
    private readonly bool shared;
    private WorkerPool? pool;

    private StepThreads(int degree, bool shared)
    {
        this.degree = degree;
        this.shared = shared;
    }

    /// <summary>One pool of <paramref name="degree"/> threads (the caller's included; none at 1) for every workspace.</summary>
    public static StepThreads Shared(int degree) => new(degree, shared: true);

    /// <summary>A pool of <paramref name="degree"/> threads for each workspace, which it owns.</summary>
    public static StepThreads Owned(int degree) => new(degree, shared: false);

    /// <summary>A workspace for batches of up to <paramref name="capacity"/> on these threads.</summary>
    public BatchWorkspace Workspace(NetworkDefinition definition, int capacity)
    {
        if (!shared) return new BatchWorkspace(definition, capacity, degree);
        if (degree > 1) pool ??= new WorkerPool(degree);
        return new BatchWorkspace(definition, capacity, pool);
    }

    /// <summary>Ends the shared pool, if one was made; the workspaces that borrowed it are single-threaded after.</summary>
    public void Dispose() => pool?.Dispose();
}
