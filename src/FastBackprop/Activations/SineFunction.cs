using FastBackprop.Kernels;

namespace FastBackprop;

/// <summary>f(x) = sin x, FANN's FANN_SIN_SYMMETRIC at steepness 1 (not FANN_SIN, which is sin(x)/2 + 1/2); f'(x) = cos x.</summary>
internal sealed class SineFunction() : OperatorTransferFunction<SineOperator, SineDerivativeOperator>(default, default)
{
    public override string Name => "sin";
    public override double Function(double x) => Math.Sin(x);
    public override double Derivative(double x) => Math.Cos(x);
}
