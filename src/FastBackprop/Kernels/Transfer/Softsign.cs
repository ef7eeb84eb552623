using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;
using static FastBackprop.Kernels.Operators.SimdMath;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// Softsign (PyTorch nn.Softsign), which is also FANN's FANN_ELLIOT_SYMMETRIC at steepness 1 (FANN
// multiplies the net sum by the steepness first, 0.5 by default): f(x) = x / (1 + |x|);
// f'(x) = 1 / (1 + |x|)^2, from the net sum (1 - |y| from the output would lose y's relative
// accuracy where |y| is near 1).
// Same bits at every width: exact IEEE operations only, and a NaN x gives x itself (TransferMath.KeepNaN). Error (derived, relative): forward 1 + |x|
// and the division, γ_2; f' delta / d / d, γ_4 (two divisions rather than delta / d^2, so d^2
// cannot overflow for |x| above 1.8e19).
// ---------------------------------------------------------------------------------------------

/// <summary>f(x) = x / (1 + |x|).</summary>
internal readonly struct SoftsignOperator : IUnaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Invoke<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
        => TransferMath.KeepNaN<TSimd, TVector>(x, Divide(x, TSimd.Add(TSimd.Create(1f), Abs<TSimd, TVector>(x))));
}

/// <summary>delta *= 1 / (1 + |net|)^2, as delta / d / d.</summary>
internal readonly struct SoftsignDerivativeOperator : IDerivativeOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Invoke<TSimd, TVector>(TVector delta, TVector net, TVector output) where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector d = TSimd.Add(TSimd.Create(1f), Abs<TSimd, TVector>(net));
        return Divide(Divide(delta, d), d);
    }
}
