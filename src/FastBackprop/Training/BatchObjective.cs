using System.Numerics.Tensors;
using FastBackprop.Kernels;
using FastBackprop.Kernels.Optimizers;

namespace FastBackprop.Training;

// ---------------------------------------------------------------------------------------------
// BatchObjective: the trainer's objective for the line-search and second-order optimizers, the
// mean loss over the current batch (the whole training set in full-batch training), plus the
// L1/L2 penalty when there is one (its gradient, and for Gauss-Newton its Hessian L2 I on the
// penalised parameters; see Regularization), at any parameters, without dropout (Trainer.Fit refuses such optimizers for networks with dropout).
//
// Evaluate: the batch plan's inference forward, output error and backward at the trial point.
//
// EvaluateGaussNewton (Levenberg-Marquardt): per pattern, one forward pass through the network's
// own per-pattern plan and K + 1 backward passes of unit output signals through the same span
// kernels:
//
//   gradient row     r_p   = backprop of the loss's own output signal (∂E_p/∂y, or ∂E_p/∂net for
//                            the cross-entropies): ∇E = (1/N) Σ_p r_p, accumulated in double
//   Jacobian passes  s_k, with Σ_k s_k s_kᵀ = H_p the Hessian of E_p in the output variable, so
//                    that Σ_k j_p,k j_p,kᵀ = J_pᵀ H_p J_p for the rows j_p,k = backprop of s_k:
//       half squared error  s_k = e_k at y (H = I: the Gauss-Newton matrix of the residuals y - d)
//       softmax + CE        s_k = √y_k (e_k - y) at net (H = diag(y) - y yᵀ, Schraudolph 2002)
//       logistic + CE       s_k = √(y_k (1 - y_k)) e_k at net (H = diag(y (1 - y)))
//       mse                 s_k = √(2/K) e_k at y;  huber: √(1/K) e_k where |r_k| <= delta, else 0;  mae: 0
//       poisson             s_k = √(y_k / K) e_k at net;  user-defined: √max(0, e'') e_k (numeric e'')
//   (each loss's Loss.HessianFactorColumn)
//
// A dense layer's row entry for weight (a, b) is δ_l,k[a] · x̃_l[b] (x̃ the layer input with a 1
// appended for the bias), so the rows need not be formed: the Gram element of parameters
// (l, a, b) and (m, c, d) is Σ_p M^{lm}_p[a, c] x̃_l,p[b] x̃_m,p[d] with M^{lm}_p[a, c] =
// Σ_k δ_l,k[a] δ_m,k[c], K times fewer terms than a sum over the K rows (Kronecker-factored per
// layer pair). Each pattern's deltas and layer inputs are widened to double, its M^{lm} formed in
// double (k in order), and chunks of patterns added to the packed matrix by
// ParameterReductions.AddLayeredGram (patterns in order); then G and ∇E are divided by N.
// Nothing allocates after the first Gauss-Newton call (the buffers are sized then).
// ---------------------------------------------------------------------------------------------

/// <summary>The mean loss over the bound batch at trial parameters, with its gradient and Gauss-Newton matrix.</summary>
internal sealed class BatchObjective(Network network, BatchWorkspace workspace, ParameterPenalty? penalty = null) : IGaussNewtonObjective
{
    // Patterns per Gram update: enough for a register tile's pattern loop to outweigh its loads and stores of the
    // matrix, few enough for the chunk's products and inputs to stay in cache.
    private const int ChunkPatterns = 64;

    private readonly NetworkDefinition definition = network.Definition;
    private ReadOnlyMemory<float> inputs, targets;
    private int count;
    private GaussNewtonBuffers? buffers;

    public int ParameterCount => definition.ParameterCount;

    /// <summary>Makes <paramref name="batch"/> the patterns the objective averages over. With sample weights the objective
    /// is their weighted mean, or, when <paramref name="online"/> (a batch size of 1), the pattern's loss times its weight, as
    /// every online step weighs it (Dataset.WithWeights).</summary>
    public void Bind(in Batch batch, bool online = false)
    {
        workspace.UseWeights(batch.Weights, normalize: !online);
        inputs = batch.InputRows;
        targets = batch.TargetRows;
        count = batch.Count;
    }

    public double Evaluate(ReadOnlySpan<float> parameters, Span<float> gradient) =>
        AddPenalty(OnlineWeight * NetworkBatchCalls.LossSumAt(network, parameters, inputs.Span, targets.Span, count, gradient, workspace) / count, parameters, gradient);

    /// <summary>The factor from a batch call's loss to the objective's: the pattern's weight w_p for a weighted online
    /// batch, whose gradient the workspace scales by w_p (a batch call's loss stays E_p, as the epoch reports expect),
    /// else 1 (the weighted mean is already in the loss).</summary>
    public double OnlineWeight => workspace.Weighted && !workspace.NormalizeWeights ? workspace.RowWeights[0] : 1.0;

    /// <summary>The penalised objective from the mean loss and mean gradient at <paramref name="parameters"/>: the penalty
    /// added to both (nothing without one). The trainer's start point goes through here as every trial point does, so
    /// that both are values of one function, to the bit.</summary>
    public double AddPenalty(double meanLoss, ReadOnlySpan<float> parameters, Span<float> gradient)
    {
        if (penalty is null) return meanLoss;
        if (!gradient.IsEmpty) penalty.AddGradient(gradient, parameters);
        return meanLoss + penalty.Value(parameters);
    }

    public double EvaluateGaussNewton(ReadOnlySpan<float> parameters, Span<double> packedMatrix, Span<double> gradient)
    {
        int n = definition.ParameterCount, width = definition.OutputWidth, inputWidth = definition.InputWidth, layers = definition.LayerCount, last = layers - 1;
        ThrowHelper.CheckLength(parameters.Length, n, nameof(parameters));
        ThrowHelper.CheckLength(packedMatrix.Length, n * (n + 1) / 2, nameof(packedMatrix));
        ThrowHelper.CheckLength(gradient.Length, n, nameof(gradient));
        GaussNewtonBuffers b = buffers ??= new GaussNewtonBuffers(definition, width);
        packedMatrix.Clear();
        gradient.Clear();
        PatternPlan plan = network.Plan;
        Workspace ws = b.Workspace;
        GramLayout layout = b.Layout;
        ReadOnlySpan<float> x = inputs.Span, d = targets.Span;
        Span<float> row = b.Row, outputSignal = ws.Gradient(last);
        TransferFunction output = definition.OutputLayer.Transfer;
        int filled = 0;
        double lossSum = 0;
        bool weighted = workspace.Weighted;
        float totalWeight = weighted ? SampleWeighting.Sum(workspace.RowWeights[..count]) : 0f;
        for (int p = 0; p < count; p++)
        {
            ReadOnlySpan<float> input = x.Slice(p * inputWidth, inputWidth);
            plan.Forward(parameters, input, ws, random: null);
            float error = plan.OutputError(d.Slice(p * width, width), ws);
            // Sample weights: pattern p's share s_p = w_p N / W of the weighted mean (w_p online) scales E_p and r_p, and its
            // Gram term J_pᵀ H_p J_p (through √s_p on each s_k), as in Kernels/SampleWeighting.cs.
            float share = !weighted ? 1f : workspace.NormalizeWeights ? workspace.RowWeights[p] * count / totalWeight : workspace.RowWeights[p];
            lossSum += weighted ? (double)share * error : error;
            if (!float.IsFinite(error)) return lossSum / count;
            if (weighted) TensorPrimitives.Multiply(outputSignal, share, outputSignal);
            plan.Backward(parameters, input, ws, new ParameterUpdate(row, 1f, inPlace: false));   // r_p
            ParameterReductions.AccumulateWidened(gradient, row);
            for (int l = 0; l < layers; l++)   // x̃_l: the layer's input with the bias's 1 appended
            {
                ReadOnlySpan<float> layerInput = l == 0 ? input : ws.Output(l - 1);
                Span<double> target = b.Inputs[l].AsSpan(filled * (layout.Inputs[l] + 1), layout.Inputs[l] + 1);
                for (int i = 0; i < layerInput.Length; i++) target[i] = layerInput[i];
                target[^1] = 1.0;
            }
            ReadOnlySpan<float> y = ws.Output(last), targetRow = d.Slice(p * width, width);
            for (int k = 0; k < width; k++)
            {
                definition.Loss.HessianFactorColumn(output, y, targetRow, k, outputSignal);
                if (weighted) TensorPrimitives.Multiply(outputSignal, MathF.Sqrt(share), outputSignal);
                plan.Backward(parameters, input, ws, new ParameterUpdate(row, 1f, inPlace: false));   // δ_l of s_k
                for (int l = 0; l < layers; l++)
                {
                    ReadOnlySpan<float> delta = ws.Gradient(l);
                    Span<double> target = b.Deltas[l].AsSpan(k * delta.Length, delta.Length);
                    for (int a = 0; a < delta.Length; a++) target[a] = delta[a];
                }
            }
            OuterProducts(b, layout, width, filled);
            if (++filled == ChunkPatterns)
            {
                ParameterReductions.AddLayeredGram(packedMatrix, layout, b.Inputs, b.Products, filled, ChunkPatterns, workspace.Pool);
                filled = 0;
            }
        }
        ParameterReductions.AddLayeredGram(packedMatrix, layout, b.Inputs, b.Products, filled, ChunkPatterns, workspace.Pool);
        double scale = 1.0 / count;
        for (int i = 0; i < packedMatrix.Length; i++) packedMatrix[i] *= scale;
        for (int i = 0; i < n; i++) gradient[i] *= scale;
        if (penalty is null) return lossSum / count;
        penalty.AddGradient(gradient, parameters);   // ∇P, and P's Hessian (L2 on the penalised diagonal) into G
        penalty.AddCurvature(packedMatrix);
        return lossSum / count + penalty.Value(parameters);
    }

    // M^{lm}_p[a, c] = Σ_k δ_l,k[a] δ_m,k[c] for every layer pair m ≤ l, in double, k in order, into pattern slot p.
    private static void OuterProducts(GaussNewtonBuffers b, GramLayout layout, int width, int p)
    {
        for (int l = 0; l < layout.LayerCount; l++)
        {
            int unitsL = layout.Units[l];
            double[] dl = b.Deltas[l];
            for (int m = 0; m <= l; m++)
            {
                int unitsM = layout.Units[m];
                double[] dm = b.Deltas[m], product = b.Products[layout.Pair(l, m)];
                for (int a = 0; a < unitsL; a++)
                {
                    for (int c = 0; c < unitsM; c++)
                    {
                        double sum = 0;
                        for (int k = 0; k < width; k++) sum += dl[k * unitsL + a] * dm[k * unitsM + c];
                        product[(a * unitsM + c) * ChunkPatterns + p] = sum;
                    }
                }
            }
        }
    }

    /// <summary>The work buffers of the Gauss-Newton product, made at its first call.</summary>
    private sealed class GaussNewtonBuffers
    {
        public GaussNewtonBuffers(NetworkDefinition definition, int outputs)
        {
            Workspace = new Workspace(definition);
            Layout = new GramLayout(definition);
            Row = new float[definition.ParameterCount];
            Inputs = new double[Layout.LayerCount][];
            Deltas = new double[Layout.LayerCount][];
            Products = new double[Layout.PairCount][];
            for (int l = 0; l < Layout.LayerCount; l++)
            {
                Inputs[l] = new double[ChunkPatterns * (Layout.Inputs[l] + 1)];
                Deltas[l] = new double[outputs * Layout.Units[l]];
                for (int m = 0; m <= l; m++) Products[Layout.Pair(l, m)] = new double[Layout.Units[l] * Layout.Units[m] * ChunkPatterns];
            }
        }

        public Workspace Workspace { get; }

        public GramLayout Layout { get; }

        /// <summary>The backward passes' parameter row (r_p; scratch for the Jacobian passes).</summary>
        public float[] Row { get; }

        /// <summary>Per layer, the chunk's layer inputs with a 1 appended, pattern by pattern.</summary>
        public double[][] Inputs { get; }

        /// <summary>Per layer, the current pattern's deltas δ_l of each s_k, k by k.</summary>
        public double[][] Deltas { get; }

        /// <summary>Per layer pair, the chunk's M^{lm} (see AddLayeredGram).</summary>
        public double[][] Products { get; }
    }
}
