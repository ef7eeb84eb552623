using System.Runtime.InteropServices;
using FastBackprop.Kernels.Operators;
using FastBackprop.Tests.Support;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Kernels.Operators;

/// <summary>The canonical summation order (Lanes16) with its 16 lanes in one Vector512, two Vector256, four
/// Vector128 and sixteen floats, called explicitly, in this process (a width the hardware lacks runs emulated,
/// slowly but exactly): each must give the bits of <see cref="Canonical"/>, the definition written out one lane at
/// a time. With these, a kernel that reduces through Lanes16 is width-independent by construction; CI also runs the
/// whole suite once per tier.</summary>
[Properties(Arbitrary = [typeof(Generators)], MaxTest = 200)]
public class Lanes16Properties
{
    public static TheoryData<int> SweepLengths() => new(Generators.SweepLengths);

    [Theory]
    [MemberData(nameof(SweepLengths))]
    public void Lanes16_DotAndSum_AreTheCanonicalOrderAtEveryWidth_EveryLength(int n)
    {
        for (ulong seed = 1; seed <= 3; seed++)
        {
            Check(Canonical.Operand(n, seed, 0, hard: false), Canonical.Operand(n, seed, 1, hard: false), $"n={n} seed={seed}");
            Check(Canonical.Operand(n, seed, 0, hard: true), Canonical.Operand(n, seed, 1, hard: true), $"n={n} seed={seed} hard");
        }
    }

    [Property]
    public void Lanes16_DotAndSum_AreTheCanonicalOrderAtEveryWidth_RandomLengths(VectorCase c)
    {
        bool hard = (c.Seed & 1) == 0;
        Check(Canonical.Operand(c.Length, c.Seed, 0, hard, c.Amplitude), Canonical.Operand(c.Length, c.Seed, 1, hard, c.Amplitude), c.ToString());
    }

    /// <summary>Why the lanes start at -0: a product that underflows to -0 leaves its lane -0, and every width must keep
    /// that sign through the padding of a partial block and the tree (a +0 start or +0 padding would give +0).</summary>
    [Fact]
    public void Lanes16_UnderflowToNegativeZero_KeepsItsSignAtEveryWidth()
    {
        Assert.True(float.IsNegative(MathF.FusedMultiplyAdd(-1e-30f, 1e-30f, 0f)), "an FMA onto +0 that underflows gives -0");
        foreach (int n in new[] { 1, 3, 15, 16, 17, 33 })
        {
            float[] a = new float[n], b = new float[n];
            Array.Fill(a, -1e-30f);
            Array.Fill(b, 1e-30f);
            Assert.True(float.IsNegative(Canonical.Dot(a, b)) && Canonical.Dot(a, b) == 0f, $"n={n}: the canonical dot is -0");
            Check(a, b, $"underflow n={n}");
        }
    }

    [Fact]
    public void Lanes16_InfinityAndNaN_PropagateAtEveryWidth()
    {
        foreach (int n in new[] { 1, 7, 16, 21, 40 })
        {
            foreach (float special in new[] { float.PositiveInfinity, float.NegativeInfinity, float.NaN })
            {
                for (int at = 0; at < n; at += Math.Max(1, n / 3))
                {
                    float[] a = Canonical.Operand(n, (ulong)(n + at), 0, hard: false), b = Canonical.Operand(n, (ulong)(n + at), 1, hard: false);
                    a[at] = special;
                    b[at] = b[at] == 0f ? 1f : b[at];   // inf * 0 would be NaN; keep the infinity an infinity
                    Check(a, b, $"n={n} a[{at}]={special}");
                }
            }
        }
    }

    /// <summary>The partial-block load: lanes below count from memory, the rest exactly the fill, and nothing read at or
    /// past count (the elements there are signalling-NaN canaries: a lane taken from them would not be the fill).</summary>
    [Fact]
    public void Lanes16_LoadFirst_FillsPastCount_AndTakesNothingFromThere()
    {
        for (int count = 1; count <= 16; count++)
        {
            var source = new GuardedBuffer(count, misalignment: count % 16);
            for (int i = 0; i < count; i++) source.Span[i] = i + 1;
            foreach (float fill in new[] { 0f, -0f })
            {
                ref float s = ref MemoryMarshal.GetReference(source.Span);
                CheckLoad(Store(Lanes512.LoadFirst(ref s, count, fill)), count, fill, "Lanes512");
                CheckLoad(Store(Lanes256.LoadFirst(ref s, count, fill)), count, fill, "Lanes256");
                CheckLoad(Store(Lanes128.LoadFirst(ref s, count, fill)), count, fill, "Lanes128");
                CheckLoad(Store(LanesScalar.LoadFirst(ref s, count, fill)), count, fill, "LanesScalar");
            }
            source.AssertGuardsIntact("source");
        }
    }

    private static float[] Store<TLanes>(TLanes lanes) where TLanes : struct, ILanes16<TLanes>
    {
        var values = new float[16];
        TLanes.Store(lanes, ref values[0]);
        return values;
    }

    private static void CheckLoad(float[] lanes, int count, float fill, string width)
    {
        var expected = new float[16];
        for (int i = 0; i < 16; i++) expected[i] = i < count ? i + 1 : fill;
        Canonical.AssertSameBits(expected, lanes, $"{width}.LoadFirst(count {count}, fill {fill})");
    }

    // Dot and Sum with each width's lanes, and the dispatching entry points, against the written-out definition. The
    // operands sit in guarded buffers, so a read past their end would bring a NaN canary into the sum.
    private static void Check(float[] a, float[] b, string what)
    {
        float dot = Canonical.Dot(a, b), sum = Canonical.Sum(a);
        GuardedBuffer ga = GuardedBuffer.From(a, misalignment: a.Length % 13), gb = GuardedBuffer.From(b, misalignment: b.Length % 7);
        ref float x = ref MemoryMarshal.GetReference(ga.Span);
        ref float y = ref MemoryMarshal.GetReference(gb.Span);
        int n = a.Length;
        AssertSame(dot, Lanes16.Dot<Lanes512>(ref x, ref y, n), what, "Dot Lanes512");
        AssertSame(dot, Lanes16.Dot<Lanes256>(ref x, ref y, n), what, "Dot Lanes256");
        AssertSame(dot, Lanes16.Dot<Lanes128>(ref x, ref y, n), what, "Dot Lanes128");
        AssertSame(dot, Lanes16.Dot<LanesScalar>(ref x, ref y, n), what, "Dot LanesScalar");
        AssertSame(dot, Lanes16.Dot(ref x, ref y, n), what, "Dot (dispatched)");
        AssertSame(sum, Lanes16.Sum<Lanes512>(ref x, n), what, "Sum Lanes512");
        AssertSame(sum, Lanes16.Sum<Lanes256>(ref x, n), what, "Sum Lanes256");
        AssertSame(sum, Lanes16.Sum<Lanes128>(ref x, n), what, "Sum Lanes128");
        AssertSame(sum, Lanes16.Sum<LanesScalar>(ref x, n), what, "Sum LanesScalar");
        AssertSame(sum, Lanes16.Sum(ref x, n), what, "Sum (dispatched)");
        ga.AssertUnchanged(a, "a");
        gb.AssertUnchanged(b, "b");
    }

    private static void AssertSame(float expected, float actual, string what, string kernel)
    {
        if (!Canonical.SameBits(expected, actual))
        {
            Assert.Fail($"{kernel}, {what}: expected {expected:R} (0x{BitConverter.SingleToInt32Bits(expected):X8}), got {actual:R} (0x{BitConverter.SingleToInt32Bits(actual):X8}).");
        }
    }
}
