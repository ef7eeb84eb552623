using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels.Optimizers;

// ---------------------------------------------------------------------------------------------
// VectorArithmetic: the element-wise steps of the line-search and conjugate-gradient optimizers
// over parameter-sized buffers (trial points x + t d, curvature pairs, directions), each one
// operator through ParameterUpdateDriver (one pass, the tier it picks, a scalar tail):
//
//   AddScaled   y_i = a x_i + y_i       (one fused multiply-add: ISimd.FusedMultiplyAdd)
//   Scale       x_i = a x_i             (one rounding)
//
// A difference y = u - v is AddScaled(y = u, v, -1), exact-sum-rounded like a subtraction.
// Operands: equal lengths; x and y do not overlap (Scale runs in place on its one buffer).
// Never allocates, reads past a span or writes x.
// ---------------------------------------------------------------------------------------------

/// <summary>Element-wise arithmetic on parameter-sized buffers for the optimizers.</summary>
internal static class VectorArithmetic
{
    /// <summary>y[i] = a · x[i] + y[i].</summary>
    public static void AddScaled(Span<float> y, ReadOnlySpan<float> x, float a) => ParameterUpdateDriver.Run(new AddScaledOperator(a), y, x);

    /// <summary>x[i] = a · x[i].</summary>
    public static void Scale(Span<float> x, float a) => ParameterUpdateDriver.Run(new ScaleOperator(a), x, x);

    /// <summary>destination = x + a · d (a trial point of a line search).</summary>
    public static void Step(Span<float> destination, ReadOnlySpan<float> x, float a, ReadOnlySpan<float> d)
    {
        x.CopyTo(destination);
        AddScaled(destination, d, a);
    }

    private readonly struct AddScaledOperator(float a) : IParameterUpdateOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVector Invoke<TSimd, TVector>(TVector y, TVector x) where TSimd : ISimd<TVector> where TVector : struct =>
            TSimd.FusedMultiplyAdd(TSimd.Create(a), x, y);   // y + a x
    }

    private readonly struct ScaleOperator(float a) : IParameterUpdateOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVector Invoke<TSimd, TVector>(TVector x, TVector same) where TSimd : ISimd<TVector> where TVector : struct =>
            TSimd.Multiply(x, TSimd.Create(a));   // a x
    }
}
