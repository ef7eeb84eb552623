using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FastBackprop.Kernels.Operators;

// ---------------------------------------------------------------------------------------------
// Lanes16: the one summation order of every dot product and sum that feeds training or inference
// (net sums, softmax sums, the half squared error, the gradient norm). It does not depend on the
// vector width, so these give the same bits at every tier, for every length, on every CPU.
//
//   lanes  Element j of a length-n sum belongs to lane j mod 16. Each of the 16 lanes starts at
//          -0 and takes its elements in increasing j: one fused multiply-add per element for a
//          dot product (lane = fma(a_j, b_j, lane)), one addition for a plain sum (lane + x_j).
//   tree   Then lanes i and i + 8 are added (i < 8), then i and i + 4 (i < 4), then i and i + 2
//          (i < 2), then lanes 0 and 1. A kernel adds its bias, if any, to that, last.
//
// Why the lanes start at -0 and not +0: x + (-0) = x for every float x, +0 and -0 included,
// whereas -0 + (+0) = +0. So -0 is the exact additive identity, and two facts follow.
//   (1) A lane that receives no element (n < 16) holds -0, and every addition of the tree that
//       meets it returns the other operand unchanged: a short sum may skip such lanes, the tree
//       over the lanes it touched is the same number. And fma(a, b, -0) = a*b exactly (the exact
//       product plus -0, rounded once: the product's own rounding, the sign of a zero kept), so
//       the first element of a lane may be a plain multiplication (SmallDense uses both facts).
//       An empty sum is -0, and bias + (-0) = bias: a row of zero length gives its bias exactly.
//   (2) A tail can be padded to a whole block of 16 without changing a bit: a dot product pads
//       one operand with +0 and the other with -0, so a padded lane receives fma(+0, -0, lane) =
//       lane + (-0) = lane; a plain sum pads with -0. (Padding both operands with +0 would add
//       (+0)(+0) = +0, which turns a -0 lane into +0. A lane started at +0 can become -0 too: an
//       FMA whose exact result is a nonzero value below 2^-150 in magnitude rounds to -0, e.g.
//       fma(-1e-30, 1e-30, +0) = -0. So a +0 start would not make +0 padding exact.)
//
// Every width holds the 16 lanes: one Vector512; two Vector256 (lanes 0-7, 8-15); four
// Vector128 (0-3, 4-7, 8-11, 12-15); sixteen floats. In each, lane L receives the same IEEE
// operations on the same operands in the same order, and each level of the tree adds the same
// two lanes (the sum of two floats does not depend on their order), so the result has the same
// bits at every width. FMA is exact everywhere (ISimd.FusedMultiplyAdd: the instruction, or
// SoftwareFma where a CPU has none). The one freedom left is the payload of a NaN result, which
// IEEE 754 leaves to the implementation: a NaN in, a NaN out.
//
// Cost: one accumulator chain of 16 lanes per sum, like a Vector512 loop; kernels that need more
// independent chains run several sums side by side (Gemv: four rows), never split one sum.
// ---------------------------------------------------------------------------------------------

/// <summary>Sixteen float lanes in the registers of one width: the accumulator of a sum in the canonical order
/// (see the contract at the top of Lanes16.cs). Every operation is lane-wise and exactly rounded except
/// <see cref="Sum"/>, which is the canonical tree.</summary>
/// <typeparam name="TSelf">The implementing struct: <see cref="Lanes512"/>, <see cref="Lanes256"/>,
/// <see cref="Lanes128"/> or <see cref="LanesScalar"/>.</typeparam>
internal interface ILanes16<TSelf> where TSelf : struct, ILanes16<TSelf>
{
    /// <summary>Every lane -0: the start of every accumulator, the exact additive identity.</summary>
    static abstract TSelf NegativeZero { get; }

    static abstract TSelf Create(float value);

    /// <summary>Unaligned load of 16 floats.</summary>
    static abstract TSelf Load(ref float source);

    /// <summary>Lanes 0 .. count-1 from <paramref name="source"/>[0 .. count), every other lane
    /// <paramref name="fill"/>; reads no element at or past <paramref name="source"/>[count].
    /// <paramref name="count"/> is in [1, 16].</summary>
    static abstract TSelf LoadFirst(ref float source, int count, float fill);

    /// <summary>Unaligned store of 16 floats.</summary>
    static abstract void Store(TSelf value, ref float destination);

    static abstract TSelf Add(TSelf a, TSelf b);

    /// <summary>Per lane a * b + c, rounded once.</summary>
    static abstract TSelf FusedMultiplyAdd(TSelf a, TSelf b, TSelf c);

    /// <summary>The canonical tree over the 16 lanes: (i, i + 8), (i, i + 4), (i, i + 2), (0, 1).</summary>
    static abstract float Sum(TSelf lanes);
}

/// <summary>A kernel body over whole 16-lane blocks, written once and run with the lanes of the width
/// <see cref="VectorDispatch.RunLanes"/> picks.</summary>
internal interface ILanesKernel
{
    void Run<TLanes>() where TLanes : struct, ILanes16<TLanes>;
}

/// <summary>Canonical sums and dot products over refs, at the widest accelerated width; see the file header.</summary>
internal static class Lanes16
{
    /// <summary>Lanes per sum.</summary>
    public const int Count = 16;

    /// <summary>Σ_j a[j] b[j], j &lt; n, in the canonical order.</summary>
    public static float Dot(ref float a, ref float b, int n)
    {
        var kernel = new DotKernel(ref a, ref b, n);
        VectorDispatch.RunLanes(ref kernel);
        return kernel.Result;
    }

    /// <summary>Σ_j x[j], j &lt; n, in the canonical order.</summary>
    public static float Sum(ref float x, int n)
    {
        var kernel = new SumKernel(ref x, n);
        VectorDispatch.RunLanes(ref kernel);
        return kernel.Result;
    }

    /// <summary><see cref="Dot"/> with the lanes of <typeparamref name="TLanes"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot<TLanes>(ref float a, ref float b, int n) where TLanes : struct, ILanes16<TLanes>
    {
        TLanes acc = TLanes.NegativeZero;
        int j = 0;
        for (; j <= n - Count; j += Count)
        {
            acc = TLanes.FusedMultiplyAdd(TLanes.Load(ref Unsafe.Add(ref a, j)), TLanes.Load(ref Unsafe.Add(ref b, j)), acc);
        }
        if (j < n) acc = MultiplyAddTail(ref Unsafe.Add(ref a, j), ref Unsafe.Add(ref b, j), n - j, acc);
        return TLanes.Sum(acc);
    }

    /// <summary><see cref="Sum"/> with the lanes of <typeparamref name="TLanes"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum<TLanes>(ref float x, int n) where TLanes : struct, ILanes16<TLanes>
    {
        TLanes acc = TLanes.NegativeZero;
        int j = 0;
        for (; j <= n - Count; j += Count) acc = TLanes.Add(acc, TLanes.Load(ref Unsafe.Add(ref x, j)));
        if (j < n) acc = TLanes.Add(acc, TLanes.LoadFirst(ref Unsafe.Add(ref x, j), n - j, -0f));   // -0 pads: x + (-0) = x
        return TLanes.Sum(acc);
    }

    /// <summary>The last, partial block of a dot product: lane L &lt; count gets fma(a[L], b[L], lane), the others
    /// fma(+0, -0, lane) = lane + (-0) = lane, bit for bit (the file header's fact (2)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TLanes MultiplyAddTail<TLanes>(ref float a, ref float b, int count, TLanes acc) where TLanes : struct, ILanes16<TLanes> =>
        TLanes.FusedMultiplyAdd(TLanes.LoadFirst(ref a, count, 0f), TLanes.LoadFirst(ref b, count, -0f), acc);

    /// <summary>The last two levels of the tree over lanes q = (l0, l1, l2, l3), the result of the first two:
    /// (l0 + l2) + (l1 + l3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Finish(Vector128<float> q)
    {
        Vector128<float> p = q + Vector128.Shuffle(q, Vector128.Create(2, 3, 2, 3));   // lanes i and i + 2
        return p.ToScalar() + p.GetElement(1);                                       // lanes 0 and 1
    }

    /// <summary>The canonical tree over 16 lanes in memory: (i, i + 8), (i, i + 4), (i, i + 2), (0, 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tree(Block16 lanes)
    {
        for (int i = 0; i < 8; i++) lanes[i] += lanes[i + 8];
        for (int i = 0; i < 4; i++) lanes[i] += lanes[i + 4];
        for (int i = 0; i < 2; i++) lanes[i] += lanes[i + 2];
        return lanes[0] + lanes[1];
    }

    /// <summary>16 floats, <paramref name="fill"/> after the first <paramref name="count"/> of <paramref name="source"/>:
    /// the portable <see cref="ILanes16{TSelf}.LoadFirst"/>, through memory.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Block16 Pad(ref float source, int count, float fill)
    {
        Block16 block = default;
        Span<float> lanes = block;
        lanes.Fill(fill);
        MemoryMarshal.CreateReadOnlySpan(ref source, count).CopyTo(lanes);
        return block;
    }

    private ref struct DotKernel(ref float a, ref float b, int n) : ILanesKernel
    {
        private readonly ref float a = ref a, b = ref b;
        private readonly int n = n;

        public float Result { get; private set; }

        public void Run<TLanes>() where TLanes : struct, ILanes16<TLanes> => Result = Dot<TLanes>(ref a, ref b, n);
    }

    private ref struct SumKernel(ref float x, int n) : ILanesKernel
    {
        private readonly ref float x = ref x;
        private readonly int n = n;

        public float Result { get; private set; }

        public void Run<TLanes>() where TLanes : struct, ILanes16<TLanes> => Result = Sum<TLanes>(ref x, n);
    }
}

/// <summary>Sixteen floats in memory, for padding a partial block.</summary>
[InlineArray(Lanes16.Count)]
internal struct Block16
{
    private float element;
}

/// <summary>The 16 lanes in one <see cref="Vector512{T}"/>.</summary>
internal readonly struct Lanes512(Vector512<float> lanes) : ILanes16<Lanes512>
{
    private readonly Vector512<float> v = lanes;

    public static Lanes512 NegativeZero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(Vector512.Create(-0f));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Create(float value) => new(Vector512.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Load(ref float source) => new(Vector512.LoadUnsafe(ref source));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Lanes512 value, ref float destination) => value.v.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Add(Lanes512 a, Lanes512 b) => new(a.v + b.v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 FusedMultiplyAdd(Lanes512 a, Lanes512 b, Lanes512 c) => new(Simd512.FusedMultiplyAdd(a.v, b.v, c.v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Lanes512 LoadFirst(ref float source, int count, float fill)
    {
        if (Avx512F.IsSupported)
        {
            // A masked load: the masked-off elements are neither read nor able to fault.
            Vector512<float> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();
            fixed (float* p = &source) return new(Avx512F.MaskLoad(p, mask, Vector512.Create(fill)));
        }
        Block16 block = Lanes16.Pad(ref source, count, fill);
        return Load(ref Unsafe.As<Block16, float>(ref block));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Lanes512 lanes)
    {
        Vector256<float> h = lanes.v.GetLower() + lanes.v.GetUpper();   // lanes i and i + 8
        return Lanes16.Finish(h.GetLower() + h.GetUpper());               // i and i + 4, then the last two levels
    }
}

/// <summary>The 16 lanes in two <see cref="Vector256{T}"/>: lanes 0-7 and 8-15.</summary>
internal readonly struct Lanes256(Vector256<float> low, Vector256<float> high) : ILanes16<Lanes256>
{
    private readonly Vector256<float> lo = low, hi = high;

    public static Lanes256 NegativeZero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(Vector256.Create(-0f), Vector256.Create(-0f));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Create(float value) => new(Vector256.Create(value), Vector256.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Load(ref float source) => new(Vector256.LoadUnsafe(ref source), Vector256.LoadUnsafe(ref source, 8));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Add(Lanes256 a, Lanes256 b) => new(a.lo + b.lo, a.hi + b.hi);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Lanes256 value, ref float destination)
    {
        value.lo.StoreUnsafe(ref destination);
        value.hi.StoreUnsafe(ref destination, 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 FusedMultiplyAdd(Lanes256 a, Lanes256 b, Lanes256 c) =>
        new(Simd256.FusedMultiplyAdd(a.lo, b.lo, c.lo), Simd256.FusedMultiplyAdd(a.hi, b.hi, c.hi));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Lanes256 LoadFirst(ref float source, int count, float fill)
    {
        if (Avx.IsSupported)
        {
            // VMASKMOVPS: masked-off elements are not read (no fault) and come back +0; the blend puts the fill there.
            Vector256<int> indices = Vector256<int>.Indices, limit = Vector256.Create(count);
            Vector256<float> maskLo = Vector256.LessThan(indices, limit).AsSingle();
            Vector256<float> maskHi = Vector256.LessThan(indices + Vector256.Create(8), limit).AsSingle();
            Vector256<float> fills = Vector256.Create(fill);
            fixed (float* p = &source)
            {
                return new(Vector256.ConditionalSelect(maskLo, Avx.MaskLoad(p, maskLo), fills),
                    Vector256.ConditionalSelect(maskHi, Avx.MaskLoad(p + 8, maskHi), fills));
            }
        }
        Block16 block = Lanes16.Pad(ref source, count, fill);
        return Load(ref Unsafe.As<Block16, float>(ref block));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Lanes256 lanes)
    {
        Vector256<float> h = lanes.lo + lanes.hi;                 // lanes i and i + 8
        return Lanes16.Finish(h.GetLower() + h.GetUpper());       // i and i + 4, then the last two levels
    }
}

/// <summary>The 16 lanes in four <see cref="Vector128{T}"/>: lanes 0-3, 4-7, 8-11 and 12-15.</summary>
internal readonly struct Lanes128(Vector128<float> q0, Vector128<float> q1, Vector128<float> q2, Vector128<float> q3) : ILanes16<Lanes128>
{
    private readonly Vector128<float> q0 = q0, q1 = q1, q2 = q2, q3 = q3;

    public static Lanes128 NegativeZero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            Vector128<float> z = Vector128.Create(-0f);
            return new(z, z, z, z);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Create(float value)
    {
        Vector128<float> v = Vector128.Create(value);
        return new(v, v, v, v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Load(ref float source) =>
        new(Vector128.LoadUnsafe(ref source), Vector128.LoadUnsafe(ref source, 4), Vector128.LoadUnsafe(ref source, 8), Vector128.LoadUnsafe(ref source, 12));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Lanes128 value, ref float destination)
    {
        value.q0.StoreUnsafe(ref destination);
        value.q1.StoreUnsafe(ref destination, 4);
        value.q2.StoreUnsafe(ref destination, 8);
        value.q3.StoreUnsafe(ref destination, 12);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Add(Lanes128 a, Lanes128 b) => new(a.q0 + b.q0, a.q1 + b.q1, a.q2 + b.q2, a.q3 + b.q3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 FusedMultiplyAdd(Lanes128 a, Lanes128 b, Lanes128 c) =>
        new(Simd128.FusedMultiplyAdd(a.q0, b.q0, c.q0), Simd128.FusedMultiplyAdd(a.q1, b.q1, c.q1),
            Simd128.FusedMultiplyAdd(a.q2, b.q2, c.q2), Simd128.FusedMultiplyAdd(a.q3, b.q3, c.q3));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 LoadFirst(ref float source, int count, float fill)
    {
        Block16 block = Lanes16.Pad(ref source, count, fill);
        return Load(ref Unsafe.As<Block16, float>(ref block));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Lanes128 lanes) =>
        Lanes16.Finish((lanes.q0 + lanes.q2) + (lanes.q1 + lanes.q3));   // (i, i + 8) in each pair, then (i, i + 4)
}

/// <summary>The 16 lanes as 16 floats: the width without hardware vectors.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct LanesScalar : ILanes16<LanesScalar>
{
    private Block16 l;

    public static LanesScalar NegativeZero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Create(-0f);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesScalar Create(float value)
    {
        LanesScalar r = default;
        ((Span<float>)r.l).Fill(value);
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesScalar Load(ref float source)
    {
        LanesScalar r = default;
        MemoryMarshal.CreateReadOnlySpan(ref source, Lanes16.Count).CopyTo(r.l);
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesScalar LoadFirst(ref float source, int count, float fill) => new() { l = Lanes16.Pad(ref source, count, fill) };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(LanesScalar value, ref float destination) =>
        ((ReadOnlySpan<float>)value.l).CopyTo(MemoryMarshal.CreateSpan(ref destination, Lanes16.Count));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesScalar Add(LanesScalar a, LanesScalar b)
    {
        for (int i = 0; i < Lanes16.Count; i++) a.l[i] += b.l[i];
        return a;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesScalar FusedMultiplyAdd(LanesScalar a, LanesScalar b, LanesScalar c)
    {
        for (int i = 0; i < Lanes16.Count; i++) c.l[i] = SimdScalar.FusedMultiplyAdd(a.l[i], b.l[i], c.l[i]);
        return c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(LanesScalar lanes) => Lanes16.Tree(lanes.l);
}
