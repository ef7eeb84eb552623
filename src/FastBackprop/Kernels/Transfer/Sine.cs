using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// Sine, FANN's FANN_SIN_SYMMETRIC at steepness 1 (FANN_SIN is sin(x) / 2 + 1/2; this is the plain
// sin(x)): f(x) = sin x, f'(x) = cos x from the net sum. Transcendental.Sin and Cos, each within
// 0.8 ulp over the whole float range (Payne-Hanek reduction for large x): the same bits at every
// width. Error (relative): forward 1.6u; f' 1.6u + the product u.
// ---------------------------------------------------------------------------------------------

/// <summary>f(x) = sin x.</summary>
internal readonly struct SineOperator : IUnaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Invoke<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
        => Transcendental.Sin<TSimd, TVector>(x);
}

/// <summary>delta *= cos net.</summary>
internal readonly struct SineDerivativeOperator : IDerivativeOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Invoke<TSimd, TVector>(TVector delta, TVector net, TVector output) where TSimd : ISimd<TVector> where TVector : struct
        => TSimd.Multiply(delta, Transcendental.Cos<TSimd, TVector>(net));
}
