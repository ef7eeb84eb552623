using FastBackprop.Kernels;

namespace FastBackprop;

/// <summary>f(x) = 1 / (1 + e^-x); f'(x) = f(x)(1 - f(x)), taken from the output in the engine.</summary>
internal sealed class LogisticFunction : ElementwiseTransferFunction
{
    public override string Name => "logistic";
    internal override ScalarForm Form => ScalarForm.Logistic;
    public override double Function(double x) => 1.0 / (1.0 + Math.Exp(-x));
    public override double Derivative(double x) { double y = Function(x); return y * (1.0 - y); }
    public override void Activate(ReadOnlySpan<float> net, Span<float> output) => Activation.Logistic(net, output);
    public override void MultiplyByDerivative(ReadOnlySpan<float> net, ReadOnlySpan<float> output, Span<float> delta) =>
        ActivationDerivative.Logistic(output, delta);
}
