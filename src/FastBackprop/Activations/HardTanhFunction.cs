using FastBackprop.Kernels;

namespace FastBackprop;

/// <summary>Hard tanh (PyTorch nn.Hardtanh(-1, 1)): f(x) = max(-1, min(1, x)); f'(x) = 1 for -1 &lt; x &lt; 1, else 0
/// (0 at ±1, as PyTorch).</summary>
internal sealed class HardTanhFunction() : OperatorTransferFunction<HardTanhOperator, HardTanhDerivativeOperator>(default, default)
{
    public override string Name => "hard-tanh";
    public override double Function(double x) => x > 1.0 ? 1.0 : x < -1.0 ? -1.0 : x;
    public override double Derivative(double x) => x > -1.0 && x < 1.0 ? 1.0 : 0.0;
}
