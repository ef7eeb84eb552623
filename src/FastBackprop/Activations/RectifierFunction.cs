using System.Globalization;
using FastBackprop.Kernels;

namespace FastBackprop;

/// <summary>ReLU (slope 0) and leaky ReLU: f(x) = x for x &gt; 0, slope · x otherwise;
/// f'(x) = 1 for x &gt; 0, slope otherwise (the left derivative at 0).</summary>
internal sealed class RectifierFunction(float slope) : ElementwiseTransferFunction
{
    public float Slope { get; } = slope;
    internal override ScalarForm Form => ScalarForm.Rectifier;
    internal override float NegativeSlope => Slope;
    public override string Name => Slope == 0f ? "relu" : "leaky-relu(" + Slope.ToString("R", CultureInfo.InvariantCulture) + ")";
    public override WeightInitialization PreferredInitialization => WeightInitialization.HeUniform;
    public override double Function(double x) => x > 0 ? x : Slope * x;
    public override double Derivative(double x) => x > 0 ? 1.0 : Slope;
    public override bool Equals(object? obj) => obj is RectifierFunction other && other.Slope.Equals(Slope);
    public override int GetHashCode() => Slope.GetHashCode();
    public override void Activate(ReadOnlySpan<float> net, Span<float> output) => Activation.Rectifier(net, Slope, output);
    public override void MultiplyByDerivative(ReadOnlySpan<float> net, ReadOnlySpan<float> output, Span<float> delta) =>
        ActivationDerivative.Rectifier(net, Slope, delta);
}
