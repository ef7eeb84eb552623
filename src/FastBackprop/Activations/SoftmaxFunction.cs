using FastBackprop.Kernels;

namespace FastBackprop;

/// <summary>y_k = e^net_k / Σ_j e^net_j over the whole layer. Not element-wise: its Jacobian is
/// ∂y_k/∂net_i = y_k (δ_ki - y_i), so the backward step is the product
/// delta_i = y_i (g_i - Σ_k g_k y_k) with g = ∂E/∂y. Allowed in the output layer only.</summary>
internal sealed class SoftmaxFunction : TransferFunction
{
    public override string Name => "softmax";
    internal override ScalarForm Form => ScalarForm.Softmax;
    public override void Activate(ReadOnlySpan<float> net, Span<float> output) => Activation.Softmax(net, output);
    public override void MultiplyByDerivative(ReadOnlySpan<float> net, ReadOnlySpan<float> output, Span<float> delta) =>
        Activation.SoftmaxBackward(output, delta);

    public override void Activate(ReadOnlySpan<double> net, Span<double> output)
    {
        ThrowHelper.CheckLength(output.Length, net.Length, nameof(output));
        double max = double.NegativeInfinity;
        foreach (double x in net) max = Math.Max(max, x);
        double sum = 0;
        for (int k = 0; k < net.Length; k++) sum += output[k] = Math.Exp(net[k] - max);
        for (int k = 0; k < net.Length; k++) output[k] /= sum;
    }

    public override void MultiplyByDerivative(ReadOnlySpan<double> net, ReadOnlySpan<double> output, ReadOnlySpan<double> dEdy, Span<double> delta)
    {
        ThrowHelper.CheckLength(delta.Length, net.Length, nameof(delta));
        // delta_i = Σ_k g_k ∂y_k/∂net_i = Σ_k g_k y_k (δ_ki - y_i) = y_i (g_i - Σ_k g_k y_k)
        double gy = 0;
        for (int k = 0; k < output.Length; k++) gy += dEdy[k] * output[k];
        for (int i = 0; i < output.Length; i++) delta[i] = output[i] * (dEdy[i] - gy);
    }
}
