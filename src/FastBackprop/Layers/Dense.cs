using System.Numerics.Tensors;
using FastBackprop.Kernels;

namespace FastBackprop;

// ---------------------------------------------------------------------------------------------
// Dense: the derivation's fully connected layer, forward and backward, per pattern and per batch.
//
//   forward    net = W x + b; y = f(net)                        (1), (2)        Gemv | Gemm NT
//   backward   delta = ∂E/∂y ⊙ f'(net)                          (7), (9)-(12)   (skipped when the loss gave ∂E/∂net)
//              ∂E/∂x = Wᵀ delta (from the weights before any update)            GemvTransposed | Gemm NN
//              ∂E/∂W = delta xᵀ, ∂E/∂b = delta                 (14), (16)      OuterProductUpdate | Gemm TN
//   in place   W += scale ∂E/∂W, b += scale ∂E/∂b              (17)-(18)       fused into the same passes
//
// Bits: the kernels give the same bits at every vector tier (their headers say how); what this
// file adds is element-wise, one IEEE operation per element, the same at every width: the bias
// update b + scale delta (TensorPrimitives.MultiplyAdd is (x * y) + z, two roundings), the bias
// gradient scale delta, and the batch's bias column sums, added row after row in row order.
// ---------------------------------------------------------------------------------------------

/// <summary>A fully connected layer: <c>net_k = Σ_j w_kj y_j + b_k</c> and <c>y_k = f(net_k)</c> for each of its
/// <see cref="Width"/> units (derivation (1) and (2)). Its parameters are a Width x Inputs row-major weight block
/// (row k = unit k's incoming weights) followed by Width biases.</summary>
public sealed partial class Dense : Layer
{
    /// <summary>Creates a layer description.</summary>
    /// <param name="width">Number of units; at least 1.</param>
    /// <param name="transfer">Transfer function of every unit in the layer.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> is less than 1.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="transfer"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="transfer"/> is a user-defined element-wise function whose Derivative
    /// does not match central differences of its Function (checked once per instance; see <see cref="TransferFunction.Register"/>).</exception>
    public Dense(int width, TransferFunction transfer)
    {
        ThrowHelper.CheckAtLeast(width, 1, nameof(width));
        ArgumentNullException.ThrowIfNull(transfer);
        if (transfer is ElementwiseTransferFunction elementwise) elementwise.EnsureDerivativeChecked(nameof(transfer));
        Width = width;
        Transfer = transfer;
    }

    /// <summary>Number of units.</summary>
    public int Width { get; }

    /// <summary>Transfer function of the units.</summary>
    public TransferFunction Transfer { get; }

    /// <summary>E.g. "dense(128, relu)".</summary>
    public override string ToString() => $"dense({Width}, {Transfer.Name})";

    /// <summary>Equal when the widths and the transfer functions are equal.</summary>
    public override bool Equals(object? obj) => obj is Dense other && other.Width == Width && other.Transfer.Equals(Transfer);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Width, Transfer);

    internal override long CountParameters(int inputs) => (long)Width * inputs + Width;

    internal override LayerLayout Place(int inputs, int offset) => new(inputs, Width, offset);

    // ---- one pattern ----------------------------------------------------------------------------

    internal override void Forward(in LayerPass pass)
    {
        NetSums(pass);
        Transfer.Activate(pass.State, pass.Output);                                    // (2) y_k = f(net_k)
    }

    /// <summary>(1) net_k = Σ_j w_kj x_j + b_k, into State.</summary>
    internal void NetSums(in LayerPass pass) => Gemv.Multiply(Weights(pass.Parameters), Biases(pass.Parameters), pass.Input, pass.State);

    internal override void Backward(in LayerPass pass, in ParameterUpdate update)
    {
        Span<float> delta = Delta(pass);
        Span<float> weights = Weights(update.Target), biases = Biases(update.Target);
        if (update.InPlace)
        {
            // s_j = Σ_k delta_k w_kj from the old row, then w_kj += scale delta_k x_j: one pass over W.
            if (pass.InputGradient.IsEmpty) OuterProductUpdate.Apply(weights, delta, pass.Input, update.Scale);
            else GemvTransposedUpdate.Apply(weights, delta, pass.Input, update.Scale, pass.InputGradient);
            TensorPrimitives.MultiplyAdd(delta, update.Scale, biases, biases);      // b_k += scale delta_k
            return;
        }
        weights.Clear();
        OuterProductUpdate.Apply(weights, delta, pass.Input, update.Scale);          // (14), (16) ∂E/∂w_kj = delta_k x_j
        TensorPrimitives.Multiply(delta, update.Scale, biases);                       // ∂E/∂b_k = delta_k
        if (!pass.InputGradient.IsEmpty) GemvTransposed.Multiply(Weights(pass.Parameters), delta, pass.InputGradient);   // Σ_k delta_k w_kj
    }

    /// <summary>The backward pass of a first layer whose update shares one pass over W with the next
    /// pattern's net sums (TrainOnline): W += scale delta xᵀ, b += scale delta, then State = W' x' + b'
    /// for <paramref name="nextInput"/>, or just the update when it is empty.</summary>
    internal void BackwardThenNetSums(in LayerPass pass, in ParameterUpdate update, ReadOnlySpan<float> nextInput)
    {
        Span<float> delta = Delta(pass);
        Span<float> weights = Weights(update.Target), biases = Biases(update.Target);
        TensorPrimitives.MultiplyAdd(delta, update.Scale, biases, biases);
        if (nextInput.IsEmpty) OuterProductUpdate.Apply(weights, delta, pass.Input, update.Scale);
        else OuterProductUpdateGemv.Apply(weights, delta, pass.Input, update.Scale, biases, nextInput, pass.State);
    }

    // ---- a batch: the same equations with the patterns as rows -----------------------------------
    //
    // Each method runs on every piece of the pass's team (one, or the batch plan's threads) and
    // does that piece's share of each phase: the products cut into blocks of columns or of rows
    // (Gemm.MultiplyColumns / MultiplyRows: the same bits as the whole product), and the element-wise
    // work (bias rows, f, f', the bias column sums) on the same block or on a block of rows or
    // columns of its own. Each element gets the operations it gets on one thread, in the same order.
    // A user-defined transfer function is called on piece 0 alone: it need not be thread-safe.

    internal override bool SplitsAcrossThreads => true;

    // Row blocks are cut at multiples of 8 (the 8-row tile), element-wise blocks of columns at 16.
    private const int RowGrain = 8;
    private const int ElementGrain = 16;

    internal override void ForwardBatch(in LayerPass pass)
    {
        int rows = pass.Rows, inputs = pass.Input.Length / rows;
        ThreadTeam team = pass.Team;
        Span<float> z = pass.State;
        bool shared = Transfer.Form != ScalarForm.Custom;
        int active = team.ActiveForFlops(2L * rows * Width * inputs);
        // Columns when the input block (packed whole by each piece) is the smaller operand; rows otherwise, and
        // for a transfer function over whole rows (softmax), which then finishes each piece's rows itself.
        bool byColumns = CutsUnits(rows, active) && (Transfer.IsElementwise || !shared);
        (int first, int end) = byColumns ? team.Share(Width, Gemm.ColumnGrain, active) : team.Share(rows, RowGrain, RowParts(active, rows));
        // Z = X Wᵀ + 1 bᵀ: (rows x inputs) (inputs x units), on this piece's units or rows; Y = f(Z) in the same product
        // for an element-wise built-in function (Dense.Panels.cs)
        NetSumBlock(pass, byColumns ? (0, rows) : (first, end), byColumns ? (first, end) : (0, Width), activate: DerivativeSplits);
        if (!shared)
        {
            team.Sync();
            if (team.Part == 0) Activate(z, pass.Output, 0, rows);
        }
        else if (!DerivativeSplits) Activate(z, pass.Output, first, end);   // by rows: a function over whole rows (softmax)
    }

    // Whether the pieces cut a product of this layer by its units (a block of W's rows each): when there are enough
    // units, and the batch block, which every piece then reads whole, is not the larger operand.
    private bool CutsUnits(int rows, int active) => active > 1 && rows <= Width && Width >= active * Gemm.ColumnGrain;

    // At most one piece per RowGrain rows, so that no piece is left without a block.
    private static int RowParts(int active, int rows) => Math.Clamp(rows / RowGrain, 1, active);

    // (2) y = f(z) over rows [first, end): one call for an element-wise function, one per row otherwise.
    private void Activate(ReadOnlySpan<float> z, Span<float> y, int first, int end)
    {
        if (first >= end) return;
        if (Transfer.IsElementwise)
        {
            Transfer.Activate(z[(first * Width)..(end * Width)], y[(first * Width)..(end * Width)]);
            return;
        }
        for (int p = first; p < end; p++) Transfer.Activate(z.Slice(p * Width, Width), y.Slice(p * Width, Width));
    }

    internal override void BackwardBatch(in LayerPass pass, in ParameterUpdate update)
    {
        int rows = pass.Rows, inputs = pass.Input.Length / rows;
        ThreadTeam team = pass.Team;
        Span<float> dz = pass.OutputGradient;
        if (!pass.NetGradientGiven)
        {
            DeltaBatch(pass);
            team.Sync();   // both products read every row of dZ
        }
        if (pass.InputGradient.IsEmpty)
        {
            UpdateBatch(pass, update);
            return;
        }
        Span<float> weights = Weights(update.Target);
        int active = team.ActiveForFlops(2L * rows * Width * inputs * 2);
        float beta = update.InPlace ? 1f : 0f;
        if (inputs >= active * Gemm.ColumnGrain)
        {
            // The same block of W's columns for both products: each piece reads the old weights of its own columns
            // (dX), then updates them (dW), so no other piece's update can come first.
            (int first, int end) = team.Share(inputs, Gemm.ColumnGrain, active);
            // dX = dZ W from the weights before the update: (rows x units) (units x inputs), and the f' of the layer below
            InputGradientBlock(pass, inputs, (0, rows), (first, end));
            // W = scale dZᵀ X (+ W in place): (units x rows) (rows x inputs); in place this is the fused SGD step
            Gemm.MultiplyColumns(GemmForm.TN, Width, inputs, rows, first, end, update.Scale, dz, Width, pass.Input, inputs, beta, weights, inputs);
        }
        else
        {
            // Too few inputs to cut W by columns: dX by rows, then (once no piece still reads the old weights) W by rows.
            (int first, int end) = team.Share(rows, RowGrain, RowParts(active, rows));
            InputGradientBlock(pass, inputs, (first, end), (0, inputs));
            team.Sync();
            (int units, int unitsEnd) = team.Share(Width, RowGrain, RowParts(active, Width));
            Gemm.MultiplyRows(GemmForm.TN, Width, inputs, rows, units, unitsEnd, update.Scale, dz, Width, pass.Input, inputs, beta, weights, inputs);
        }
        BiasGradient(dz, rows, team, pass.Scratch, Biases(update.Target), update);
    }

    /// <summary>Whether f' can be applied to any block of a batch by any thread (LayerPass.InputTransfer): an element-wise
    /// built-in function (a user-defined one is called on one thread only).</summary>
    internal bool DerivativeSplits => Transfer.IsElementwise && Transfer.Form != ScalarForm.Custom;

    // ∂E/∂b = the column sums of dZ, summed before they are scaled (one rounding of the scale, not one per row), each
    // column in row order; the pieces take blocks of columns.
    private void BiasGradient(ReadOnlySpan<float> dz, int rows, ThreadTeam team, Span<float> scratch, Span<float> biases, in ParameterUpdate update)
    {
        int active = Math.Min(team.ActiveForElements((long)rows * Width), Math.Max(1, Width / ElementGrain));
        (int first, int end) = team.Share(Width, ElementGrain, active);
        if (first >= end) return;
        int count = end - first;
        Span<float> sums = update.InPlace ? scratch[first..end] : biases[first..end];
        dz.Slice(first, count).CopyTo(sums);
        for (int p = 1; p < rows; p++) TensorPrimitives.Add(sums, dz.Slice(p * Width + first, count), sums);
        if (update.InPlace) TensorPrimitives.MultiplyAdd(sums, update.Scale, biases[first..end], biases[first..end]);
        else TensorPrimitives.Multiply(sums, update.Scale, biases[first..end]);
    }

    // ---- pieces ---------------------------------------------------------------------------------

    // (7), (9)-(12): delta = ∂E/∂y ⊙ f'(net), in place, unless the loss has given ∂E/∂net.
    private Span<float> Delta(in LayerPass pass)
    {
        if (!pass.NetGradientGiven) Transfer.MultiplyByDerivative(pass.State, pass.Output, pass.OutputGradient);
        return pass.OutputGradient;
    }

    // (7) dZ = ∂E/∂Y ⊙ f'(Z) in place, the pieces taking blocks of rows (a user-defined function: piece 0, all rows).
    private void DeltaBatch(in LayerPass pass)
    {
        ThreadTeam team = pass.Team;
        bool shared = Transfer.Form != ScalarForm.Custom;
        int active = shared ? Math.Min(team.ActiveForElements((long)pass.Rows * Width), pass.Rows) : 1;
        (int first, int end) = team.Share(pass.Rows, 1, active);
        DeltaRows(pass, first, end);
    }

    // (7) on rows [first, end) alone: element-wise, or row by row, so any block of rows gives the same bits as the whole.
    private void DeltaRows(in LayerPass pass, int first, int end)
    {
        if (first >= end) return;
        Span<float> dz = pass.OutputGradient;
        if (Transfer.IsElementwise)
        {
            Transfer.MultiplyByDerivative(pass.State[(first * Width)..(end * Width)], pass.Output[(first * Width)..(end * Width)], dz[(first * Width)..(end * Width)]);
            return;
        }
        for (int p = first; p < end; p++)
        {
            Transfer.MultiplyByDerivative(pass.State.Slice(p * Width, Width), pass.Output.Slice(p * Width, Width), dz.Slice(p * Width, Width));
        }
    }

    private ReadOnlySpan<float> Weights(ReadOnlySpan<float> parameters) => parameters[..^Width];

    private ReadOnlySpan<float> Biases(ReadOnlySpan<float> parameters) => parameters[^Width..];

    private Span<float> Weights(Span<float> parameters) => parameters[..^Width];

    private Span<float> Biases(Span<float> parameters) => parameters[^Width..];
}
