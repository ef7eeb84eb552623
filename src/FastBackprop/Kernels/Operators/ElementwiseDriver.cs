using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FastBackprop.Kernels.Operators;

/// <summary>Runs an element-wise operator over spans, at the tier <see cref="VectorDispatch"/> picks, and
/// handles the tails (TensorPrimitives' driver, in miniature). The tail runs the same operator in one padded
/// register, and every operator gives the same bits at every width (ISimd's operations are lane-wise and exactly
/// rounded, the transcendental functions are the project's own), so an element's result does not depend on the
/// width or on whether it fell in the tail.</summary>
internal static class ElementwiseDriver
{
    /// <summary><c>y[i] = op(x[i])</c>; <paramref name="y"/> may be <paramref name="x"/> itself.</summary>
    public static void Map<TOp>(TOp op, ReadOnlySpan<float> x, Span<float> y) where TOp : struct, IUnaryOperator
    {
        ThrowHelper.CheckLength(y.Length, x.Length, nameof(y));
        var kernel = new MapKernel<TOp>(op, x, y);
        VectorDispatch.Run(x.Length, ref kernel);
    }

    /// <summary><c>delta[i] = op(delta[i], net[i], output[i])</c>, in place.</summary>
    public static void UpdateDelta<TOp>(TOp op, ReadOnlySpan<float> net, ReadOnlySpan<float> output, Span<float> delta)
        where TOp : struct, IDerivativeOperator
    {
        ThrowHelper.CheckLength(output.Length, net.Length, nameof(output));
        ThrowHelper.CheckLength(delta.Length, net.Length, nameof(delta));
        var kernel = new UpdateDeltaKernel<TOp>(op, net, output, delta);
        VectorDispatch.Run(net.Length, ref kernel);
    }

    /// <summary><see cref="Map{TOp}"/> over refs, for rows of a handful of units (the tiny-network plan), where a
    /// span call and a tier dispatch would cost more than the arithmetic: in Vector128 registers where they are
    /// accelerated (a layer of 2 to 4 units is one register), else in scalar code. The result is the same either way.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MapSmall<TOp>(TOp op, ref float x, ref float y, int length) where TOp : struct, IUnaryOperator
    {
        if (!Vector128.IsHardwareAccelerated) Map<TOp, SimdScalar, float>(op, ref x, ref y, length);
        else if (length <= 4) MapOneRegister(op, ref x, ref y, length);
        else Map<TOp, Simd128, Vector128<float>>(op, ref x, ref y, length);
    }

    /// <summary>x[0 .. length) (1 &lt;= length &lt;= 4) in one Vector128, the lanes past them +0; nothing past x[length - 1]
    /// is read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> LoadSmall(ref float x, int length) => length switch
    {
        4 => Vector128.LoadUnsafe(ref x),
        3 => Vector128.Create(x, Unsafe.Add(ref x, 1), Unsafe.Add(ref x, 2), 0f),
        2 => Vector128.Create(x, Unsafe.Add(ref x, 1), 0f, 0f),
        _ => Vector128.CreateScalar(x),
    };

    // y[t] = op(x[t]) for 1 <= t <= length <= 4 in one Vector128 built from the values and +0 padding (as MapPadded's
    // zeroed copy, so the same bits), in registers: no buffer to clear, no copy loops whose counts change from layer to
    // layer, no call. The lanes are independent, so lane t's result does not depend on the padding.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MapOneRegister<TOp>(TOp op, ref float x, ref float y, int length) where TOp : struct, IUnaryOperator
    {
        Vector128<float> r = op.Invoke<Simd128, Vector128<float>>(LoadSmall(ref x, length));
        switch (length)
        {
            case 4:
                r.StoreUnsafe(ref y);
                return;
            case 3:
                Unsafe.Add(ref y, 2) = r.GetElement(2);
                goto case 2;
            case 2:
                Unsafe.Add(ref y, 1) = r.GetElement(1);
                goto default;
            default:
                y = r.ToScalar();
                return;
        }
    }

    /// <summary><see cref="Map{TOp}"/> in scalar code over refs, for the cheap operators of a handful of units
    /// (ReLU), where even one register's padding would cost more than the arithmetic.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MapScalar<TOp>(TOp op, ref float x, ref float y, int length) where TOp : struct, IUnaryOperator =>
        Map<TOp, SimdScalar, float>(op, ref x, ref y, length);

    /// <summary><see cref="UpdateDelta{TOp}"/> in scalar code over refs; see <see cref="MapScalar{TOp}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void UpdateDeltaScalar<TOp>(TOp op, ref float net, ref float output, ref float delta, int length) where TOp : struct, IDerivativeOperator =>
        UpdateDelta<TOp, SimdScalar, float>(op, ref net, ref output, ref delta, length);

    private readonly ref struct MapKernel<TOp>(TOp op, ReadOnlySpan<float> x, Span<float> y) : IVectorKernel
        where TOp : struct, IUnaryOperator
    {
        private readonly TOp op = op;
        private readonly ReadOnlySpan<float> source = x;
        private readonly Span<float> destination = y;

        public void Run<TSimd, TVector>() where TSimd : ISimd<TVector> where TVector : struct =>
            Map<TOp, TSimd, TVector>(op, ref MemoryMarshal.GetReference(source), ref MemoryMarshal.GetReference(destination), source.Length);
    }

    private readonly ref struct UpdateDeltaKernel<TOp>(TOp op, ReadOnlySpan<float> net, ReadOnlySpan<float> output, Span<float> delta) : IVectorKernel
        where TOp : struct, IDerivativeOperator
    {
        private readonly TOp op = op;
        private readonly ReadOnlySpan<float> n = net, o = output;
        private readonly Span<float> d = delta;

        public void Run<TSimd, TVector>() where TSimd : ISimd<TVector> where TVector : struct =>
            UpdateDelta<TOp, TSimd, TVector>(op, ref MemoryMarshal.GetReference(n), ref MemoryMarshal.GetReference(o), ref MemoryMarshal.GetReference(d), n.Length);
    }

    /// <summary><c>y[i] = op(x[i])</c> over refs at the width of <typeparamref name="TSimd"/>, the tail in one padded
    /// register: for kernels that already run at a chosen width (softmax's exponentials).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Map<TOp, TSimd, TVector>(TOp op, ref float x, ref float y, int length)
        where TOp : struct, IUnaryOperator where TSimd : ISimd<TVector> where TVector : struct
    {
        int i = 0;
        for (; i <= length - TSimd.Count; i += TSimd.Count)
        {
            TSimd.Store(op.Invoke<TSimd, TVector>(TSimd.Load(ref Unsafe.Add(ref x, i))), ref Unsafe.Add(ref y, i));
        }
        // The tail as one padded vector rather than an overlapping last vector (the operation may run in place,
        // and applying it twice to the overlap would be wrong) or element by element: the operators give the
        // same bits at every width, and the transcendental ones cost about as much per scalar as per register.
        if (i < length) MapPadded<TOp, TSimd, TVector>(op, ref Unsafe.Add(ref x, i), ref Unsafe.Add(ref y, i), length - i);
    }

    // y[t] = op(x[t]) for t < count < TSimd.Count, through one register loaded from a zero-padded copy.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void MapPadded<TOp, TSimd, TVector>(TOp op, ref float x, ref float y, int count)
        where TOp : struct, IUnaryOperator where TSimd : ISimd<TVector> where TVector : struct
    {
        Block16 block = default;
        ref float lanes = ref Unsafe.As<Block16, float>(ref block);
        for (int t = 0; t < count; t++) Unsafe.Add(ref lanes, t) = Unsafe.Add(ref x, t);
        TSimd.Store(op.Invoke<TSimd, TVector>(TSimd.Load(ref lanes)), ref lanes);
        for (int t = 0; t < count; t++) Unsafe.Add(ref y, t) = Unsafe.Add(ref lanes, t);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateDelta<TOp, TSimd, TVector>(TOp op, ref float net, ref float output, ref float delta, int length)
        where TOp : struct, IDerivativeOperator where TSimd : ISimd<TVector> where TVector : struct
    {
        int i = 0;
        for (; i <= length - TSimd.Count; i += TSimd.Count)
        {
            TVector updated = op.Invoke<TSimd, TVector>(
                TSimd.Load(ref Unsafe.Add(ref delta, i)), TSimd.Load(ref Unsafe.Add(ref net, i)), TSimd.Load(ref Unsafe.Add(ref output, i)));
            TSimd.Store(updated, ref Unsafe.Add(ref delta, i));
        }
        for (; i < length; i++)
        {
            Unsafe.Add(ref delta, i) = op.Invoke<SimdScalar, float>(Unsafe.Add(ref delta, i), Unsafe.Add(ref net, i), Unsafe.Add(ref output, i));
        }
    }
}
