namespace FastBackprop;

/// <summary>f(x) = x; f'(x) = 1. The engine's paths are copies and no-ops.</summary>
internal sealed class IdentityFunction : ElementwiseTransferFunction
{
    public override string Name => "identity";
    internal override ScalarForm Form => ScalarForm.Identity;
    public override double Function(double x) => x;
    public override double Derivative(double x) => 1.0;
    public override void Activate(ReadOnlySpan<float> net, Span<float> output)
    {
        ThrowHelper.CheckLength(output.Length, net.Length, nameof(output));
        net.CopyTo(output);
    }
    public override void MultiplyByDerivative(ReadOnlySpan<float> net, ReadOnlySpan<float> output, Span<float> delta) =>
        ThrowHelper.CheckLength(delta.Length, net.Length, nameof(delta));
}
