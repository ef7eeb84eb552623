using System.Numerics.Tensors;
using FastBackprop.Kernels;

namespace FastBackprop;

// ---------------------------------------------------------------------------------------------
// Mini-batch training: the per-pattern equations with the patterns stacked as rows.
//
//   forward   Z_l = Y_(l-1) W_l^T + 1 b_l^T       Gemm NT, C pre-filled with the bias rows
//             Y_l = f(Z_l)                         one element-wise call over the block
//   output    dZ_L = ∂E/∂Z_L row by row            (7), or y - d for the cross-entropies
//   backward  dX   = dZ_l W_l                      Gemm NN, from the old weights
//             dZ_(l-1) = dX ⊙ f'(Z_(l-1))
//   gradient  ∂E/∂W_l = dZ_l^T Y_(l-1)             Gemm TN (summed over the patterns)
//             ∂E/∂b_l = column sums of dZ_l
//   SGD       W_l -= (eta / B) dZ_l^T Y_(l-1)      the same Gemm TN with alpha = -eta/B, beta = 1:
//                                                  the update is fused, dW is never stored
// ---------------------------------------------------------------------------------------------

public sealed partial class Network
{
    /// <summary>A workspace for batches of up to <paramref name="capacity"/> patterns, whose matrix products
    /// may use <paramref name="degreeOfParallelism"/> threads (see <see cref="BatchWorkspace"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> or <paramref name="degreeOfParallelism"/> is less than 1, or the capacity is too large.</exception>
    public BatchWorkspace CreateBatchWorkspace(int capacity, int degreeOfParallelism = 1) => new(Definition, capacity, degreeOfParallelism);

    /// <summary>Computes the outputs of a batch of patterns.</summary>
    /// <param name="inputs">B rows of InputWidth values (row-major), finite; B = inputs.Length / InputWidth.</param>
    /// <param name="outputs">Destination, B rows of OutputWidth values.</param>
    /// <param name="workspace">Buffers for this network's definition with Capacity at least B.</param>
    /// <exception cref="ArgumentException">A length is not a whole number of rows or does not match, an input
    /// is NaN or infinite, or the workspace is too small or belongs to another definition.</exception>
    public void PredictBatch(ReadOnlySpan<float> inputs, Span<float> outputs, BatchWorkspace workspace)
    {
        int batch = CheckBatch(inputs, workspace);
        ThrowHelper.CheckLength(outputs.Length, batch * Definition.OutputWidth, nameof(outputs));
        ForwardBatch(inputs, batch, workspace);
        workspace.Outputs(Definition.LayerCount - 1, batch).CopyTo(outputs);
    }

    /// <summary>The summed error Σ_p E_p of a batch; the outputs stay in <paramref name="workspace"/>
    /// (<see cref="BatchWorkspace.GetOutputs"/> of the last layer). The parameters are not changed.</summary>
    /// <param name="inputs">B rows of InputWidth values, finite.</param>
    /// <param name="targets">B rows of OutputWidth desired outputs, finite.</param>
    /// <param name="workspace">Buffers for this network's definition with Capacity at least B.</param>
    /// <exception cref="ArgumentException">A length is wrong, a value is NaN or infinite, or the workspace does not fit.</exception>
    public float ComputeLossBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, BatchWorkspace workspace)
    {
        int batch = CheckBatch(inputs, workspace);
        CheckTargets(targets, batch);
        ForwardBatch(inputs, batch, workspace);
        return OutputErrorBatch(targets, batch, workspace);
    }

    /// <summary>Backpropagation over a batch: fills <paramref name="gradient"/> with the SUM over the
    /// patterns of ∂E_p/∂w (divide by the batch size for the mean) and returns the summed error Σ_p E_p.
    /// The parameters are not changed.</summary>
    /// <param name="inputs">B rows of InputWidth values, finite.</param>
    /// <param name="targets">B rows of OutputWidth desired outputs, finite.</param>
    /// <param name="gradient">Destination, ParameterCount values in the parameter layout; overwritten.</param>
    /// <param name="workspace">Buffers for this network's definition with Capacity at least B.</param>
    /// <exception cref="ArgumentException">A length is wrong, a value is NaN or infinite, or the workspace does not fit.</exception>
    public float BackpropagateBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, Span<float> gradient, BatchWorkspace workspace)
    {
        int batch = CheckBatch(inputs, workspace);
        CheckTargets(targets, batch);
        ThrowHelper.CheckLength(gradient.Length, Definition.ParameterCount, nameof(gradient));
        ForwardBatch(inputs, batch, workspace);
        float error = OutputErrorBatch(targets, batch, workspace);
        for (int l = Definition.LayerCount - 1; l >= 0; l--)
        {
            LayerLayout layout = Definition.GetLayout(l);
            ReadOnlySpan<float> x = l == 0 ? inputs : workspace.Outputs(l - 1, batch);
            Span<float> dz = workspace.Deltas(l, batch);
            // ∂E/∂W_l = dZ_l^T Y_(l-1): (units x batch) (batch x inputs)
            Gemm.MultiplyParallel(workspace.Pool, GemmForm.TN, layout.Units, layout.Inputs, batch, 1f, dz, layout.Units, x, layout.Inputs,
                0f, gradient.Slice(layout.WeightOffset, layout.WeightCount), layout.Inputs);
            ColumnSums(dz, batch, gradient.Slice(layout.BiasOffset, layout.Units));
            if (l > 0) BackwardBatch(l, batch, workspace);
        }
        return error;
    }

    /// <summary>One mini-batch SGD step: forward and backward over the batch, then
    /// w -= eta · (1/B) Σ_p ∂E_p/∂w for every weight and bias (the mean gradient, so that eta means the
    /// same for every batch size; with B = 1 this is <see cref="TrainStep(ReadOnlySpan{float}, ReadOnlySpan{float}, float, Workspace)"/>).
    /// The weight update is fused into the gradient product; allocates nothing. Returns Σ_p E_p before the update.</summary>
    /// <param name="inputs">B rows of InputWidth values, finite.</param>
    /// <param name="targets">B rows of OutputWidth desired outputs, finite.</param>
    /// <param name="learningRate">eta; finite and greater than zero.</param>
    /// <param name="workspace">Buffers for this network's definition with Capacity at least B.</param>
    /// <exception cref="ArgumentException">A length is wrong, a value is NaN or infinite, the learning rate is not
    /// a finite positive number, or the workspace does not fit.</exception>
    public float TrainBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, float learningRate, BatchWorkspace workspace)
    {
        ThrowHelper.CheckPositiveFinite(learningRate, nameof(learningRate));
        int batch = CheckBatch(inputs, workspace);
        CheckTargets(targets, batch);
        ForwardBatch(inputs, batch, workspace);
        float error = OutputErrorBatch(targets, batch, workspace);
        float scale = -learningRate / batch;
        for (int l = Definition.LayerCount - 1; l >= 0; l--)
        {
            LayerLayout layout = Definition.GetLayout(l);
            ReadOnlySpan<float> x = l == 0 ? inputs : workspace.Outputs(l - 1, batch);
            Span<float> dz = workspace.Deltas(l, batch);
            if (l > 0) BackwardBatch(l, batch, workspace);   // dX needs the old weights: before the update
            // W_l += (-eta/B) dZ_l^T Y_(l-1)
            Gemm.MultiplyParallel(workspace.Pool, GemmForm.TN, layout.Units, layout.Inputs, batch, scale, dz, layout.Units, x, layout.Inputs,
                1f, Weights(layout), layout.Inputs);
            Span<float> biases = parameters.AsSpan(layout.BiasOffset, layout.Units);
            for (int p = 0; p < batch; p++)
            {
                TensorPrimitives.MultiplyAdd(dz.Slice(p * layout.Units, layout.Units), scale, biases, biases);
            }
        }
        return error;
    }

    private void ForwardBatch(ReadOnlySpan<float> inputs, int batch, BatchWorkspace ws)
    {
        for (int l = 0; l < Definition.LayerCount; l++)
        {
            LayerLayout layout = Definition.GetLayout(l);
            ReadOnlySpan<float> x = l == 0 ? inputs : ws.Outputs(l - 1, batch);
            Span<float> z = ws.NetSums(l, batch);
            ReadOnlySpan<float> bias = parameters.AsSpan(layout.BiasOffset, layout.Units);
            for (int p = 0; p < batch; p++) bias.CopyTo(z.Slice(p * layout.Units, layout.Units));
            // Z = X W^T + Z (Z holds the bias rows): (batch x inputs) (inputs x units)
            Gemm.MultiplyParallel(ws.Pool, GemmForm.NT, batch, layout.Units, layout.Inputs, 1f, x, layout.Inputs, Weights(layout), layout.Inputs, 1f, z, layout.Units);
            TransferFunction transfer = ((Dense)Definition.Layers[l]).Transfer;
            Span<float> y = ws.Outputs(l, batch);
            if (transfer.Form == ScalarForm.Softmax)
            {
                for (int p = 0; p < batch; p++) transfer.Activate(z.Slice(p * layout.Units, layout.Units), y.Slice(p * layout.Units, layout.Units));
            }
            else
            {
                transfer.Activate(z, y);   // element-wise: the whole block in one call
            }
        }
    }

    // Fills dZ of the output layer and returns Σ_p E_p.
    private float OutputErrorBatch(ReadOnlySpan<float> targets, int batch, BatchWorkspace ws)
    {
        int last = Definition.LayerCount - 1, width = Definition.OutputWidth;
        TransferFunction transfer = ((Dense)Definition.Layers[last]).Transfer;
        Span<float> z = ws.NetSums(last, batch), y = ws.Outputs(last, batch), dz = ws.Deltas(last, batch);
        float error = 0f;
        if (Definition.Loss == Loss.CrossEntropy)
        {
            for (int p = 0; p < batch; p++)
            {
                Span<float> zp = z.Slice(p * width, width), yp = y.Slice(p * width, width), dp = dz.Slice(p * width, width);
                ReadOnlySpan<float> tp = targets.Slice(p * width, width);
                error += transfer.Form == ScalarForm.Softmax
                    ? OutputDelta.SoftmaxCrossEntropy(zp, yp, tp, dp)
                    : OutputDelta.LogisticCrossEntropy(zp, yp, tp, dp);
            }
            return error;
        }
        error = OutputDelta.HalfSquaredError(y, targets, dz);   // the whole block: Σ_p ½ Σ_k (y - d)²
        if (transfer.Form == ScalarForm.Softmax)
        {
            for (int p = 0; p < batch; p++) transfer.MultiplyByDerivative(z.Slice(p * width, width), y.Slice(p * width, width), dz.Slice(p * width, width));
        }
        else
        {
            transfer.MultiplyByDerivative(z, y, dz);
        }
        return error;
    }

    // dZ_(l-1) = (dZ_l W_l) ⊙ f'(Z_(l-1)), with the current (not yet updated) W_l.
    private void BackwardBatch(int l, int batch, BatchWorkspace ws)
    {
        LayerLayout layout = Definition.GetLayout(l);
        Span<float> below = ws.Deltas(l - 1, batch);
        // dX = dZ_l W_l: (batch x units) (units x inputs), written straight into the deltas below
        Gemm.MultiplyParallel(ws.Pool, GemmForm.NN, batch, layout.Inputs, layout.Units, 1f, ws.Deltas(l, batch), layout.Units, Weights(layout), layout.Inputs, 0f, below, layout.Inputs);
        // Hidden layers are element-wise (softmax is output-only), so one call covers the block.
        ((Dense)Definition.Layers[l - 1]).Transfer.MultiplyByDerivative(ws.NetSums(l - 1, batch), ws.Outputs(l - 1, batch), below);
    }

    private static void ColumnSums(ReadOnlySpan<float> block, int rows, Span<float> sums)
    {
        int width = sums.Length;
        block[..width].CopyTo(sums);
        for (int p = 1; p < rows; p++) TensorPrimitives.Add(sums, block.Slice(p * width, width), sums);
    }

    private int CheckBatch(ReadOnlySpan<float> inputs, BatchWorkspace ws)
    {
        ArgumentNullException.ThrowIfNull(ws, "workspace");
        if (!ReferenceEquals(ws.Definition, Definition))
        {
            throw new ArgumentException($"workspace was made for {ws.Definition}; expected one made for this network ({Definition}) by CreateBatchWorkspace().", "workspace");
        }
        int width = Definition.InputWidth;
        if (inputs.Length == 0 || inputs.Length % width != 0)
        {
            throw new ArgumentException($"inputs has length {inputs.Length}; expected a positive multiple of the input width {width}.", nameof(inputs));
        }
        int batch = inputs.Length / width;
        if (batch > ws.Capacity)
        {
            throw new ArgumentException($"inputs holds {batch} patterns; the workspace holds at most {ws.Capacity}.", nameof(inputs));
        }
        ThrowHelper.CheckFinite(inputs, nameof(inputs));
        return batch;
    }

    private void CheckTargets(ReadOnlySpan<float> targets, int batch)
    {
        ThrowHelper.CheckLength(targets.Length, batch * Definition.OutputWidth, nameof(targets));
        ThrowHelper.CheckFinite(targets, nameof(targets));
    }
}
