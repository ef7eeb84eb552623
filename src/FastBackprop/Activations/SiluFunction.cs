using FastBackprop.Kernels;

namespace FastBackprop;

/// <summary>SiLU, also called swish (PyTorch nn.SiLU): f(x) = x σ(x); f'(x) = σ(x) (1 + x (1 - σ(x))).</summary>
internal sealed class SiluFunction() : OperatorTransferFunction<SiluOperator, SiluDerivativeOperator>(default, default)
{
    public override string Name => "silu";
    public override WeightInitialization PreferredInitialization => WeightInitialization.HeUniform;
    public override double Function(double x) => x * Sigmoid(x);
    public override double Derivative(double x) => Sigmoid(x) * (1.0 + x * Sigmoid(-x));

    private static double Sigmoid(double x) => x >= 0 ? 1.0 / (1.0 + Math.Exp(-x)) : Math.Exp(x) / (1.0 + Math.Exp(x));
}
