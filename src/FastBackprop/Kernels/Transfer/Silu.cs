using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// SiLU / swish (PyTorch nn.SiLU): f(x) = x σ(x); f'(x) = σ(x) (1 + x (1 - σ(x))), PyTorch's backward
// formula, from the net sum (one Transcendental.Logistic each way; the forward's σ is not kept).
// Same bits at every width: exact IEEE operations, fused multiply-adds and Transcendental.Logistic; a NaN
// x gives x itself, forward and as f' (TransferMath.KeepNaN: x meets σ(x)'s NaN in a product).
// Error (derived): forward σ's 1.5 ulp (3u) + the product (u): 4u relative. f': 1 - σ is exact for
// σ >= 1/2 (Sterbenz) and rounds once below, so x (1 - σ) is off by |x| (3u σ + u) absolute at most,
// which for large x is large against 1 - σ ~ e^-x but small against f' ~ 1 (PyTorch's float
// formula has the same); the fused 1 + x (1 - σ), the product with σ (3u + u) and with delta add
// 6u |f'| relative.
// ---------------------------------------------------------------------------------------------

/// <summary>f(x) = x σ(x).</summary>
internal readonly struct SiluOperator : IUnaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Invoke<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
        => TransferMath.KeepNaN<TSimd, TVector>(x, TSimd.Multiply(x, Transcendental.Logistic<TSimd, TVector>(x)));
}

/// <summary>delta *= σ(net) (1 + net (1 - σ(net))).</summary>
internal readonly struct SiluDerivativeOperator : IDerivativeOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Invoke<TSimd, TVector>(TVector delta, TVector net, TVector output) where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector s = Transcendental.Logistic<TSimd, TVector>(net);
        TVector one = TSimd.Create(1f);
        TVector g = TSimd.FusedMultiplyAdd(net, TSimd.Subtract(one, s), one);
        return TSimd.Multiply(delta, TransferMath.KeepNaN<TSimd, TVector>(net, TSimd.Multiply(s, g)));
    }
}
