using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
// the update is in place and must not be applied twice to the overlap. Every ISimd operation is
// lane-wise and exactly rounded (the multiply-add fused at every width), so an element gets the
// same bits whether a register of any width or the scalar tail updated it: every optimizer
// gives the same parameters and state on every CPU and vector tier.
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

/// <summary>Runs a parameter-update operator over the whole parameter buffer, at the tier
/// <see cref="VectorDispatch"/> picks, and handles the tails of the optimizer kernels.</summary>
internal static class ParameterUpdateDriver
{
    /// <summary><c>w[i] = op(w[i], g[i])</c>.</summary>
    public static void Run<TOp>(TOp op, Span<float> parameters, ReadOnlySpan<float> gradient)
        where TOp : struct, IParameterUpdateOperator
    {
        ThrowHelper.CheckLength(gradient.Length, parameters.Length, nameof(gradient));
        var kernel = new Kernel0<TOp>(op, parameters, gradient);
        VectorDispatch.Run(parameters.Length, ref kernel);
    }

    /// <summary><c>(w[i], s[i]) = op(w[i], g[i], s[i])</c>.</summary>
    public static void Run<TOp>(TOp op, Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> state, string stateName)
        where TOp : struct, IParameterUpdateOperator1
    {
        ThrowHelper.CheckLength(gradient.Length, parameters.Length, nameof(gradient));
        ThrowHelper.CheckLength(state.Length, parameters.Length, stateName);
        var kernel = new Kernel1<TOp>(op, parameters, gradient, state);
        VectorDispatch.Run(parameters.Length, ref kernel);
    }

    /// <summary><c>(w[i], s[i], t[i]) = op(w[i], g[i], s[i], t[i])</c>; returns whether every g[i] and every new w[i]
    /// is finite (the trainer's divergence check, folded into the pass that reads both anyway).</summary>
    public static bool Run<TOp>(TOp op, Span<float> parameters, ReadOnlySpan<float> gradient,
        Span<float> state0, string state0Name, Span<float> state1, string state1Name)
        where TOp : struct, IParameterUpdateOperator2
    {
        ThrowHelper.CheckLength(gradient.Length, parameters.Length, nameof(gradient));
        ThrowHelper.CheckLength(state0.Length, parameters.Length, state0Name);
        ThrowHelper.CheckLength(state1.Length, parameters.Length, state1Name);
        var kernel = new Kernel2<TOp>(op, parameters, gradient, state0, state1);
        VectorDispatch.Run(parameters.Length, ref kernel);
        return kernel.Finite;
    }

    // --- the operands of one call, for VectorDispatch -------------------------------------------

    private readonly ref struct Kernel0<TOp>(TOp op, Span<float> parameters, ReadOnlySpan<float> gradient) : IVectorKernel
        where TOp : struct, IParameterUpdateOperator
    {
        private readonly TOp op = op;
        private readonly Span<float> w = parameters;
        private readonly ReadOnlySpan<float> g = gradient;

        public void Run<TSimd, TVector>() where TSimd : ISimd<TVector> where TVector : struct =>
            Run<TOp, TSimd, TVector>(op, ref MemoryMarshal.GetReference(w), ref MemoryMarshal.GetReference(g), w.Length);
    }

    private readonly ref struct Kernel1<TOp>(TOp op, Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> state) : IVectorKernel
        where TOp : struct, IParameterUpdateOperator1
    {
        private readonly TOp op = op;
        private readonly Span<float> w = parameters, s = state;
        private readonly ReadOnlySpan<float> g = gradient;

        public void Run<TSimd, TVector>() where TSimd : ISimd<TVector> where TVector : struct =>
            Run<TOp, TSimd, TVector>(op, ref MemoryMarshal.GetReference(w), ref MemoryMarshal.GetReference(g), ref MemoryMarshal.GetReference(s), w.Length);
    }

    private ref struct Kernel2<TOp>(TOp op, Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> state0, Span<float> state1) : IVectorKernel
        where TOp : struct, IParameterUpdateOperator2
    {
        private readonly TOp op = op;
        private readonly Span<float> w = parameters, s = state0, t = state1;
        private readonly ReadOnlySpan<float> g = gradient;

        /// <summary>After <see cref="Run"/>: whether every gradient element and every new parameter was finite.</summary>
        public bool Finite { get; private set; }

        public void Run<TSimd, TVector>() where TSimd : ISimd<TVector> where TVector : struct =>
            Finite = Run<TOp, TSimd, TVector>(op, ref MemoryMarshal.GetReference(w), ref MemoryMarshal.GetReference(g),
                ref MemoryMarshal.GetReference(s), ref MemoryMarshal.GetReference(t), w.Length);
    }

    // --- loops: full registers, then the scalar tail --------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Run<TOp, TSimd, TVector>(TOp op, ref float w, ref float g, int n)
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
    internal static void Run<TOp, TSimd, TVector>(TOp op, ref float w, ref float g, ref float s, int n)
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

    // Also sums x · 0 over every gradient element and new parameter: 0 while all are finite, NaN (for good: NaN + x
    // is NaN) once one is infinite or NaN. Two lane-wise operations more per register in a pass bound by its loads and
    // stores, instead of two more passes over the buffers afterwards.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool Run<TOp, TSimd, TVector>(TOp op, ref float w, ref float g, ref float s, ref float t, int n)
        where TOp : struct, IParameterUpdateOperator2 where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector zero = TSimd.Zero, check = TSimd.Zero;
        int i = 0;
        for (; i <= n - TSimd.Count; i += TSimd.Count)
        {
            ref float wi = ref Unsafe.Add(ref w, i);
            ref float si = ref Unsafe.Add(ref s, i);
            ref float ti = ref Unsafe.Add(ref t, i);
            TVector sv = TSimd.Load(ref si);
            TVector tv = TSimd.Load(ref ti);
            TVector gv = TSimd.Load(ref Unsafe.Add(ref g, i));
            TVector wv = op.Invoke<TSimd, TVector>(TSimd.Load(ref wi), gv, ref sv, ref tv);
            TSimd.Store(wv, ref wi);
            TSimd.Store(sv, ref si);
            TSimd.Store(tv, ref ti);
            check = TSimd.FusedMultiplyAdd(wv, zero, TSimd.FusedMultiplyAdd(gv, zero, check));
        }
        float tail = 0f;
        for (; i < n; i++)
        {
            ref float wi = ref Unsafe.Add(ref w, i);
            float gi = Unsafe.Add(ref g, i);
            wi = op.Invoke<SimdScalar, float>(wi, gi, ref Unsafe.Add(ref s, i), ref Unsafe.Add(ref t, i));
            tail += gi * 0f + wi * 0f;
        }
        return tail == 0f && Finiteness.AllZero<TSimd, TVector>(check);
    }
}
