using FastBackprop.Kernels.Optimizers;

namespace FastBackprop.Training;

// ---------------------------------------------------------------------------------------------
// BatchObjective: the trainer's objective for the line-search and second-order optimizers, the
// mean loss over the current batch (the whole training set in full-batch training) at any
// parameters, without dropout (Trainer.Fit refuses such optimizers for networks with dropout).
//
// Evaluate: the batch plan's inference forward, output error and backward at the trial point.
//
// EvaluateGaussNewton (Levenberg-Marquardt): per pattern, one forward pass through the network's
// own per-pattern plan and K + 1 backward passes of unit output signals through the same span
// kernels, each writing one row over the whole parameter buffer:
//
//   gradient row     r_p   = backprop of the loss's own output signal (∂E_p/∂y, or ∂E_p/∂net for
//                            the cross-entropies): ∇E = (1/N) Σ_p r_p, accumulated in double
//   Jacobian rows    j_p,k = backprop of s_k, with Σ_k s_k s_kᵀ = H_p the Hessian of E_p in the
//                            output variable, so that Σ_k j_p,k j_p,kᵀ = J_pᵀ H_p J_p:
//       half squared error  s_k = e_k at y (H = I: the Gauss-Newton matrix of the residuals y - d)
//       softmax + CE        s_k = √y_k (e_k - y) at net (H = diag(y) - y yᵀ, Schraudolph 2002)
//       logistic + CE       s_k = √(y_k (1 - y_k)) e_k at net (H = diag(y (1 - y)))
//
// The rows are widened to double in chunks and added to the packed Gram matrix by
// ParameterReductions.AddGram, in pattern order then output order, then G and ∇E are divided by N.
// Nothing allocates after the first Gauss-Newton call (the row buffers are sized then).
// ---------------------------------------------------------------------------------------------

/// <summary>The mean loss over the bound batch at trial parameters, with its gradient and Gauss-Newton matrix.</summary>
internal sealed class BatchObjective(Network network, BatchWorkspace workspace) : IGaussNewtonObjective
{
    // Jacobian rows per Gram update: enough for the arithmetic to outweigh the tile copies (a tile's row loop is
    // this long), few enough for the chunk (rows x parameters doubles, 1 MiB at 1,024 parameters) to stay in cache.
    private const int ChunkRows = 128;

    private readonly NetworkDefinition definition = network.Definition;
    private ReadOnlyMemory<float> inputs, targets;
    private int count;
    private GaussNewtonBuffers? buffers;

    public int ParameterCount => definition.ParameterCount;

    /// <summary>Makes <paramref name="batch"/> the patterns the objective averages over.</summary>
    public void Bind(in Batch batch)
    {
        inputs = batch.InputRows;
        targets = batch.TargetRows;
        count = batch.Count;
    }

    public double Evaluate(ReadOnlySpan<float> parameters, Span<float> gradient) =>
        (double)NetworkBatchCalls.LossSumAt(network, parameters, inputs.Span, targets.Span, count, gradient, workspace) / count;

    public double EvaluateGaussNewton(ReadOnlySpan<float> parameters, Span<double> packedMatrix, Span<double> gradient)
    {
        int n = definition.ParameterCount, width = definition.OutputWidth, inputWidth = definition.InputWidth, last = definition.LayerCount - 1;
        ThrowHelper.CheckLength(parameters.Length, n, nameof(parameters));
        ThrowHelper.CheckLength(packedMatrix.Length, n * (n + 1) / 2, nameof(packedMatrix));
        ThrowHelper.CheckLength(gradient.Length, n, nameof(gradient));
        GaussNewtonBuffers b = buffers ??= new GaussNewtonBuffers(definition);
        packedMatrix.Clear();
        gradient.Clear();
        PatternPlan plan = network.Plan;
        Workspace ws = b.Workspace;
        ReadOnlySpan<float> x = inputs.Span, d = targets.Span;
        Span<float> row = b.Row, outputSignal = ws.Gradient(last);
        int panelStride = ChunkRows * ParameterReductions.PanelWidth, filled = 0;
        double lossSum = 0;
        for (int p = 0; p < count; p++)
        {
            ReadOnlySpan<float> input = x.Slice(p * inputWidth, inputWidth);
            plan.Forward(parameters, input, ws, random: null);
            float error = plan.OutputError(d.Slice(p * width, width), ws);
            lossSum += error;
            if (!float.IsFinite(error)) return lossSum / count;
            plan.Backward(parameters, input, ws, new ParameterUpdate(row, 1f, inPlace: false));   // r_p
            ParameterReductions.AccumulateWidened(gradient, row);
            ReadOnlySpan<float> y = ws.Output(last);
            for (int k = 0; k < width; k++)
            {
                HessianFactorColumn(y, k, outputSignal);
                plan.Backward(parameters, input, ws, new ParameterUpdate(row, 1f, inPlace: false));   // j_p,k
                Widen(row, b.Chunk, filled, panelStride);
                if (++filled == ChunkRows)
                {
                    ParameterReductions.AddGram(packedMatrix, b.Chunk, filled, panelStride, n, workspace.Pool);
                    filled = 0;
                }
            }
        }
        ParameterReductions.AddGram(packedMatrix, b.Chunk, filled, panelStride, n, workspace.Pool);
        double scale = 1.0 / count;
        for (int i = 0; i < packedMatrix.Length; i++) packedMatrix[i] *= scale;
        for (int i = 0; i < n; i++) gradient[i] *= scale;
        return lossSum / count;
    }

    // Row r of the chunk, in AddGram's panel layout: each panel's 16 columns of the row, one panel after another.
    private static void Widen(ReadOnlySpan<float> row, double[] chunk, int r, int panelStride)
    {
        int width = ParameterReductions.PanelWidth;
        for (int start = 0; start < row.Length; start += width)
        {
            ReadOnlySpan<float> part = row.Slice(start, Math.Min(width, row.Length - start));
            Span<double> target = chunk.AsSpan(start / width * panelStride + r * width, part.Length);
            for (int i = 0; i < part.Length; i++) target[i] = part[i];
        }
    }

    // s_k, the k-th column of a square root of the output Hessian H (see the file header), into the output layer's
    // signal slot, where the backward pass starts.
    private void HessianFactorColumn(ReadOnlySpan<float> y, int k, Span<float> signal)
    {
        if (definition.Loss == Loss.HalfSquaredError)
        {
            signal.Clear();
            signal[k] = 1f;
            return;
        }
        if (definition.OutputLayer.Transfer is SoftmaxFunction)
        {
            float root = MathF.Sqrt(y[k]);
            for (int j = 0; j < signal.Length; j++) signal[j] = root * ((j == k ? 1f : 0f) - y[j]);
            return;
        }
        signal.Clear();
        signal[k] = MathF.Sqrt(y[k] * (1f - y[k]));
    }

    /// <summary>The work buffers of the Gauss-Newton product, made at its first call.</summary>
    private sealed class GaussNewtonBuffers(NetworkDefinition definition)
    {
        public Workspace Workspace { get; } = new(definition);

        public float[] Row { get; } = new float[definition.ParameterCount];

        // ChunkRows rows in panels; the columns past the parameter count stay zero (AddGram reads them).
        public double[] Chunk { get; } = new double[ParameterReductions.PanelLength(definition.ParameterCount, ChunkRows)];
    }
}
