namespace FastBackprop.Training;

/// <summary>The divergence policy: keeps what a step that turns a value non-finite must give back, and decides
/// between replaying the epoch at half the learning rate and stopping.</summary>
/// <remarks>
/// <para>Before each step the weights and the optimizer's state are copied, so that a run that stops on divergence
/// hands back the last finite weights, never NaN.</para>
/// <para>Under <see cref="DivergencePolicy.HalveLearningRate"/> a divergence replays the epoch from its start (or
/// from the point a resumed run started the epoch at), not just the failing batch: weights that only overflow in
/// a later forward pass were already ruined by the earlier batches of the epoch, so retrying the last batch at a
/// smaller rate would go on from weights that cannot recover.</para>
/// </remarks>
internal sealed class DivergenceGuard
{
    private readonly Network network;
    private readonly Optimizer? optimizer;
    private readonly int maxHalvings;
    private readonly float[] stepParameters;
    private readonly float[] stepOptimizer;
    private long stepOptimizerSteps;
    private readonly bool halving;
    private readonly float[] restartParameters;
    private readonly float[] restartOptimizer;
    private long restartOptimizerSteps;
    private EpochMetrics restartMetrics;
    private int restartBatch;

    public DivergenceGuard(Network network, TrainingOptions options)
    {
        this.network = network;
        optimizer = options.Optimizer;
        maxHalvings = options.MaxLearningRateHalvings;
        halving = options.OnDivergence == DivergencePolicy.HalveLearningRate;
        int parameters = network.Definition.ParameterCount, state = optimizer?.StateLength ?? 0;
        stepParameters = new float[parameters];
        stepOptimizer = new float[state];
        restartParameters = new float[halving ? parameters : 0];
        restartOptimizer = new float[halving ? state : 0];
    }

    /// <summary>Marks where a halving replays from: the epoch as <paramref name="state"/> has it now.</summary>
    public void MarkEpochStart(TrainingState state)
    {
        if (!halving) return;
        restartBatch = state.Batch;
        restartMetrics = state.Metrics;
        network.Parameters.CopyTo(restartParameters);
        optimizer?.SaveState(restartOptimizer);
        restartOptimizerSteps = optimizer?.StepCount ?? 0;
    }

    /// <summary>Keeps the weights and optimizer state of before the coming step.</summary>
    public void BeforeStep()
    {
        network.Parameters.CopyTo(stepParameters);
        optimizer?.SaveState(stepOptimizer);
        stepOptimizerSteps = optimizer?.StepCount ?? 0;
    }

    /// <summary>After the step of <paramref name="result"/> diverged at <paramref name="learningRate"/>: with a halving
    /// left, rewinds weights, optimizer, running sums and batch to the epoch's mark and counts the halving (the caller
    /// halves its rate); otherwise puts back the weights of before the step and throws.</summary>
    /// <exception cref="TrainingDivergedException">No halving is left (or the policy is <see cref="DivergencePolicy.Throw"/>).</exception>
    public void Recover(in StepResult result, TrainingState state, float learningRate)
    {
        if (halving && state.Halvings < maxHalvings)
        {
            state.Halvings++;
            restartParameters.CopyTo(network.Parameters);
            optimizer?.LoadState(restartOptimizer, restartOptimizerSteps);
            state.Metrics = restartMetrics;
            state.Batch = restartBatch;
            return;
        }
        stepParameters.CopyTo(network.Parameters);
        optimizer?.LoadState(stepOptimizer, stepOptimizerSteps);
        string what = result.Failure.GetValueOrDefault().ToString().ToLowerInvariant();
        throw new TrainingDivergedException(state.Epoch + 1, state.Batch, result.Layer, what, learningRate);
    }
}
