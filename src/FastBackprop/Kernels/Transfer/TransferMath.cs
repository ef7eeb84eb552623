using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;
using static FastBackprop.Kernels.Operators.SimdMath;

namespace FastBackprop.Kernels;

/// <summary>Two per-lane helpers of the Kernels/Transfer operators.</summary>
internal static class TransferMath
{
    /// <summary><paramref name="result"/>, or the input <paramref name="x"/> itself (its bits) where x is NaN.</summary>
    /// <remarks>A formula that meets x in two places (x σ(x), x / (1 + |x|), ...) combines two NaNs where x is NaN, and
    /// which one's payload a multiply or add returns is not fixed: x86 returns the first operand, and the JIT may swap
    /// the operands of a commutative operation, differently at different widths. Returning x keeps NaN lanes bit-identical
    /// at every width.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector KeepNaN<TSimd, TVector>(TVector x, TVector result) where TSimd : ISimd<TVector> where TVector : struct
        => Select(Equal(x, x), result, x);

    /// <summary>x limited to [-limit, limit]; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Clamp<TSimd, TVector>(TVector x, float limit) where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector high = TSimd.Create(limit), low = TSimd.Create(-limit);
        x = Select(GreaterThan(x, high), high, x);
        return Select(LessThan(x, low), low, x);
    }
}
