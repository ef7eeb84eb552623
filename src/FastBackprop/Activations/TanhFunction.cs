using FastBackprop.Kernels;

namespace FastBackprop;

/// <summary>f(x) = tanh(x); f'(x) = 1 - tanh²(x), taken from the output in the engine.</summary>
internal sealed class TanhFunction : ElementwiseTransferFunction
{
    public override string Name => "tanh";
    internal override ScalarForm Form => ScalarForm.Tanh;
    public override double Function(double x) => Math.Tanh(x);
    public override double Derivative(double x) { double y = Math.Tanh(x); return 1.0 - y * y; }
    public override void Activate(ReadOnlySpan<float> net, Span<float> output) => Activation.Tanh(net, output);
    public override void MultiplyByDerivative(ReadOnlySpan<float> net, ReadOnlySpan<float> output, Span<float> delta) =>
        ActivationDerivative.Tanh(output, delta);
}
