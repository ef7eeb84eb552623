using FastBackprop.Kernels;

namespace FastBackprop.Training;

// ---------------------------------------------------------------------------------------------
// The batch step: one batch through the network and the update, then the finiteness checks.
// Three strategies, chosen once per Fit:
//   OnlineSgdStep    plain SGD, batches of one: Network.TrainStep, whose backward pass and update
//                    share one pass over each weight row (a one-row matrix product would spend
//                    most of its time packing)
//   FusedSgdStep     plain SGD: Network.TrainBatch, the update fused into the gradient product
//   GradientStep     an optimizer that needs the gradient (and perhaps the loss: iRPROP+), or
//                    clipping, or an L1/L2 penalty: the mean gradient, then clipping, then the
//                    penalty's gradient, then the optimizer's flat update
//   ObjectiveStep    an optimizer that evaluates trial points (L-BFGS, SCG, LM): the loss and mean
//                    gradient at the current weights through the optimizer's own objective, then
//                    the optimizer's step with both and the objective (the penalty is part of it)
//   MaxNormStep      around any of them when max-norm is set: the projection after the update
// A learning rate of 0 (a schedule may reach it) is a step like any other whose update changes
// nothing (w - 0 · g = w), so that dropout draws the same masks and the loss is measured the same
// way as at any other rate. Sample weights (Dataset.Weights) reach the passes through the
// workspace (BatchWorkspace.UseWeights; Plans/RowWeighting.cs), and a batch whose weights sum to 0
// is no step at all: its weighted mean is undefined, and a zero gradient would still move an
// optimizer's moments.
// ---------------------------------------------------------------------------------------------

/// <summary>Runs one training step on a batch and reports whether every value stayed finite.</summary>
internal abstract class BatchStep(Network network) : IDisposable
{
    protected Network Network { get; } = network;

    /// <summary>The strategy for these options (see the file header); its training passes draw dropout masks from
    /// <paramref name="layerRandom"/>, on a workspace that owns options.DegreeOfParallelism threads.</summary>
    public static BatchStep Create(Network network, TrainingOptions options, int batchSize, SeededRandom layerRandom) =>
        Create(network, options, batchSize, layerRandom, StepThreads.Owned(options.DegreeOfParallelism));

    /// <summary>As <see cref="Create(Network, TrainingOptions, int, SeededRandom)"/>, the passes on <paramref name="threads"/>.</summary>
    public static BatchStep Create(Network network, TrainingOptions options, int batchSize, SeededRandom layerRandom, StepThreads threads)
    {
        BatchStep step = CreateUpdate(network, options, batchSize, layerRandom, threads);
        ParameterPenalty? constraint = ParameterPenalty.ForMaxNorm(network.Definition, options.Regularization);
        return constraint is null ? step : new MaxNormStep(network, step, constraint);
    }

    private static BatchStep CreateUpdate(Network network, TrainingOptions options, int batchSize, SeededRandom layerRandom, StepThreads threads)
    {
        bool plainSgd = options.Optimizer is null && options.GradientClipNorm == 0 && options.Regularization is not { HasPenalty: true };
        if (plainSgd && batchSize == 1) return new OnlineSgdStep(network, layerRandom);
        if (plainSgd) return new FusedSgdStep(network, batchSize, threads, layerRandom);
        if (options.Optimizer is { Requires: >= OptimizerInputs.Objective } optimizer) return new ObjectiveStep(network, batchSize, options, optimizer, threads);
        return new GradientStep(network, batchSize, options, layerRandom, threads);
    }

    /// <summary>One step on <paramref name="batch"/> at <paramref name="learningRate"/> (finite, &gt;= 0); none, with a
    /// loss of 0, when the batch's sample weights sum to 0.</summary>
    public StepResult Run(in Batch batch, float learningRate) => batch.WeighsNothing ? StepResult.Finite(0f) : Train(batch, learningRate);

    /// <summary>The step of <see cref="Run"/> on a batch that weighs something (or has no weights).</summary>
    protected abstract StepResult Train(in Batch batch, float learningRate);

    /// <summary>Layer <paramref name="layer"/>'s outputs of the last step's forward pass, <paramref name="count"/> rows.</summary>
    public abstract ReadOnlySpan<float> Outputs(int layer, int count);

    public virtual void Dispose()
    {
    }

    /// <summary>A step's workspace on <paramref name="threads"/>, its passes drawing dropout masks from <paramref name="layerRandom"/>.</summary>
    protected static BatchWorkspace CreateWorkspace(StepThreads threads, NetworkDefinition definition, int batchSize, SeededRandom layerRandom)
    {
        BatchWorkspace workspace = threads.Workspace(definition, batchSize);
        workspace.Random = layerRandom;
        return workspace;
    }

    /// <summary>The result of a step that returned <paramref name="lossSum"/>: a non-finite loss, or a non-finite
    /// weight after the update, is a divergence.</summary>
    protected StepResult Checked(float lossSum, int count)
    {
        if (!float.IsFinite(lossSum)) return StepResult.Diverged(lossSum, NonFiniteValue.Loss, FirstNonFiniteOutput(count));
        if (!Finiteness.All(Network.Parameters)) return StepResult.Diverged(lossSum, NonFiniteValue.Weight, FirstNonFiniteLayer(Network.Parameters));
        return StepResult.Finite(lossSum);
    }

    /// <summary>The first layer whose part of <paramref name="buffer"/> (in the parameter layout) is not all finite; -1 if none.</summary>
    protected int FirstNonFiniteLayer(ReadOnlySpan<float> buffer)
    {
        NetworkDefinition definition = Network.Definition;
        for (int l = 0; l < definition.LayerCount; l++)
        {
            LayerLayout layout = definition.GetLayout(l);
            if (!Finiteness.All(buffer.Slice(layout.WeightOffset, layout.ParameterCount))) return l;   // dropout's empty slice: finite
        }
        return -1;
    }

    private int FirstNonFiniteOutput(int count)
    {
        int last = Network.Definition.LayerCount - 1;
        for (int l = 0; l < last; l++)
        {
            if (!Finiteness.All(Outputs(l, count))) return l;
        }
        return last;   // finite outputs below, so the output layer (or its loss)
    }
}

/// <summary>Plain SGD on one pattern per step (<see cref="Network.TrainStep(ReadOnlySpan{float}, ReadOnlySpan{float}, float, Workspace)"/>).</summary>
internal sealed class OnlineSgdStep(Network network, SeededRandom layerRandom) : BatchStep(network)
{
    private readonly Workspace workspace = new(network.Definition) { Random = layerRandom };

    protected override StepResult Train(in Batch batch, float learningRate)
    {
        // A weighted pattern's step is w_p times its gradient (Dataset.WithWeights: no batch to average over online).
        float rate = batch.Weights.IsEmpty ? learningRate : learningRate * batch.Weights[0];
        return Checked(Network.TrainStep(batch.Inputs, batch.Targets, rate, workspace), 1);
    }

    public override ReadOnlySpan<float> Outputs(int layer, int count) => workspace.GetOutputs(layer);
}

/// <summary>Plain SGD on a batch with the update fused into the gradient product (<see cref="Network.TrainBatch"/>).</summary>
internal sealed class FusedSgdStep(Network network, int batchSize, StepThreads threads, SeededRandom layerRandom) : BatchStep(network)
{
    private readonly BatchWorkspace workspace = CreateWorkspace(threads, network.Definition, batchSize, layerRandom);

    protected override StepResult Train(in Batch batch, float learningRate)
    {
        workspace.UseWeights(batch.Weights);
        return Checked(NetworkBatchCalls.TrainSgd(Network, batch, learningRate, workspace), batch.Count);
    }

    public override ReadOnlySpan<float> Outputs(int layer, int count) => workspace.GetOutputs(layer, count);

    public override void Dispose() => workspace.Dispose();
}

/// <summary>The mean gradient, checked, clipped if asked, then one flat update by the optimizer (with the batch's mean
/// loss for a rule that reads it).</summary>
internal sealed class GradientStep(Network network, int batchSize, TrainingOptions options, SeededRandom layerRandom, StepThreads threads) : BatchStep(network)
{
    private readonly BatchWorkspace workspace = CreateWorkspace(threads, network.Definition, batchSize, layerRandom);
    private readonly AlignedBuffer gradient = new(network.Definition.ParameterCount);
    // Plain SGD (with clipping) is the stateless Sgd optimizer: every unfused update runs one optimizer kernel.
    private readonly Optimizer optimizer = options.Optimizer ?? new Sgd(network.Definition.ParameterCount);
    private readonly bool needsLoss = options.Optimizer?.Requires == OptimizerInputs.GradientAndLoss;
    private readonly float clipNorm = options.GradientClipNorm;
    private readonly ParameterPenalty? penalty = ParameterPenalty.ForPenalty(network.Definition, options.Regularization);
    private readonly bool online = batchSize == 1;   // a weighted pattern's gradient is w_p times its own (Dataset.WithWeights)
    // The optimizer checks the gradient and its new weights in its own pass when the gradient it reads is the one measured
    // (no clipping, no penalty added): a failure then names what the separate checks would have named.
    private readonly bool fusedCheck = options.Optimizer is { ChecksFiniteness: true, Requires: OptimizerInputs.Gradient } && options.GradientClipNorm == 0
        && ParameterPenalty.ForPenalty(network.Definition, options.Regularization) is null;

    protected override StepResult Train(in Batch batch, float learningRate)
    {
        workspace.UseWeights(batch.Weights, normalize: !online);
        float lossSum = NetworkBatchCalls.MeanGradient(Network, batch, gradient, workspace);
        if (!float.IsFinite(lossSum)) return Checked(lossSum, batch.Count);
        if (fusedCheck)
        {
            bool finite = optimizer.StepChecked(Network.Parameters, gradient, learningRate);
            return finite ? StepResult.Finite(lossSum) : FusedCheckFailure(lossSum, batch.Count);
        }
        int bad = FirstNonFiniteLayer(gradient);
        if (bad >= 0) return StepResult.Diverged(lossSum, NonFiniteValue.Gradient, bad);
        if (clipNorm > 0) GradientClipping.ClipByNorm(gradient, clipNorm);
        penalty?.AddGradient(gradient, Network.Parameters);   // after clipping, where PyTorch's weight_decay enters
        if (needsLoss) optimizer.Step(Network.Parameters, gradient, learningRate, PenalisedMean(lossSum, batch.Count), null);
        else optimizer.Step(Network.Parameters, gradient, learningRate);
        return Checked(lossSum, batch.Count);
    }

    public override ReadOnlySpan<float> Outputs(int layer, int count) => workspace.GetOutputs(layer, count);

    public override void Dispose() => workspace.Dispose();

    // A step whose fused check failed, named as the separate checks name it: the gradient's first non-finite layer if
    // any (the update leaves the gradient as it was), else the weights'.
    private StepResult FusedCheckFailure(float lossSum, int count)
    {
        int bad = FirstNonFiniteLayer(gradient);
        return bad >= 0 ? StepResult.Diverged(lossSum, NonFiniteValue.Gradient, bad) : Checked(lossSum, count);
    }

    // The loss iRPROP+ compares: the mean loss, plus the penalty when there is one (the function the gradient is of).
    private double PenalisedMean(float lossSum, int count)
    {
        double mean = (double)lossSum / count;
        return penalty is null ? mean : mean + penalty.Value(Network.Parameters);
    }
}

/// <summary>The loss and mean gradient at the current weights, through the objective the optimizer then evaluates
/// trial points of (so that the start point and the trial points are measured by one function, to the bit), then
/// the optimizer's step. The network has no dropout (Trainer.Fit checks), so the passes draw nothing.</summary>
internal sealed class ObjectiveStep : BatchStep
{
    private readonly BatchWorkspace workspace;
    private readonly BatchObjective objective;
    private readonly Optimizer optimizer;
    private readonly AlignedBuffer gradient;
    private readonly float[] outputs;   // the output layer's rows at the start point: trial points overwrite the workspace's
    private readonly bool online;       // a weighted pattern's objective is w_p times its loss (Dataset.WithWeights)

    public ObjectiveStep(Network network, int batchSize, TrainingOptions options, Optimizer optimizer, StepThreads threads)
        : base(network)
    {
        online = batchSize == 1;
        workspace = threads.Workspace(network.Definition, batchSize);
        objective = new BatchObjective(network, workspace, ParameterPenalty.ForPenalty(network.Definition, options.Regularization));
        this.optimizer = optimizer;
        gradient = new AlignedBuffer(network.Definition.ParameterCount);
        outputs = new float[batchSize * network.Definition.OutputWidth];
    }

    protected override StepResult Train(in Batch batch, float learningRate)
    {
        objective.Bind(batch, online);
        float lossSum = NetworkBatchCalls.LossSumAt(Network, Network.Parameters, batch.Inputs, batch.Targets, batch.Count, gradient, workspace);
        if (!float.IsFinite(lossSum)) return Checked(lossSum, batch.Count);
        int bad = FirstNonFiniteLayer(gradient);
        if (bad >= 0) return StepResult.Diverged(lossSum, NonFiniteValue.Gradient, bad);
        int last = Network.Definition.LayerCount - 1;
        workspace.GetOutputs(last, batch.Count).CopyTo(outputs);
        double loss = objective.AddPenalty(objective.OnlineWeight * lossSum / batch.Count, Network.Parameters, gradient);
        optimizer.Step(Network.Parameters, gradient, learningRate, loss, objective);
        return Checked(lossSum, batch.Count);
    }

    public override ReadOnlySpan<float> Outputs(int layer, int count) =>
        layer == Network.Definition.LayerCount - 1 ? outputs.AsSpan(0, count * Network.Definition.OutputWidth) : workspace.GetOutputs(layer, count);

    public override void Dispose() => workspace.Dispose();
}

/// <summary>Another step, then the max-norm projection of every unit's incoming weights (when that step kept every value
/// finite: a diverged step's weights are the guard's to restore).</summary>
internal sealed class MaxNormStep(Network network, BatchStep update, ParameterPenalty constraint) : BatchStep(network)
{
    protected override StepResult Train(in Batch batch, float learningRate)
    {
        StepResult result = update.Run(batch, learningRate);
        if (result.Failure is null) constraint.ApplyMaxNorm(Network.Parameters);
        return result;
    }

    public override ReadOnlySpan<float> Outputs(int layer, int count) => update.Outputs(layer, count);

    public override void Dispose() => update.Dispose();
}
