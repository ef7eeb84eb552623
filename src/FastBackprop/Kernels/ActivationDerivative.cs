using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// ActivationDerivative: delta_j = e_j * f'(net_j), the last factor of the derivation's deltas
// (7) at the output, (9)-(12) for hidden units. Logistic and tanh take f' from the output
// (y(1-y), 1-y²: no exp needed); the rectifiers take it from the sign of the net sum.
// Each product is one operator struct, shared by these span kernels (through the element-wise
// driver) and the tiny-network plan (TinyPlan) (its scalar form, per element).
// Operands: net, output and delta have one element per unit; delta is updated in place.
// ---------------------------------------------------------------------------------------------

/// <summary>In-place products <c>delta ⊙ f'(net)</c> for the built-in transfer functions.</summary>
public static class ActivationDerivative
{
    /// <summary>Effectively computes <c>delta[i] *= output[i] * (1 - output[i])</c>, the logistic
    /// derivative taken from the output <c>y = 1 / (1 + e^-net)</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="output"/> and <paramref name="delta"/> differ in length.</exception>
    public static void Logistic(ReadOnlySpan<float> output, Span<float> delta) =>
        ElementwiseDriver.UpdateDelta(default(LogisticDerivativeOperator), output, output, delta);

    /// <summary>Effectively computes <c>delta[i] *= 1 - output[i]²</c>, the tanh derivative taken
    /// from the output <c>y = tanh(net)</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="output"/> and <paramref name="delta"/> differ in length.</exception>
    public static void Tanh(ReadOnlySpan<float> output, Span<float> delta) =>
        ElementwiseDriver.UpdateDelta(default(TanhDerivativeOperator), output, output, delta);

    /// <summary>Effectively computes <c>delta[i] = net[i] &gt; 0 ? delta[i] : slope * delta[i]</c>:
    /// the ReLU derivative for <paramref name="slope"/> 0, the leaky ReLU derivative otherwise.
    /// At net = 0 the derivative is taken as <paramref name="slope"/> (the left derivative).</summary>
    /// <exception cref="ArgumentException"><paramref name="net"/> and <paramref name="delta"/> differ in length.</exception>
    public static void Rectifier(ReadOnlySpan<float> net, float slope, Span<float> delta) =>
        ElementwiseDriver.UpdateDelta(new RectifierDerivativeOperator(slope), net, net, delta);

    internal readonly struct LogisticDerivativeOperator : IDerivativeOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVector Invoke<TSimd, TVector>(TVector delta, TVector net, TVector output)
            where TSimd : ISimd<TVector> where TVector : struct
            => TSimd.Multiply(delta, TSimd.Multiply(output, TSimd.Subtract(TSimd.Create(1f), output)));
    }

    internal readonly struct TanhDerivativeOperator : IDerivativeOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVector Invoke<TSimd, TVector>(TVector delta, TVector net, TVector output)
            where TSimd : ISimd<TVector> where TVector : struct
            => TSimd.Multiply(delta, TSimd.Subtract(TSimd.Create(1f), TSimd.Multiply(output, output)));
    }

    internal readonly struct RectifierDerivativeOperator(float slope) : IDerivativeOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVector Invoke<TSimd, TVector>(TVector delta, TVector net, TVector output)
            where TSimd : ISimd<TVector> where TVector : struct
            => TSimd.WherePositive(net, delta, TSimd.Multiply(delta, TSimd.Create(slope)));
    }
}
