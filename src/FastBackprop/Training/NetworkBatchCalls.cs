namespace FastBackprop.Training;

// ---------------------------------------------------------------------------------------------
// The trainer's one door to the network's batch methods, and so the one place that knows their
// convention. Across this door the trainer works with the MEAN gradient over the batch (so that
// eta means the same for every batch size, as Optimizer.Step documents) and with the batch's
// SUMMED loss Σ_p E_p (which the epoch's running mean adds up in double).
//
// The network's TrainBatch, BackpropagateBatch and ComputeLossBatch return the mean loss
// (1/B) Σ_p E_p, and BackpropagateBatch fills the MEAN gradient (1/B) Σ_p ∂E_p/∂w: the gradient
// passes through as it is, and the loss is scaled back to the batch's sum here and nowhere else.
// ---------------------------------------------------------------------------------------------

/// <summary>The network's batch methods in the trainer's convention: summed loss, mean gradient.</summary>
internal static class NetworkBatchCalls
{
    /// <summary>Forward only: Σ_p E_p of the <paramref name="count"/> patterns; the outputs stay in <paramref name="workspace"/>.</summary>
    public static double LossSum(Network network, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int count, BatchWorkspace workspace) =>
        (double)network.ComputeLossBatch(inputs, targets, workspace) * count;

    /// <summary>One plain SGD step, w -= eta · mean gradient, fused into the gradient product; returns Σ_p E_p before the update.</summary>
    public static float TrainSgd(Network network, in Batch batch, float learningRate, BatchWorkspace workspace) =>
        network.TrainBatch(batch.Inputs, batch.Targets, learningRate, workspace) * batch.Count;

    /// <summary>Fills <paramref name="gradient"/> with the mean over the batch of ∂E_p/∂w; returns Σ_p E_p.</summary>
    public static float MeanGradient(Network network, in Batch batch, Span<float> gradient, BatchWorkspace workspace) =>
        network.BackpropagateBatch(batch.Inputs, batch.Targets, gradient, workspace) * batch.Count;

    /// <summary>Σ_p E_p of the <paramref name="count"/> patterns at <paramref name="parameters"/> (which need not be the
    /// network's own), after an inference forward pass, and the MEAN gradient into <paramref name="gradient"/> unless it
    /// is empty. Outputs that overflow give a non-finite loss, not an exception: an optimizer's trial point may be
    /// anywhere. An objective's mean loss is this sum / count in double, at the start point as at every trial point.</summary>
    public static float LossSumAt(Network network, ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int count,
        Span<float> gradient, BatchWorkspace workspace)
    {
        BatchPlan plan = network.BatchPlan;
        plan.Forward(parameters, inputs, count, workspace, random: null);
        float error = plan.OutputError(targets, count, workspace);
        if (!gradient.IsEmpty)
        {
            if (float.IsFinite(error)) plan.Backward(parameters, inputs, count, workspace, new ParameterUpdate(gradient, 1f / count, inPlace: false));
            else gradient.Fill(float.NaN);
        }
        return error;
    }
}
