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
public sealed class Dense : Layer
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

    internal override void ForwardBatch(in LayerPass pass)
    {
        int inputs = pass.Input.Length / pass.Rows;
        Span<float> z = pass.State;
        ReadOnlySpan<float> biases = Biases(pass.Parameters);
        for (int p = 0; p < pass.Rows; p++) biases.CopyTo(z.Slice(p * Width, Width));
        // Z = X Wᵀ + Z (Z holds the bias rows): (rows x inputs) (inputs x units)
        Gemm.MultiplyParallel(pass.Pool, GemmForm.NT, pass.Rows, Width, inputs, 1f, pass.Input, inputs, Weights(pass.Parameters), inputs, 1f, z, Width);
        if (Transfer.IsElementwise)
        {
            Transfer.Activate(z, pass.Output);   // the whole block in one call
            return;
        }
        for (int p = 0; p < pass.Rows; p++) Transfer.Activate(z.Slice(p * Width, Width), pass.Output.Slice(p * Width, Width));
    }

    internal override void BackwardBatch(in LayerPass pass, in ParameterUpdate update)
    {
        int rows = pass.Rows, inputs = pass.Input.Length / rows;
        Span<float> dz = DeltaBatch(pass);
        Span<float> weights = Weights(update.Target), biases = Biases(update.Target);
        if (!pass.InputGradient.IsEmpty)
        {
            // dX = dZ W from the weights before the update: (rows x units) (units x inputs)
            Gemm.MultiplyParallel(pass.Pool, GemmForm.NN, rows, inputs, Width, 1f, dz, Width, Weights(pass.Parameters), inputs, 0f, pass.InputGradient, inputs);
        }
        // W = scale dZᵀ X (+ W in place): (units x rows) (rows x inputs); in place this is the fused SGD step
        Gemm.MultiplyParallel(pass.Pool, GemmForm.TN, Width, inputs, rows, update.Scale, dz, Width, pass.Input, inputs,
            update.InPlace ? 1f : 0f, weights, inputs);
        // ∂E/∂b = the column sums of dZ, summed before they are scaled (one rounding of the scale, not one per row)
        Span<float> sums = update.InPlace ? pass.Scratch[..Width] : biases;
        dz[..Width].CopyTo(sums);
        for (int p = 1; p < rows; p++) TensorPrimitives.Add(sums, dz.Slice(p * Width, Width), sums);
        if (update.InPlace) TensorPrimitives.MultiplyAdd(sums, update.Scale, biases, biases);
        else TensorPrimitives.Multiply(sums, update.Scale, biases);
    }

    // ---- pieces ---------------------------------------------------------------------------------

    // (7), (9)-(12): delta = ∂E/∂y ⊙ f'(net), in place, unless the loss has given ∂E/∂net.
    private Span<float> Delta(in LayerPass pass)
    {
        if (!pass.NetGradientGiven) Transfer.MultiplyByDerivative(pass.State, pass.Output, pass.OutputGradient);
        return pass.OutputGradient;
    }

    private Span<float> DeltaBatch(in LayerPass pass)
    {
        Span<float> dz = pass.OutputGradient;
        if (pass.NetGradientGiven) return dz;
        if (Transfer.IsElementwise)
        {
            Transfer.MultiplyByDerivative(pass.State, pass.Output, dz);
            return dz;
        }
        for (int p = 0; p < pass.Rows; p++)
        {
            Transfer.MultiplyByDerivative(pass.State.Slice(p * Width, Width), pass.Output.Slice(p * Width, Width), dz.Slice(p * Width, Width));
        }
        return dz;
    }

    private ReadOnlySpan<float> Weights(ReadOnlySpan<float> parameters) => parameters[..^Width];

    private ReadOnlySpan<float> Biases(ReadOnlySpan<float> parameters) => parameters[^Width..];

    private Span<float> Weights(Span<float> parameters) => parameters[..^Width];

    private Span<float> Biases(Span<float> parameters) => parameters[^Width..];
}
