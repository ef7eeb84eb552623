using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels.Optimizers;

// ---------------------------------------------------------------------------------------------
// The element-wise driver of the optimizer kernels: one pass over the flat parameter buffer,
// updating w (and zero, one or two per-parameter state buffers) from the gradient g, lane by lane.
//
// Operands: w, g and every state buffer have the same length n (the network's parameter count)
// and share one layout; element i of each belongs to parameter i.
// Caller guarantees: no operand overlaps another.
// Driver handles: any n >= 0; full registers of the widest tier that fits, then a scalar tail.
// Driver never: allocates, reads or writes outside the spans, reads an element twice.
// The tail runs the same operator at SimdScalar width rather than an overlapping last vector:
// the update is in place and must not be applied twice to the overlap.
// ---------------------------------------------------------------------------------------------

/// <summary>An update <c>w ← op(w, g)</c> with no state, written once for every width.</summary>
internal interface IParameterUpdateOperator
{
    /// <summary>Returns the new parameters.</summary>
    TVector Invoke<TSimd, TVector>(TVector w, TVector g) where TSimd : ISimd<TVector> where TVector : struct;
}

/// <summary>An update <c>(w, s) ← op(w, g, s)</c> with one per-parameter state buffer.</summary>
internal interface IParameterUpdateOperator1
{
    /// <summary>Returns the new parameters and updates <paramref name="s"/> in place.</summary>
    TVector Invoke<TSimd, TVector>(TVector w, TVector g, ref TVector s) where TSimd : ISimd<TVector> where TVector : struct;
}

/// <summary>An update <c>(w, s, t) ← op(w, g, s, t)</c> with two per-parameter state buffers.</summary>
internal interface IParameterUpdateOperator2
{
    /// <summary>Returns the new parameters and updates <paramref name="s"/> and <paramref name="t"/> in place.</summary>
    TVector Invoke<TSimd, TVector>(TVector w, TVector g, ref TVector s, ref TVector t) where TSimd : ISimd<TVector> where TVector : struct;
}

/// <summary>Runs a parameter-update operator over the whole parameter buffer: the one place the
/// optimizer kernels pick a vector tier and handle tails.</summary>
internal static class ParameterUpdateDriver
{
    /// <summary><c>w[i] = op(w[i], g[i])</c>.</summary>
    public static void Run<TOp>(TOp op, Span<float> parameters, ReadOnlySpan<float> gradient)
        where TOp : struct, IParameterUpdateOperator
    {
        ThrowHelper.CheckLength(gradient.Length, parameters.Length, nameof(gradient));
        ref float w = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        int n = parameters.Length;
        switch (VectorTiers.For(n))
        {
            case VectorTier.Vector512: Run<TOp, Simd512, Vector512<float>>(op, ref w, ref g, n); break;
            case VectorTier.Vector256: Run<TOp, Simd256, Vector256<float>>(op, ref w, ref g, n); break;
            case VectorTier.Vector128: Run<TOp, Simd128, Vector128<float>>(op, ref w, ref g, n); break;
            default: Run<TOp, SimdScalar, float>(op, ref w, ref g, n); break;
        }
    }

    /// <summary><c>(w[i], s[i]) = op(w[i], g[i], s[i])</c>.</summary>
    public static void Run<TOp>(TOp op, Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> state, string stateName)
        where TOp : struct, IParameterUpdateOperator1
    {
        ThrowHelper.CheckLength(gradient.Length, parameters.Length, nameof(gradient));
        ThrowHelper.CheckLength(state.Length, parameters.Length, stateName);
        ref float w = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        ref float s = ref MemoryMarshal.GetReference(state);
        int n = parameters.Length;
        switch (VectorTiers.For(n))
        {
            case VectorTier.Vector512: Run<TOp, Simd512, Vector512<float>>(op, ref w, ref g, ref s, n); break;
            case VectorTier.Vector256: Run<TOp, Simd256, Vector256<float>>(op, ref w, ref g, ref s, n); break;
            case VectorTier.Vector128: Run<TOp, Simd128, Vector128<float>>(op, ref w, ref g, ref s, n); break;
            default: Run<TOp, SimdScalar, float>(op, ref w, ref g, ref s, n); break;
        }
    }

    /// <summary><c>(w[i], s[i], t[i]) = op(w[i], g[i], s[i], t[i])</c>.</summary>
    public static void Run<TOp>(TOp op, Span<float> parameters, ReadOnlySpan<float> gradient,
        Span<float> state0, string state0Name, Span<float> state1, string state1Name)
        where TOp : struct, IParameterUpdateOperator2
    {
        ThrowHelper.CheckLength(gradient.Length, parameters.Length, nameof(gradient));
        ThrowHelper.CheckLength(state0.Length, parameters.Length, state0Name);
        ThrowHelper.CheckLength(state1.Length, parameters.Length, state1Name);
        ref float w = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        ref float s = ref MemoryMarshal.GetReference(state0);
        ref float t = ref MemoryMarshal.GetReference(state1);
        int n = parameters.Length;
        switch (VectorTiers.For(n))
        {
            case VectorTier.Vector512: Run<TOp, Simd512, Vector512<float>>(op, ref w, ref g, ref s, ref t, n); break;
            case VectorTier.Vector256: Run<TOp, Simd256, Vector256<float>>(op, ref w, ref g, ref s, ref t, n); break;
            case VectorTier.Vector128: Run<TOp, Simd128, Vector128<float>>(op, ref w, ref g, ref s, ref t, n); break;
            default: Run<TOp, SimdScalar, float>(op, ref w, ref g, ref s, ref t, n); break;
        }
    }

    // --- loops: full registers, then the scalar tail --------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TOp, TSimd, TVector>(TOp op, ref float w, ref float g, int n)
        where TOp : struct, IParameterUpdateOperator where TSimd : ISimd<TVector> where TVector : struct
    {
        int i = 0;
        for (; i <= n - TSimd.Count; i += TSimd.Count)
        {
            ref float wi = ref Unsafe.Add(ref w, i);
            TSimd.Store(op.Invoke<TSimd, TVector>(TSimd.Load(ref wi), TSimd.Load(ref Unsafe.Add(ref g, i))), ref wi);
        }
        for (; i < n; i++)
        {
            ref float wi = ref Unsafe.Add(ref w, i);
            wi = op.Invoke<SimdScalar, float>(wi, Unsafe.Add(ref g, i));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TOp, TSimd, TVector>(TOp op, ref float w, ref float g, ref float s, int n)
        where TOp : struct, IParameterUpdateOperator1 where TSimd : ISimd<TVector> where TVector : struct
    {
        int i = 0;
        for (; i <= n - TSimd.Count; i += TSimd.Count)
        {
            ref float wi = ref Unsafe.Add(ref w, i);
            ref float si = ref Unsafe.Add(ref s, i);
            TVector sv = TSimd.Load(ref si);
            TVector wv = op.Invoke<TSimd, TVector>(TSimd.Load(ref wi), TSimd.Load(ref Unsafe.Add(ref g, i)), ref sv);
            TSimd.Store(wv, ref wi);
            TSimd.Store(sv, ref si);
        }
        for (; i < n; i++)
        {
            ref float wi = ref Unsafe.Add(ref w, i);
            wi = op.Invoke<SimdScalar, float>(wi, Unsafe.Add(ref g, i), ref Unsafe.Add(ref s, i));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TOp, TSimd, TVector>(TOp op, ref float w, ref float g, ref float s, ref float t, int n)
        where TOp : struct, IParameterUpdateOperator2 where TSimd : ISimd<TVector> where TVector : struct
    {
        int i = 0;
        for (; i <= n - TSimd.Count; i += TSimd.Count)
        {
            ref float wi = ref Unsafe.Add(ref w, i);
            ref float si = ref Unsafe.Add(ref s, i);
            ref float ti = ref Unsafe.Add(ref t, i);
            TVector sv = TSimd.Load(ref si);
            TVector tv = TSimd.Load(ref ti);
            TVector wv = op.Invoke<TSimd, TVector>(TSimd.Load(ref wi), TSimd.Load(ref Unsafe.Add(ref g, i)), ref sv, ref tv);
            TSimd.Store(wv, ref wi);
            TSimd.Store(sv, ref si);
            TSimd.Store(tv, ref ti);
        }
        for (; i < n; i++)
        {
            ref float wi = ref Unsafe.Add(ref w, i);
            wi = op.Invoke<SimdScalar, float>(wi, Unsafe.Add(ref g, i), ref Unsafe.Add(ref s, i), ref Unsafe.Add(ref t, i));
        }
    }
}
