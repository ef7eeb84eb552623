using FastBackprop.Kernels;

namespace FastBackprop;

/// <summary>Softplus as PyTorch's nn.Softplus with its defaults (β = 1, threshold 20): f(x) = log(1 + e^x), and x
/// above 20; f'(x) = 1 / (1 + e^-x), and 1 above 20.</summary>
internal sealed class SoftplusFunction() : OperatorTransferFunction<SoftplusOperator, SoftplusDerivativeOperator>(default, default)
{
    public override string Name => "softplus";
    public override WeightInitialization PreferredInitialization => WeightInitialization.HeUniform;
    public override double Function(double x) => x > SoftplusOperator.Threshold ? x : ReferenceMath.LogOnePlus(Math.Exp(x));
    public override double Derivative(double x) => x > SoftplusOperator.Threshold ? 1.0 : 1.0 / (1.0 + Math.Exp(-x));
}
