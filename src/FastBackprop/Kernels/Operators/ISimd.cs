using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace FastBackprop.Kernels.Operators;

// ---------------------------------------------------------------------------------------------
// One vector width, as a set of static operations. A kernel is written once, generic over
// ISimd<TVector>, and the JIT specialises it per width; the scalar "width" (Count == 1) is the
// fallback and needs no tail loop. Only VectorTier decides which width runs.
//
// Every operation here is lane-wise and exactly rounded (IEEE binary32), so lane i of a result
// is the same bits at every width: an element-wise kernel gives the same output whichever width
// ran it and whether an element fell in a register or in the scalar tail. That includes the
// multiply-add, which is fused at every width (one rounding), in hardware where the CPU has FMA
// and in exact software emulation where it has not (SoftwareFma for the 128-bit and scalar
// widths, the tiers such CPUs run). There is deliberately no horizontal sum:
// its order would depend on the width; every reduction goes through Lanes16.
// ---------------------------------------------------------------------------------------------

/// <summary>The operations a kernel body needs from one vector width.</summary>
/// <typeparam name="TVector">The register type: <see cref="Vector512{T}"/>, <see cref="Vector256{T}"/>,
/// <see cref="Vector128{T}"/> or <see cref="float"/> for the scalar fallback.</typeparam>
internal interface ISimd<TVector> where TVector : struct
{
    /// <summary>Number of floats in one register.</summary>
    static abstract int Count { get; }

    static abstract TVector Zero { get; }

    static abstract TVector Create(float value);

    /// <summary>Unaligned load of <see cref="Count"/> floats starting at <paramref name="source"/>.</summary>
    static abstract TVector Load(ref float source);

    /// <summary>Unaligned store of <see cref="Count"/> floats starting at <paramref name="destination"/>.</summary>
    static abstract void Store(TVector value, ref float destination);

    static abstract TVector Add(TVector a, TVector b);

    static abstract TVector Subtract(TVector a, TVector b);

    static abstract TVector Multiply(TVector a, TVector b);

    /// <summary>Per lane: a * b + c with one rounding (IEEE fusedMultiplyAdd) at every width: an FMA instruction
    /// where the CPU has one, <see cref="SoftwareFma"/>'s exact emulation where it has not.</summary>
    static abstract TVector FusedMultiplyAdd(TVector a, TVector b, TVector c);

    /// <summary>Per lane: <paramref name="condition"/> &gt; 0 ? <paramref name="whenPositive"/> : <paramref name="otherwise"/>
    /// (NaN conditions take <paramref name="otherwise"/>).</summary>
    static abstract TVector WherePositive(TVector condition, TVector whenPositive, TVector otherwise);
}

internal readonly struct Simd512 : ISimd<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Create(float value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(ref float source) => Vector512.LoadUnsafe(ref source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> value, ref float destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;
    /// <summary>Vector512.FusedMultiplyAdd; without FMA (only where this width runs emulated, in tests) per 128 bits as
    /// <see cref="Simd128.FusedMultiplyAdd"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> FusedMultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
        Fma.IsSupported || !Sse2.IsSupported ? Vector512.FusedMultiplyAdd(a, b, c)
        : Vector512.Create(Simd256.FusedMultiplyAdd(a.GetLower(), b.GetLower(), c.GetLower()), Simd256.FusedMultiplyAdd(a.GetUpper(), b.GetUpper(), c.GetUpper()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> WherePositive(Vector512<float> condition, Vector512<float> whenPositive, Vector512<float> otherwise)
        => Vector512.ConditionalSelect(Vector512.GreaterThan(condition, Vector512<float>.Zero), whenPositive, otherwise);
}

internal readonly struct Simd256 : ISimd<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Create(float value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(ref float source) => Vector256.LoadUnsafe(ref source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> value, ref float destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;
    /// <summary>Vector256.FusedMultiplyAdd; without FMA (only where this width runs emulated, in tests) per 128 bits as
    /// <see cref="Simd128.FusedMultiplyAdd"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> FusedMultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Fma.IsSupported || !Sse2.IsSupported ? Vector256.FusedMultiplyAdd(a, b, c)
        : Vector256.Create(SoftwareFma.Fused(a.GetLower(), b.GetLower(), c.GetLower()), SoftwareFma.Fused(a.GetUpper(), b.GetUpper(), c.GetUpper()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> WherePositive(Vector256<float> condition, Vector256<float> whenPositive, Vector256<float> otherwise)
        => Vector256.ConditionalSelect(Vector256.GreaterThan(condition, Vector256<float>.Zero), whenPositive, otherwise);
}

internal readonly struct Simd128 : ISimd<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;
    public static Vector128<float> Zero => Vector128<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Create(float value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(ref float source) => Vector128.LoadUnsafe(ref source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<float> value, ref float destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Subtract(Vector128<float> a, Vector128<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Multiply(Vector128<float> a, Vector128<float> b) => a * b;
    /// <summary>Vector128.FusedMultiplyAdd where the CPU has FMA (or no SSE2, where Vector128 is emulated anyway);
    /// <see cref="SoftwareFma"/> on x86 without FMA, exact like the runtime's fallback and far faster.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> FusedMultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) =>
        Fma.IsSupported || !Sse2.IsSupported ? Vector128.FusedMultiplyAdd(a, b, c) : SoftwareFma.Fused(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> WherePositive(Vector128<float> condition, Vector128<float> whenPositive, Vector128<float> otherwise)
        => Vector128.ConditionalSelect(Vector128.GreaterThan(condition, Vector128<float>.Zero), whenPositive, otherwise);
}

/// <summary>The scalar fallback: a "vector" of one float, so kernel bodies need no separate scalar loop.</summary>
internal readonly struct SimdScalar : ISimd<float>
{
    public static int Count => 1;
    public static float Zero => 0f;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Create(float value) => value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Load(ref float source) => source;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float value, ref float destination) => destination = value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Add(float a, float b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Subtract(float a, float b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Multiply(float a, float b) => a * b;
    /// <summary>MathF.FusedMultiplyAdd where the CPU has an FMA instruction (x86 FMA3, every Arm64); <see cref="SoftwareFma"/>
    /// elsewhere, exact like the C library's fmaf that MathF would call, without a call per element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float FusedMultiplyAdd(float a, float b, float c) =>
        Fma.IsSupported || AdvSimd.IsSupported ? MathF.FusedMultiplyAdd(a, b, c) : SoftwareFma.Fused(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float WherePositive(float condition, float whenPositive, float otherwise) => condition > 0f ? whenPositive : otherwise;
}
