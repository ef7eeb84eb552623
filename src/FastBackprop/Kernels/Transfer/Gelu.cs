using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// GELU as PyTorch's nn.GELU, in its two forms, each with PyTorch's float formula:
//   approximate='none' (exact): f(x) = x Φ(x) = x/2 (1 + erf(x/√2)); f'(x) = Φ(x) + x φ(x), φ(x) = e^(-x^2/2) / √(2π).
//   approximate='tanh': f(x) = x/2 (1 + tanh(β (x + κ x^3))), β = √(2/π), κ = 0.044715;
//     f'(x) = (1 + t)/2 + x/2 (1 - t^2) β (1 + 3κ x^2), t = tanh(β (x + κ x^3)).
// Both f' from the net sum. Transcendental.Erf, Exp and Tanh, exact IEEE operations, fused
// multiply-adds and selects: the same bits at every width.
//
// Error (derived; the tests assert these bounds). For negative x, 1 + erf (1 + tanh) cancels, as in
// PyTorch's float kernels: the error is absolute, about u |x|, not relative to f ~ x Φ(x).
// Exact form: t = x (1/√2) is off by 1.3u relative, which moves erf by at most (2/√π) max(s e^-s^2) 1.3u
// = 0.62u; erf's own ulp is <= 2u |erf|; 1 + erf rounds (u |1 + erf|); the product with x/2 rounds (u |f|).
// tanh form: the inner argument x (1 + κ x^2) β is off by 5u relative, which moves t by at most
// max(s sech^2 s) 5u = 2.3u; tanh's own 2u |t|; then as above.
// Caps, which change no finite result: the exact f' takes x φ(x) with x capped at ±20 (φ is 0 in
// float beyond 14.4; uncapped, x = ±inf would give inf · 0 = NaN); the tanh form's f' takes x capped
// at ±10 (t rounds to ±1 from 9.1 on, so 1 - t^2 = 0 and the second term is 0 either way; uncapped,
// 3κx^2 overflows above 1.8e19 and 0 · inf = NaN). A NaN x gives x itself (TransferMath.KeepNaN), forward and as f'.
// ---------------------------------------------------------------------------------------------

/// <summary>f(x) = x/2 (1 + erf(x/√2)).</summary>
internal readonly struct GeluOperator : IUnaryOperator
{
    internal const float InverseSqrt2 = 0.707106781186547524f;
    internal const float InverseSqrt2Pi = 0.398942280401432678f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Invoke<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector e = Transcendental.Erf<TSimd, TVector>(TSimd.Multiply(x, TSimd.Create(InverseSqrt2)));
        return TransferMath.KeepNaN<TSimd, TVector>(x, TSimd.Multiply(TSimd.Multiply(x, TSimd.Create(0.5f)), TSimd.Add(TSimd.Create(1f), e)));
    }
}

/// <summary>delta *= Φ(net) + net φ(net).</summary>
internal readonly struct GeluDerivativeOperator : IDerivativeOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Invoke<TSimd, TVector>(TVector delta, TVector net, TVector output) where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector half = TSimd.Create(0.5f);
        TVector cdf = TSimd.Multiply(half, TSimd.Add(TSimd.Create(1f), Transcendental.Erf<TSimd, TVector>(TSimd.Multiply(net, TSimd.Create(GeluOperator.InverseSqrt2)))));
        TVector g = Transcendental.Exp<TSimd, TVector>(TSimd.Multiply(TSimd.Multiply(net, net), TSimd.Create(-0.5f)));
        TVector capped = TransferMath.Clamp<TSimd, TVector>(net, 20f);
        TVector fprime = TSimd.FusedMultiplyAdd(TSimd.Multiply(capped, TSimd.Create(GeluOperator.InverseSqrt2Pi)), g, cdf);
        return TSimd.Multiply(delta, TransferMath.KeepNaN<TSimd, TVector>(net, fprime));
    }
}

/// <summary>f(x) = x/2 (1 + tanh(β x (1 + κ x^2))).</summary>
internal readonly struct GeluTanhOperator : IUnaryOperator
{
    internal const float Beta = 0.797884560802865355f;     // √(2/π)
    internal const float Kappa = 0.044715f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Invoke<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector t = Transcendental.Tanh<TSimd, TVector>(Inner<TSimd, TVector>(x));
        return TransferMath.KeepNaN<TSimd, TVector>(x, TSimd.Multiply(TSimd.Multiply(x, TSimd.Create(0.5f)), TSimd.Add(TSimd.Create(1f), t)));
    }

    /// <summary>β x (1 + κ x^2): infinite, not NaN, where x^2 overflows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVector Inner<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
        => TSimd.Multiply(TSimd.Multiply(x, TSimd.Create(Beta)), TSimd.FusedMultiplyAdd(TSimd.Multiply(x, x), TSimd.Create(Kappa), TSimd.Create(1f)));
}

/// <summary>delta *= (1 + t)/2 + net/2 (1 - t^2) β (1 + 3κ net^2), net capped at ±10.</summary>
internal readonly struct GeluTanhDerivativeOperator : IDerivativeOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Invoke<TSimd, TVector>(TVector delta, TVector net, TVector output) where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector x = TransferMath.Clamp<TSimd, TVector>(net, 10f);
        TVector one = TSimd.Create(1f), half = TSimd.Create(0.5f);
        TVector t = Transcendental.Tanh<TSimd, TVector>(GeluTanhOperator.Inner<TSimd, TVector>(x));
        TVector left = TSimd.Multiply(half, TSimd.Add(one, t));
        TVector sech2 = TSimd.Multiply(TSimd.Subtract(one, t), TSimd.Add(one, t));
        TVector slope = TSimd.Multiply(TSimd.Create(GeluTanhOperator.Beta), TSimd.FusedMultiplyAdd(TSimd.Multiply(x, x), TSimd.Create(3f * GeluTanhOperator.Kappa), one));
        TVector fprime = TSimd.FusedMultiplyAdd(TSimd.Multiply(TSimd.Multiply(x, half), sech2), slope, left);
        return TSimd.Multiply(delta, TransferMath.KeepNaN<TSimd, TVector>(net, fprime));
    }
}
