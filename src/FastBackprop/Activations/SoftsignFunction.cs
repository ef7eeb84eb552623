using FastBackprop.Kernels;

namespace FastBackprop;

/// <summary>f(x) = x / (1 + |x|); f'(x) = 1 / (1 + |x|)^2. Under two names: "softsign" (PyTorch nn.Softsign) and
/// "elliott", FANN's FANN_ELLIOT_SYMMETRIC (D. L. Elliott's fast sigmoid) at steepness 1; FANN scales the net sum by
/// its steepness, 0.5 by default, before applying the same function.</summary>
internal sealed class SoftsignFunction(string name) : OperatorTransferFunction<SoftsignOperator, SoftsignDerivativeOperator>(default, default)
{
    public override string Name { get; } = name;
    public override double Function(double x) => x / (1.0 + Math.Abs(x));
    public override double Derivative(double x) { double d = 1.0 + Math.Abs(x); return 1.0 / (d * d); }
}
