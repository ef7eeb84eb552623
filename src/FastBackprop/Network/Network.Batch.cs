using FastBackprop.Kernels;

namespace FastBackprop;

// ---------------------------------------------------------------------------------------------
// The batch API: each call validates, then runs the batch plan's forward, output error and
// backward (see Plans/BatchPlan.cs for the equations).
//
// One convention across the API: a batch's loss and gradient are MEANS over its B patterns,
// (1/B) Σ_p E_p and (1/B) Σ_p ∂E_p/∂w, so that a learning rate means the same for every batch
// size and a batch of one is the per-pattern step. The 1/B is applied as the scale of the
// gradient's own matrix product and column sums, not as a separate pass over the gradient.
// ---------------------------------------------------------------------------------------------

public sealed partial class Network
{
    /// <summary>A workspace for batches of up to <paramref name="capacity"/> patterns, whose matrix products
    /// may use <paramref name="degreeOfParallelism"/> threads (see <see cref="BatchWorkspace"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> or <paramref name="degreeOfParallelism"/> is less than 1, or the capacity is too large.</exception>
    public BatchWorkspace CreateBatchWorkspace(int capacity, int degreeOfParallelism = 1) => new(Definition, capacity, degreeOfParallelism);

    /// <summary>Computes the outputs of a batch of patterns (dropout layers pass their input through).</summary>
    /// <param name="inputs">B rows of InputWidth values (row-major), finite; B = inputs.Length / InputWidth.</param>
    /// <param name="outputs">Destination, B rows of OutputWidth values.</param>
    /// <param name="workspace">Buffers for this network's shape with Capacity at least B.</param>
    /// <exception cref="ArgumentException">A length is not a whole number of rows or does not match, an input is NaN or
    /// infinite, the workspace is too small or for another shape, or the inputs drive a layer's outputs to infinity.</exception>
    /// <exception cref="InvalidOperationException">A parameter is NaN or infinite (the network diverged).</exception>
    public void PredictBatch(ReadOnlySpan<float> inputs, Span<float> outputs, BatchWorkspace workspace)
    {
        int batch = CheckBatch(inputs, workspace);
        ThrowHelper.CheckLength(outputs.Length, batch * Definition.OutputWidth, nameof(outputs));
        ForwardInference(inputs, batch, workspace).CopyTo(outputs);
    }

    /// <summary>The mean error (1/B) Σ_p E_p of a batch at inference; the outputs stay in <paramref name="workspace"/>
    /// (<see cref="BatchWorkspace.GetOutputs"/> of the last layer). The parameters are not changed.</summary>
    /// <param name="inputs">B rows of InputWidth values, finite.</param>
    /// <param name="targets">B rows of OutputWidth desired outputs, finite.</param>
    /// <param name="workspace">Buffers for this network's shape with Capacity at least B.</param>
    /// <exception cref="ArgumentException">A length is wrong, a value is NaN or infinite, the workspace does not fit, or the
    /// inputs drive a layer's outputs to infinity.</exception>
    /// <exception cref="InvalidOperationException">A parameter is NaN or infinite (the network diverged).</exception>
    public float ComputeLossBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, BatchWorkspace workspace)
    {
        int batch = CheckBatch(inputs, workspace);
        CheckTargets(targets, batch);
        ForwardInference(inputs, batch, workspace);
        return BatchPlan.OutputError(targets, batch, workspace) / batch;
    }

    /// <summary>Backpropagation over a batch, after a training forward pass (dropout layers draw masks from
    /// <see cref="BatchWorkspace.Random"/>): fills <paramref name="gradient"/> with the MEAN over the patterns of
    /// ∂E_p/∂w and returns the mean error (1/B) Σ_p E_p. The parameters are not changed.</summary>
    /// <param name="inputs">B rows of InputWidth values, finite.</param>
    /// <param name="targets">B rows of OutputWidth desired outputs, finite.</param>
    /// <param name="gradient">Destination, ParameterCount values in the parameter layout; overwritten.</param>
    /// <param name="workspace">Buffers for this network's shape with Capacity at least B.</param>
    /// <returns>The mean error; when it is not finite, so is the gradient (see <see cref="ThrowIfNotFinite"/>).</returns>
    /// <exception cref="ArgumentException">A length is wrong, a value is NaN or infinite, or the workspace does not fit.</exception>
    public float BackpropagateBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, Span<float> gradient, BatchWorkspace workspace)
    {
        int batch = CheckBatch(inputs, workspace);
        CheckTargets(targets, batch);
        ThrowHelper.CheckLength(gradient.Length, Definition.ParameterCount, nameof(gradient));
        float error = BatchPlan.Step(parameters, inputs, targets, batch, workspace, workspace.Random, new ParameterUpdate(gradient, 1f / batch, inPlace: false), onlyWhenFinite: false);
        return error / batch;
    }

    /// <summary>One mini-batch SGD step: a training forward pass and backward over the batch, then
    /// w -= eta · (1/B) Σ_p ∂E_p/∂w for every weight and bias. The weight update is fused into the gradient
    /// product; allocates nothing. A batch of one runs
    /// <see cref="TrainStep(ReadOnlySpan{float}, ReadOnlySpan{float}, float, Workspace)"/> (the same bits, and its
    /// speed: matrix products over one row cost more than the per-pattern path), drawing dropout masks from
    /// <see cref="BatchWorkspace.Random"/>; the workspace's getters then show that step.</summary>
    /// <param name="inputs">B rows of InputWidth values, finite.</param>
    /// <param name="targets">B rows of OutputWidth desired outputs, finite.</param>
    /// <param name="learningRate">eta; finite, 0 or more.</param>
    /// <param name="workspace">Buffers for this network's shape with Capacity at least B.</param>
    /// <returns>The mean error before the update. When it is not finite the parameters are left unchanged.</returns>
    /// <exception cref="ArgumentException">A length is wrong, a value is NaN or infinite, the learning rate is negative or
    /// not finite, or the workspace does not fit.</exception>
    public float TrainBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, float learningRate, BatchWorkspace workspace)
    {
        ThrowHelper.CheckNonNegativeFinite(learningRate, nameof(learningRate));
        int batch = CheckBatch(inputs, workspace);
        CheckTargets(targets, batch);
        if (batch == 1) return TrainPattern(inputs, targets, learningRate, workspace);
        float error = BatchPlan.Step(parameters, inputs, targets, batch, workspace, workspace.Random, new ParameterUpdate(parameters, -learningRate / batch, inPlace: true), onlyWhenFinite: true);
        return error / batch;
    }

    // TrainBatch's batch of one: the per-pattern step in the workspace's pattern buffers, with its generator, then
    // its buffers copied into the batch blocks (a few hundred floats) so that the batch getters show this step.
    private float TrainPattern(ReadOnlySpan<float> input, ReadOnlySpan<float> target, float learningRate, BatchWorkspace workspace)
    {
        Workspace pattern = workspace.Pattern;
        pattern.Random = workspace.Random;
        float error = Plan.TrainStep(parameters, input, target, learningRate, pattern);
        workspace.ShowPattern(pattern);
        return error;
    }

    // An inference forward pass whose outputs must be finite; returns them.
    private Span<float> ForwardInference(ReadOnlySpan<float> inputs, int batch, BatchWorkspace ws)
    {
        BatchPlan.Forward(parameters, inputs, batch, ws, random: null);
        Span<float> y = ws.Output(Definition.LayerCount - 1, batch);
        if (!Finiteness.All(y)) ThrowNotFinite(ws, batch);
        return y;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowNotFinite(BatchWorkspace ws, int batch)
    {
        if (!Finiteness.All(parameters.Span)) ThrowParametersNotFinite();
        int l = 0;
        while (l < Definition.LayerCount - 1 && Finiteness.All(ws.Output(l, batch))) l++;
        ThrowOverflow(l, "inputs");
    }

    private int CheckBatch(ReadOnlySpan<float> inputs, BatchWorkspace ws)
    {
        ArgumentNullException.ThrowIfNull(ws, "workspace");
        if (!Definition.Equals(ws.Definition)) ThrowWrongWorkspace(ws.Definition, "CreateBatchWorkspace()");
        int batch = CheckRows(inputs);
        if (batch > ws.Capacity)
        {
            throw new ArgumentException($"inputs holds {batch} patterns; the workspace holds at most {ws.Capacity}.", nameof(inputs));
        }
        return batch;
    }

    private void CheckTargets(ReadOnlySpan<float> targets, int batch)
    {
        ThrowHelper.CheckLength(targets.Length, batch * Definition.OutputWidth, nameof(targets));
        ThrowHelper.CheckFinite(targets, nameof(targets));
    }
}
