using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;
using static FastBackprop.Kernels.Operators.SimdMath;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// FANN's FANN_GAUSSIAN at steepness 1: f(x) = e^(-x^2); f'(x) = -2 x e^(-x^2) = -2 x y, from the
// output as FANN does.
//
// Forward: x^2 = h + l exactly (h rounded, l = fma(x, x, -h)), e^-(h + l) = e^-h (1 - l) to second
// order (|l| <= 2^-24 h, so l^2 / 2 is far below an ulp): fma(-e, l, e) with e = Transcendental.Exp(-h).
// Rounding x^2 alone would cost h u relative, 100 u near x = 10. |x| is capped at 11 first, where
// e^-121 already rounds to 0 (so the cap changes nothing), so that huge x cannot make h infinite and l NaN.
// Same bits at every width: exact IEEE operations, fused multiply-adds, selects and Transcendental.Exp; a NaN
// x gives x itself, forward and as f' (TransferMath.KeepNaN: x's NaN meets y's, whose sign |x| cleared).
// Error (derived, relative): exp's 1 ulp (2u) + the fma (u): 3u, plus 2^-148 absolute where the
// result is subnormal. f': (x y)(-2), -2 exact: y's error + 2u.
// ---------------------------------------------------------------------------------------------

/// <summary>f(x) = e^(-x^2).</summary>
internal readonly struct GaussianOperator : IUnaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Invoke<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector a = Abs<TSimd, TVector>(x);
        TVector cap = TSimd.Create(11f);
        a = Select(GreaterThan(a, cap), cap, a);
        TVector h = TSimd.Multiply(a, a);
        TVector l = TSimd.FusedMultiplyAdd(a, a, TSimd.Subtract(TSimd.Zero, h));
        TVector e = Transcendental.Exp<TSimd, TVector>(TSimd.Subtract(TSimd.Zero, h));
        return TransferMath.KeepNaN<TSimd, TVector>(x, TSimd.FusedMultiplyAdd(TSimd.Subtract(TSimd.Zero, e), l, e));
    }
}

/// <summary>delta *= (net y) (-2): net y first, which is 0 where -2 net would overflow (y is 0 beyond |net| = 10.2).</summary>
internal readonly struct GaussianDerivativeOperator : IDerivativeOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Invoke<TSimd, TVector>(TVector delta, TVector net, TVector output) where TSimd : ISimd<TVector> where TVector : struct
        => TSimd.Multiply(delta, TransferMath.KeepNaN<TSimd, TVector>(net, TSimd.Multiply(TSimd.Multiply(net, output), TSimd.Create(-2f))));
}
