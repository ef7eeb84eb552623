using FastBackprop.Kernels;

namespace FastBackprop;

/// <summary>GELU, PyTorch's nn.GELU(approximate='none'): f(x) = x Φ(x), Φ the standard normal distribution
/// function; f'(x) = Φ(x) + x φ(x).</summary>
internal sealed class GeluFunction() : OperatorTransferFunction<GeluOperator, GeluDerivativeOperator>(default, default)
{
    public override string Name => "gelu";
    public override WeightInitialization PreferredInitialization => WeightInitialization.HeUniform;
    public override double Function(double x) => x * ReferenceMath.NormalCdf(x);
    public override double Derivative(double x) => ReferenceMath.NormalCdf(x) + x * ReferenceMath.NormalDensity(x);
}

/// <summary>GELU's tanh approximation, PyTorch's nn.GELU(approximate='tanh'):
/// f(x) = x/2 (1 + tanh(√(2/π) (x + 0.044715 x^3))).</summary>
internal sealed class GeluTanhFunction() : OperatorTransferFunction<GeluTanhOperator, GeluTanhDerivativeOperator>(default, default)
{
    private const double Beta = 0.79788456080286535587989211986876;   // √(2/π)
    private const double Kappa = 0.044715;

    public override string Name => "gelu-tanh";
    public override WeightInitialization PreferredInitialization => WeightInitialization.HeUniform;

    public override double Function(double x) => 0.5 * x * (1.0 + Math.Tanh(Beta * (x + Kappa * x * x * x)));

    public override double Derivative(double x)
    {
        double t = Math.Tanh(Beta * (x + Kappa * x * x * x));
        return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * Beta * (1.0 + 3.0 * Kappa * x * x);
    }
}
