using FastBackprop.Kernels;

namespace FastBackprop;

/// <summary>The exponential f(x) = e^x, f'(x) = e^x (from the output): the output function of the Poisson loss's log
/// link, whose outputs are rates.</summary>
internal sealed class ExponentialFunction() : OperatorTransferFunction<ExponentialOperator, ExponentialDerivativeOperator>(default, default)
{
    public override string Name => "exp";
    public override double Function(double x) => Math.Exp(x);
    public override double Derivative(double x) => Math.Exp(x);
}
