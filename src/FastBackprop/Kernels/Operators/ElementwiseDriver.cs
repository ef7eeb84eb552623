using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FastBackprop.Kernels.Operators;

/// <summary>Runs an element-wise operator over spans: the one place that picks the vector tier
/// and handles tails for element-wise work (TensorPrimitives' driver, in miniature).</summary>
internal static class ElementwiseDriver
{
    /// <summary><c>y[i] = op(x[i])</c>; <paramref name="y"/> may be <paramref name="x"/> itself.</summary>
    public static void Map<TOp>(TOp op, ReadOnlySpan<float> x, Span<float> y) where TOp : struct, IUnaryOperator
    {
        ThrowHelper.CheckLength(y.Length, x.Length, nameof(y));
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        switch (VectorTiers.For(x.Length))
        {
            case VectorTier.Vector512: Map<TOp, Simd512, Vector512<float>>(op, ref xr, ref yr, x.Length); break;
            case VectorTier.Vector256: Map<TOp, Simd256, Vector256<float>>(op, ref xr, ref yr, x.Length); break;
            case VectorTier.Vector128: Map<TOp, Simd128, Vector128<float>>(op, ref xr, ref yr, x.Length); break;
            default: Map<TOp, SimdScalar, float>(op, ref xr, ref yr, x.Length); break;
        }
    }

    /// <summary><c>delta[i] = op(delta[i], net[i], output[i])</c>, in place.</summary>
    public static void UpdateDelta<TOp>(TOp op, ReadOnlySpan<float> net, ReadOnlySpan<float> output, Span<float> delta)
        where TOp : struct, IDerivativeOperator
    {
        ThrowHelper.CheckLength(output.Length, net.Length, nameof(output));
        ThrowHelper.CheckLength(delta.Length, net.Length, nameof(delta));
        ref float n = ref MemoryMarshal.GetReference(net);
        ref float o = ref MemoryMarshal.GetReference(output);
        ref float d = ref MemoryMarshal.GetReference(delta);
        switch (VectorTiers.For(net.Length))
        {
            case VectorTier.Vector512: UpdateDelta<TOp, Simd512, Vector512<float>>(op, ref n, ref o, ref d, net.Length); break;
            case VectorTier.Vector256: UpdateDelta<TOp, Simd256, Vector256<float>>(op, ref n, ref o, ref d, net.Length); break;
            case VectorTier.Vector128: UpdateDelta<TOp, Simd128, Vector128<float>>(op, ref n, ref o, ref d, net.Length); break;
            default: UpdateDelta<TOp, SimdScalar, float>(op, ref n, ref o, ref d, net.Length); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Map<TOp, TSimd, TVector>(TOp op, ref float x, ref float y, int length)
        where TOp : struct, IUnaryOperator where TSimd : ISimd<TVector> where TVector : struct
    {
        int i = 0;
        for (; i <= length - TSimd.Count; i += TSimd.Count)
        {
            TSimd.Store(op.Invoke<TSimd, TVector>(TSimd.Load(ref Unsafe.Add(ref x, i))), ref Unsafe.Add(ref y, i));
        }
        // Scalar tail rather than an overlapping last vector: the operation may run in place,
        // and applying it twice to the overlap would be wrong.
        for (; i < length; i++)
        {
            Unsafe.Add(ref y, i) = op.Invoke<SimdScalar, float>(Unsafe.Add(ref x, i));
        }
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
