using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// ELU and SELU (PyTorch nn.ELU, nn.SELU): f(x) = scale x for x > 0, scale alpha (e^x - 1) otherwise,
// with scale 1 for ELU and PyTorch's constants for SELU. One operator serves both; ELU's scale 1
// makes its positive side exact.
//
// Forward: Select(x > 0, scale x, scaleAlpha expm1(x)), expm1 being Transcendental.ExpM1 (within
// 0.8 ulp, relative also near 0). f' from the output: scale for x > 0, else scale alpha e^x = y + scaleAlpha
// (no second exponential). Only exact IEEE operations and selects: the same bits at every width.
// Error (relative, derived): forward within 1 ulp of expm1 (2u) + the product (u) + scaleAlpha's own
// rounding to float (u, SELU only): 4u; the derivative's negative side is off by y's error plus two
// roundings (u |f'| each), its positive side by one rounding (and scale's, SELU).
// ---------------------------------------------------------------------------------------------

/// <summary>f(x) = x &gt; 0 ? scale x : scaleAlpha (e^x - 1).</summary>
internal readonly struct ExponentialLinearOperator(float scale, float scaleAlpha) : IUnaryOperator
{
    private readonly float scale = scale, scaleAlpha = scaleAlpha;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Invoke<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
        => TSimd.WherePositive(x, TSimd.Multiply(x, TSimd.Create(scale)),
            TSimd.Multiply(Transcendental.ExpM1<TSimd, TVector>(x), TSimd.Create(scaleAlpha)));
}

/// <summary>delta *= net &gt; 0 ? scale : y + scaleAlpha (= scale alpha e^net).</summary>
internal readonly struct ExponentialLinearDerivativeOperator(float scale, float scaleAlpha) : IDerivativeOperator
{
    private readonly float scale = scale, scaleAlpha = scaleAlpha;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Invoke<TSimd, TVector>(TVector delta, TVector net, TVector output) where TSimd : ISimd<TVector> where TVector : struct
        => TSimd.Multiply(delta, TSimd.WherePositive(net, TSimd.Create(scale), TSimd.Add(output, TSimd.Create(scaleAlpha))));
}
