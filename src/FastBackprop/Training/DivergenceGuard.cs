namespace FastBackprop.Training;

/// <summary>The divergence policy: keeps what a step that turns a value non-finite must give back, and decides
/// between replaying the epoch at half the learning rate and stopping.</summary>
/// <remarks>
/// <para>Before each step the weights and the optimizer's state are copied, so that a run that stops on divergence
/// hands back the last finite weights, never NaN.</para>
/// <para>Under <see cref="DivergencePolicy.HalveLearningRate"/> a divergence replays the epoch from its start, not
/// just the failing batch: weights that only overflow in a later forward pass were already ruined by the earlier
/// batches of the epoch, so retrying the last batch at a smaller rate would go on from weights that cannot recover.
/// The epoch's start is part of the <see cref="TrainingState"/> (<see cref="EpochRestart"/>), so a run resumed
/// mid-epoch replays from the same point as an uninterrupted one.</para>
/// </remarks>
internal sealed class DivergenceGuard
{
    private readonly Network network;
    private readonly Optimizer? optimizer;
    private readonly int maxHalvings;
    private readonly bool halving;
    private readonly float[] stepParameters;
    private readonly IO.FieldWriter stepOptimizer = new();   // reused: no allocation after the first step

    public DivergenceGuard(Network network, TrainingOptions options)
    {
        this.network = network;
        optimizer = options.Optimizer;
        maxHalvings = options.MaxLearningRateHalvings;
        halving = options.OnDivergence == DivergencePolicy.HalveLearningRate;
        stepParameters = new float[network.Definition.ParameterCount];
    }

    /// <summary>At the (re)start of an epoch: marks where a halving replays from. A run resumed mid-epoch keeps the mark
    /// its checkpoint holds; one resumed from a checkpoint without a mark (written without halving) marks its resume point.</summary>
    public void MarkEpochStart(TrainingState state)
    {
        if (!halving || (state.Batch > 0 && state.Restart.Holds(state.Epoch, network, optimizer))) return;
        state.Restart.Mark(state, network, optimizer);
    }

    /// <summary>Keeps the weights and optimizer state of before the coming step.</summary>
    public void BeforeStep()
    {
        network.Parameters.CopyTo(stepParameters);
        if (optimizer is null) return;
        stepOptimizer.Clear();
        optimizer.WriteState(stepOptimizer);
    }

    /// <summary>After the step of <paramref name="result"/> diverged at <paramref name="learningRate"/>: with a halving
    /// left, rewinds the run to the epoch's mark and counts the halving (the caller halves its rate); otherwise puts
    /// back the weights of before the step and throws.</summary>
    /// <exception cref="TrainingDivergedException">No halving is left (or the policy is <see cref="DivergencePolicy.Throw"/>).</exception>
    public void Recover(in StepResult result, TrainingState state, float learningRate)
    {
        if (halving && state.Halvings < maxHalvings)
        {
            state.Halvings++;
            state.Restart.Rewind(state, network, optimizer);
            return;
        }
        stepParameters.CopyTo(network.Parameters);
        optimizer?.ReadState(stepOptimizer.Written, "the optimizer state before the step");
        string what = result.Failure.GetValueOrDefault().ToString().ToLowerInvariant();
        throw new TrainingDivergedException(state.Epoch + 1, state.Batch, result.Layer, what, learningRate);
    }
}

/// <summary>Where <see cref="DivergencePolicy.HalveLearningRate"/> replays an epoch from: the batch, running sums,
/// weights and optimizer state at the epoch's start (empty without halving).</summary>
internal sealed class EpochRestart
{
    private int epoch = -1;
    private int batch;
    private EpochMetrics metrics;
    private float[] parameters = [];
    private byte[] optimizerState = [];

    /// <summary>Whether a mark of <paramref name="epochInProgress"/> for this network and optimizer is held.</summary>
    public bool Holds(int epochInProgress, Network network, Optimizer? optimizer) =>
        epoch == epochInProgress && parameters.Length == network.Parameters.Length && (optimizer is null || optimizerState.Length == optimizer.SaveState().Length);

    public void Mark(TrainingState state, Network network, Optimizer? optimizer)
    {
        epoch = state.Epoch;
        batch = state.Batch;
        metrics = state.Metrics;
        if (parameters.Length != network.Parameters.Length) parameters = new float[network.Parameters.Length];
        network.Parameters.CopyTo(parameters);
        optimizerState = optimizer?.SaveState() ?? [];   // once per epoch
    }

    public void Rewind(TrainingState state, Network network, Optimizer? optimizer)
    {
        state.Batch = batch;
        state.Metrics = metrics;
        parameters.CopyTo(network.Parameters);
        optimizer?.ReadState(optimizerState, "the optimizer state at the epoch's start");
    }

    public void Exchange(ref StateSerializer s)
    {
        s.Int32(ref epoch, "the restart epoch", minimum: -1);
        s.Int32(ref batch, "the restart batch", minimum: 0);
        metrics.Exchange(ref s);
        s.Floats(ref parameters);
        s.OptimizerState(ref optimizerState);
    }
}
