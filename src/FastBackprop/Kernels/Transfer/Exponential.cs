using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// The exponential output function y = e^net, the inverse of the log link (PyTorch's
// PoissonNLLLoss with log_input=True takes net as the log rate; y is the rate). f'(net) = e^net = y,
// taken from the output.
//
// Forward: Transcendental.Exp (within 1 ulp, the same bits at every width; +∞ above ln(MaxValue),
// 0 far below). f': delta y, one IEEE multiplication.
// ---------------------------------------------------------------------------------------------

/// <summary>f(x) = e^x.</summary>
internal readonly struct ExponentialOperator : IUnaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Invoke<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
        => Transcendental.Exp<TSimd, TVector>(x);
}

/// <summary>delta *= y (f' = e^net = y).</summary>
internal readonly struct ExponentialDerivativeOperator : IDerivativeOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Invoke<TSimd, TVector>(TVector delta, TVector net, TVector output) where TSimd : ISimd<TVector> where TVector : struct
        => TSimd.Multiply(delta, output);
}
