using FastBackprop.Kernels;

namespace FastBackprop;

/// <summary>FANN's FANN_GAUSSIAN at steepness 1: f(x) = e^(-x^2); f'(x) = -2 x e^(-x^2), taken from the output.</summary>
internal sealed class GaussianFunction() : OperatorTransferFunction<GaussianOperator, GaussianDerivativeOperator>(default, default)
{
    public override string Name => "gaussian";
    public override double Function(double x) => Math.Exp(-x * x);
    public override double Derivative(double x) => -2.0 * x * Math.Exp(-x * x);
}
