using System.Diagnostics;

namespace FastBackprop.Training;

/// <summary>The divergence policy: gives back what a step that turns a value non-finite must give back, and decides
/// between replaying the epoch at half the learning rate and stopping.</summary>
/// <remarks>
/// <para>A run that stops on divergence hands back the weights and optimizer state of before the failing step, never
/// NaN. They are not copied before every step (a copy of every weight per step costs more than a small step's
/// element-wise work): the guard marks the point the epoch (re)started from, its weights, optimizer state and dropout
/// generator, once per epoch, and on a divergence that ends the run puts the mark back and replays the epoch's batches
/// up to the failing one. Every step is deterministic (same bits for the same weights, batch, rate and generator), so
/// the replay ends on exactly the weights the run had before the failing step; the replay costs at most an epoch's
/// steps, once, on the way to the exception.</para>
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
    private readonly BatchStep step;
    private readonly BatchSource source;
    private readonly SeededRandom layerRandom;

    // The replay point: where the steps of the epoch in progress started, at which rate, from which weights,
    // optimizer state and dropout generator.
    private readonly float[] markParameters;
    private readonly IO.FieldWriter markOptimizer;   // sized once for the optimizer's state: no growing copies, no allocation per epoch
    private readonly SeededRandom markRandom = new(0);
    private readonly Func<int, float>? stepRate;   // a per-step schedule's rate of a batch of the epoch, or null
    private int markBatch;
    private float markRate;

    /// <summary>A guard for the run of <paramref name="step"/> over <paramref name="source"/>, whose dropout masks
    /// come from <paramref name="layerRandom"/> (replayed steps draw the same ones again), and whose steps run at
    /// <paramref name="stepRate"/>'s rate for their batch when the schedule counts steps (else at the epoch's rate).</summary>
    public DivergenceGuard(Network network, TrainingOptions options, BatchStep step, BatchSource source, SeededRandom layerRandom, Func<int, float>? stepRate = null)
    {
        this.stepRate = stepRate;
        this.network = network;
        optimizer = options.Optimizer;
        maxHalvings = options.MaxLearningRateHalvings;
        halving = options.OnDivergence == DivergencePolicy.HalveLearningRate;
        this.step = step;
        this.source = source;
        this.layerRandom = layerRandom;
        markParameters = new float[network.Definition.ParameterCount];
        markOptimizer = new IO.FieldWriter(optimizer?.StateBytesHint ?? 0);
    }

    /// <summary>At the (re)start of an epoch, whose steps run at <paramref name="learningRate"/>: marks where a halving
    /// replays from (a run resumed mid-epoch keeps the mark its checkpoint holds; one resumed from a checkpoint without
    /// a mark, written without halving, marks its resume point), and where a divergence that ends the run replays from.</summary>
    public void MarkEpochStart(TrainingState state, float learningRate)
    {
        if (halving && !(state.Batch > 0 && state.Restart.Holds(state.Epoch, network, optimizer))) state.Restart.Mark(state, network, optimizer);
        MarkReplayPoint(state.Batch, learningRate);
    }

    /// <summary>After the step of <paramref name="result"/> diverged at <paramref name="learningRate"/>: with a halving
    /// left, rewinds the run to the epoch's mark, counts the halving and returns the halved rate; otherwise puts back
    /// the weights and optimizer state of before the step and throws.</summary>
    /// <exception cref="TrainingDivergedException">No halving is left (or the policy is <see cref="DivergencePolicy.Throw"/>).</exception>
    public float Recover(in StepResult result, TrainingState state, float learningRate)
    {
        if (halving && state.Halvings < maxHalvings)
        {
            state.Halvings++;
            state.Restart.Rewind(state, network, optimizer);
            float halved = learningRate * 0.5f;
            MarkReplayPoint(state.Batch, halved);   // the dropout generator goes on from here, not from the epoch's start
            return halved;
        }
        RestoreBeforeStep(state.Batch);
        string what = result.Failure.GetValueOrDefault().ToString().ToLowerInvariant();
        throw new TrainingDivergedException(state.Epoch + 1, state.Batch, result.Layer, what, learningRate);
    }

    private void MarkReplayPoint(int batch, float learningRate)
    {
        markBatch = batch;
        markRate = learningRate;
        network.Parameters.CopyTo(markParameters);
        markRandom.CopyFrom(layerRandom);
        if (optimizer is null) return;
        markOptimizer.Clear();
        optimizer.WriteState(markOptimizer);
    }

    /// <summary>Puts back the weights, optimizer state and dropout generator of before batch <paramref name="failingBatch"/>'s
    /// step: the mark's, then the steps from the mark to that batch again, which gave finite results the first time and
    /// give the same bits now. Also how a run that diverged in a lane of lock-step training (whose network still holds the
    /// epoch's start) takes up its own steps at the failing batch.</summary>
    public void RestoreBeforeStep(int failingBatch)
    {
        markParameters.CopyTo(network.Parameters);
        optimizer?.ReadState(markOptimizer.Written, "the optimizer state at the replay point");
        layerRandom.CopyFrom(markRandom);
        for (int b = markBatch; b < failingBatch; b++)
        {
            if (step.Run(source.Gather(b), stepRate?.Invoke(b) ?? markRate).Failure is null) continue;
            // Unreachable while the steps are deterministic (a BatchCompleted handler that changes the weights breaks
            // that): hand back the mark's weights, finite at least, rather than NaN.
            Debug.Fail("a replayed step diverged: the steps are not deterministic");
            markParameters.CopyTo(network.Parameters);
            optimizer?.ReadState(markOptimizer.Written, "the optimizer state at the replay point");
            return;
        }
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
