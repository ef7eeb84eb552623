using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;
using static FastBackprop.Kernels.Operators.SimdMath;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// Hard tanh (PyTorch nn.Hardtanh, min_val -1, max_val 1): f(x) = -1 below -1, 1 above 1, x between;
// f'(x) = 1 for -1 < x < 1 and 0 otherwise, at ±1 included (PyTorch's hardtanh_backward). Selects
// only: exact, the same bits at every width; NaN stays NaN forward and takes f' = 0.
// ---------------------------------------------------------------------------------------------

/// <summary>f(x) = min(max(x, -1), 1), NaN kept.</summary>
internal readonly struct HardTanhOperator : IUnaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Invoke<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector one = TSimd.Create(1f), minusOne = TSimd.Create(-1f);
        TVector y = Select(GreaterThan(x, one), one, x);
        return Select(LessThan(y, minusOne), minusOne, y);
    }
}

/// <summary>delta = -1 &lt; net &lt; 1 ? delta : 0.</summary>
internal readonly struct HardTanhDerivativeOperator : IDerivativeOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Invoke<TSimd, TVector>(TVector delta, TVector net, TVector output) where TSimd : ISimd<TVector> where TVector : struct
        => Select(And(GreaterThan(net, TSimd.Create(-1f)), LessThan(net, TSimd.Create(1f))), delta, TSimd.Zero);
}
