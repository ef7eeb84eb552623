using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;
using static FastBackprop.Kernels.Operators.SimdMath;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// Softplus as PyTorch's nn.Softplus with its defaults beta = 1, threshold = 20: f(x) = x for x > 20
// (linear above the threshold, where log(1 + e^x) and x agree to 2e-9), log(1 + e^x) otherwise;
// f'(x) = 1 above 20, σ(x) = 1 / (1 + e^-x) otherwise (PyTorch's backward: z / (z + 1), z = e^x).
//
// Forward: Select(x > 20, x, log1p(e^x)) from Transcendental.Exp and LogOnePlus. f' from the net sum:
// Transcendental.Logistic, which rounds to 1 from 17 on, so no select is needed for the threshold.
// Same bits at every width (exact IEEE operations, selects, the project's own functions).
// Error (relative, derived): e^x's 2u reaches log1p(e) attenuated by e / ((1 + e) log1p(e)) <= 1, and
// log1p adds its 1 ulp (2u): 4u, plus 2^-148 absolute where e^x is subnormal. f': logistic's
// 1.5 ulp (3u) and the product (u).
// ---------------------------------------------------------------------------------------------

/// <summary>f(x) = x &gt; 20 ? x : log(1 + e^x).</summary>
internal readonly struct SoftplusOperator : IUnaryOperator
{
    /// <summary>PyTorch's default threshold: above it f is x.</summary>
    internal const float Threshold = 20f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Invoke<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
        => Select(GreaterThan(x, TSimd.Create(Threshold)), x, Transcendental.LogOnePlus<TSimd, TVector>(Transcendental.Exp<TSimd, TVector>(x)));
}

/// <summary>delta *= σ(net) (1 above the threshold, where σ rounds to 1).</summary>
internal readonly struct SoftplusDerivativeOperator : IDerivativeOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Invoke<TSimd, TVector>(TVector delta, TVector net, TVector output) where TSimd : ISimd<TVector> where TVector : struct
        => TSimd.Multiply(delta, Transcendental.Logistic<TSimd, TVector>(net));
}
