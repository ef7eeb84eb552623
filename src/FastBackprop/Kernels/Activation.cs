using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// Activation: y_k = f(net_k) for the built-in transfer functions (derivation: y_k = f(net_k)).
// Logistic and tanh use TensorPrimitives, whose vectorised exp is as fast as anything we would
// write; the rectifiers are one select per lane through the element-wise driver.
// Operands: net and output have one element per unit; output may be net itself.
// ---------------------------------------------------------------------------------------------

/// <summary>Forward transfer functions over spans.</summary>
public static class Activation
{
    /// <summary>Effectively computes <c>output[i] = 1 / (1 + e^-net[i])</c>.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void Logistic(ReadOnlySpan<float> net, Span<float> output)
    {
        ThrowHelper.CheckLength(output.Length, net.Length, nameof(output));
        // TensorPrimitives.Sigmoid rejects empty spans (unlike Tanh, Max and the driver); an empty
        // layer is simply nothing to do.
        if (net.IsEmpty) return;
        TensorPrimitives.Sigmoid(net, output);
    }

    /// <summary>Effectively computes <c>output[i] = tanh(net[i])</c>.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void Tanh(ReadOnlySpan<float> net, Span<float> output)
    {
        ThrowHelper.CheckLength(output.Length, net.Length, nameof(output));
        TensorPrimitives.Tanh(net, output);
    }

    /// <summary>Effectively computes <c>output[i] = net[i] &gt; 0 ? net[i] : slope * net[i]</c>:
    /// ReLU for <paramref name="slope"/> 0, leaky ReLU otherwise. NaN stays NaN.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void Rectifier(ReadOnlySpan<float> net, float slope, Span<float> output)
    {
        // Checked here, not left to the driver, so that the exception names this method's parameter.
        ThrowHelper.CheckLength(output.Length, net.Length, nameof(output));
        if (slope == 0f)
        {
            // max(net, 0) keeps ReLU(-∞) = 0, where the select below would give 0 · -∞ = NaN.
            TensorPrimitives.Max(net, 0f, output);
            return;
        }
        ElementwiseDriver.Map(new RectifierOperator(slope), net, output);
    }

    /// <summary>Effectively computes <c>output[i] = e^(net[i] - m) / Σ_j e^(net[j] - m)</c> with
    /// <c>m = max_j net[j]</c>; subtracting the maximum keeps every exponent ≤ 0, so no overflow.</summary>
    /// <exception cref="ArgumentException">The spans differ in length, or are empty.</exception>
    public static void Softmax(ReadOnlySpan<float> net, Span<float> output)
    {
        ThrowHelper.CheckLength(output.Length, net.Length, nameof(output));
        ThrowHelper.CheckAtLeast(net.Length, 1, "net.Length");
        float max = TensorPrimitives.Max(net);
        TensorPrimitives.Subtract(net, max, output);
        TensorPrimitives.Exp(output, output);
        float sum = TensorPrimitives.Sum<float>(output);
        TensorPrimitives.Divide(output, sum, output);
    }

    /// <summary>The softmax vector-Jacobian product, in place: with <c>y = softmax(net)</c> and
    /// <c>g = ∂E/∂y</c> on entry, effectively computes <c>g[k] = y[k] * (g[k] - Σ_j g[j] y[j])</c> = ∂E/∂net_k.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void SoftmaxBackward(ReadOnlySpan<float> output, Span<float> gradient)
    {
        ThrowHelper.CheckLength(gradient.Length, output.Length, nameof(gradient));
        float dot = TensorPrimitives.Dot(gradient, output);
        TensorPrimitives.Subtract(gradient, dot, gradient);
        TensorPrimitives.Multiply(gradient, output, gradient);
    }

    private readonly struct RectifierOperator(float slope) : IUnaryOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVector Invoke<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
            => TSimd.WherePositive(x, x, TSimd.Multiply(x, TSimd.Create(slope)));
    }
}
