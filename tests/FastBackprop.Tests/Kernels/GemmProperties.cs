using System.Runtime.Intrinsics;
using FastBackprop.Kernels;
using FastBackprop.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Kernels;

// ---------------------------------------------------------------------------------------------
// Gemm against a naive triple loop in double.
//
// Tolerance. Every element of C is a dot product of length K, computed in float as K fused
// multiply-adds in increasing p (at every tier), split into ceil(K / KC) blocks that are
// each scaled by alpha and added to C. Higham (Accuracy and Stability, 2nd ed., eq. 3.5) bounds
// an n-term float dot product by |fl(x.y) - x.y| <= gamma_n Σ|x_i y_i|, gamma_n = n u / (1 - n u),
// u = 2^-24, with or without FMA. The alpha multiplies, the beta term, the block additions and the
// final rounding add at most 2 roundings per block plus 4, so with n = K they stay under a
// factor 2 on K + 4:
//
//   |C - C_ref| <= 2 (K + 4) u (|alpha| Σ_p |opA[i,p] opB[p,j]| + |beta| |C0[i,j]|)
//
// This is a proven worst-case bound (the double reference's own error is ~1e-16 relative), so it
// cannot flake, and it is K-dependent: scaling by Σ|a b| rather than by |C| keeps it meaningful
// when the sum cancels. A layout or edge-tile bug changes whole terms, orders of magnitude above
// it.
// ---------------------------------------------------------------------------------------------

public partial class GemmProperties
{
    private const double U = 1.0 / (1 << 24);

    /// <summary>One generated problem: shapes, scalars, leading-dimension padding and the data seed.</summary>
    public sealed record GemmCase(int M, int N, int K, float Alpha, float Beta, int PadA, int PadB, int PadC, int Seed)
    {
        public override string ToString() =>
            $"m={M} n={N} k={K} alpha={Alpha} beta={Beta} pads=({PadA},{PadB},{PadC}) seed={Seed}";
    }

    public static class Arbitraries
    {
        private static readonly float[] Alphas = [0f, 1f, -1f, 0.5f, 1.75f, -2.25f];
        private static readonly float[] Betas = [0f, 1f, -0.5f, 2f];

        public static Arbitrary<GemmCase> Cases()
        {
            // M and N in 1..150 cover every edge of every tile (MR 12/8/6/4, NR 32/16/8/4) several
            // times over, and M picks both Vector512 tiles; one K in ten crosses the KC = 256 block
            // boundary, and K in 1..150 covers every depth tail of the 16/8/4-deep packing transposes.
            Gen<int> dim = Gen.Choose(1, 150);
            Gen<int> depth = Gen.Choose(0, 9).SelectMany(w => w == 0 ? Gen.Choose(250, 600) : Gen.Choose(1, 150));
            Gen<int> pad = Gen.Choose(0, 5);
            Gen<GemmCase> gen =
                from m in dim
                from n in dim
                from k in depth
                from alpha in Gen.Elements(Alphas)
                from beta in Gen.Elements(Betas)
                from padA in pad
                from padB in pad
                from padC in pad
                from seed in Gen.Choose(0, int.MaxValue)
                select new GemmCase(m, n, k, alpha, beta, padA, padB, padC, seed);
            return gen.ToArbitrary();
        }
    }

    // ----- random shapes -------------------------------------------------------------------------

    [Property(MaxTest = 60, Arbitrary = [typeof(Arbitraries)])]
    public void Gemm_MatchesReference_NN(GemmCase c) => CheckAgainstReference(GemmForm.NN, c);

    [Property(MaxTest = 60, Arbitrary = [typeof(Arbitraries)])]
    public void Gemm_MatchesReference_NT(GemmCase c) => CheckAgainstReference(GemmForm.NT, c);

    [Property(MaxTest = 60, Arbitrary = [typeof(Arbitraries)])]
    public void Gemm_MatchesReference_TN(GemmCase c) => CheckAgainstReference(GemmForm.TN, c);

    // ----- deterministic sweeps ------------------------------------------------------------------

    public static TheoryData<GemmForm, int> SweepDepths()
    {
        var data = new TheoryData<GemmForm, int>();
        foreach (GemmForm form in Enum.GetValues<GemmForm>())
        {
            foreach (int k in new[] { 1, 2, 5 }) data.Add(form, k);
        }
        return data;
    }

    /// <summary>Every m in 1..26 and n in 1..34 (plus 63..65): each row and column remainder of every
    /// tile, one and two panels, for each form.</summary>
    [Theory]
    [MemberData(nameof(SweepDepths))]
    public void Gemm_MatchesReference_SmallShapeSweep(GemmForm form, int k)
    {
        int[] ns = [.. Enumerable.Range(1, 34), 63, 64, 65];
        for (int m = 1; m <= 26; m++)
        {
            foreach (int n in ns)
            {
                CheckAgainstReference(form, new GemmCase(m, n, k, 1.5f, -0.75f, 3, 1, 2, m * 1000 + n * 10 + k));
            }
        }
    }

    /// <summary>K around and across the KC = 256 block, where beta must apply to the first block only.</summary>
    [Theory]
    [InlineData(GemmForm.NN)]
    [InlineData(GemmForm.NT)]
    [InlineData(GemmForm.TN)]
    public void Gemm_MatchesReference_DepthBlockBoundaries(GemmForm form)
    {
        foreach (int k in new[] { 255, 256, 257, 512, 513, 700 })
        {
            foreach ((int m, int n) in new[] { (1, 1), (13, 33), (12, 32) })
            {
                CheckAgainstReference(form, new GemmCase(m, n, k, -1.25f, 0.5f, 1, 2, 3, k + m + n));
                CheckAgainstReference(form, new GemmCase(m, n, k, 1f, 0f, 0, 0, 0, k * 7 + m));
            }
        }
    }

    /// <summary>M beyond MC = 1536 and N beyond NC = 512: more than one A block and one B block.</summary>
    [Theory]
    [InlineData(GemmForm.NN, 1600, 40, 30)]
    [InlineData(GemmForm.TN, 1545, 9, 17)]
    [InlineData(GemmForm.NT, 20, 1100, 33)]
    [InlineData(GemmForm.NN, 7, 530, 300)]
    public void Gemm_MatchesReference_CacheBlockBoundaries(GemmForm form, int m, int n, int k) =>
        CheckAgainstReference(form, new GemmCase(m, n, k, 0.5f, 1f, 2, 3, 1, m + n + k));

    // ----- large shapes by projection -----------------------------------------------------------

    /// <summary>C t against alpha A (B t) + beta C0 t in double for a random t: O(n^2) instead of
    /// O(n^3), and a layout error anywhere changes the projection. Where the CPU has no FMA (the Vector128 tier
    /// of CI, the scalar tier) every multiply-add is emulated in software, tens of times slower, so there m and k
    /// are halved: k still spans two or more KC blocks, n (and with it the NC blocks) is kept.</summary>
    [Theory]
    [InlineData(GemmForm.NT, 768, 1024, 640)]
    [InlineData(GemmForm.NN, 1030, 520, 700)]
    [InlineData(GemmForm.TN, 512, 600, 1024)]
    public void Gemm_MatchesProjection_LargeShapes(GemmForm form, int m, int n, int k)
    {
        if (!HardwareFma)
        {
            m /= 2;
            k /= 2;
        }
        var rng = new Random(m * 31 + n * 7 + k);
        const float alpha = 0.75f, beta = -0.5f;
        Problem p = Problem.Create(form, new GemmCase(m, n, k, alpha, beta, 5, 3, 7, m + n + k));
        float[] c = (float[])p.C.Clone();
        Gemm.Multiply(form, m, n, k, alpha, p.A, p.Lda, p.B, p.Ldb, beta, c, p.Ldc);

        double[] t = new double[n];
        for (int j = 0; j < n; j++) t[j] = rng.NextDouble() * 2 - 1;
        // bt = op(B) t and |op(B)| |t|, both k long.
        double[] bt = new double[k], btAbs = new double[k];
        for (int q = 0; q < k; q++)
        {
            for (int j = 0; j < n; j++)
            {
                double v = p.OpB(q, j);
                bt[q] += v * t[j];
                btAbs[q] += Math.Abs(v) * Math.Abs(t[j]);
            }
        }
        for (int i = 0; i < m; i++)
        {
            double expected = 0, bound = 0, actual = 0, c0t = 0, c0tAbs = 0;
            for (int q = 0; q < k; q++)
            {
                double v = p.OpA(i, q);
                expected += v * bt[q];
                bound += Math.Abs(v) * btAbs[q];  // Σ_j |t_j| Σ_q |a_iq b_qj|
            }
            for (int j = 0; j < n; j++)
            {
                actual += c[i * p.Ldc + j] * t[j];
                c0t += p.C[i * p.Ldc + j] * t[j];
                c0tAbs += Math.Abs(p.C[i * p.Ldc + j] * t[j]);
            }
            expected = alpha * expected + beta * c0t;
            // Σ_j |t_j| tol_ij, with tol_ij the per-element bound above; plus the double sum over j.
            double tolerance = 2 * (k + 4) * U * (Math.Abs(alpha) * bound + Math.Abs(beta) * c0tAbs) + 1e-12 * n;
            Assert.True(Math.Abs(actual - expected) <= tolerance,
                $"{form} {m}x{n}x{k}: row {i}: (C t) = {actual}, expected {expected}, tolerance {tolerance}");
        }
    }

    // ----- microkernels alone (BLIS test_gemm_ukr) ------------------------------------------------

    /// <summary>One generated microkernel run: depth, scalars, C row padding and the data seed.</summary>
    public sealed record KernelCase(int Kc, float Alpha, float Beta, int Pad, int Seed);

    public static class KernelArbitraries
    {
        public static Arbitrary<KernelCase> KernelCases() =>
            (from kc in Gen.Choose(1, 300)
             from alpha in Gen.Elements(1f, -0.5f, 2f)
             from beta in Gen.Elements(0f, 1f, -1.5f)
             from pad in Gen.Choose(0, 9)
             from seed in Gen.Choose(0, int.MaxValue)
             select new KernelCase(kc, alpha, beta, pad, seed)).ToArbitrary();
    }

    /// <summary>Each microkernel this CPU can run, on packed panels, against a naive tile.</summary>
    [Property(MaxTest = 50, Arbitrary = [typeof(KernelArbitraries)])]
    public void Microkernel_MatchesNaiveTile(KernelCase x)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            CheckMicrokernel<Gemm.Microkernel12x32>(x.Kc, x.Alpha, x.Beta, x.Pad, x.Seed);
            CheckMicrokernel<Gemm.Microkernel8x32>(x.Kc, x.Alpha, x.Beta, x.Pad, x.Seed);
            CheckMicrokernel<Gemm.Microkernel4x32>(x.Kc, x.Alpha, x.Beta, x.Pad, x.Seed);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            CheckMicrokernel<Gemm.Microkernel6x16>(x.Kc, x.Alpha, x.Beta, x.Pad, x.Seed);
            CheckMicrokernel<Gemm.Microkernel4x16>(x.Kc, x.Alpha, x.Beta, x.Pad, x.Seed);
        }
        if (Vector128.IsHardwareAccelerated)
        {
            CheckMicrokernel<Gemm.Microkernel6x8>(x.Kc, x.Alpha, x.Beta, x.Pad, x.Seed);
            CheckMicrokernel<Gemm.Microkernel4x8>(x.Kc, x.Alpha, x.Beta, x.Pad, x.Seed);
        }
        CheckMicrokernel<Gemm.Microkernel4x4>(x.Kc, x.Alpha, x.Beta, x.Pad, x.Seed);
    }

    private static void CheckMicrokernel<TKernel>(int kc, float alpha, float beta, int pad, int seed)
        where TKernel : Gemm.IMicrokernel
    {
        int mr = TKernel.MR, nr = TKernel.NR, ldc = nr + pad;
        var rng = new Random(seed);
        float[] a = Fill(rng, kc * mr), b = Fill(rng, kc * nr);
        float[] c0 = Fill(rng, mr * ldc + 3);  // 3 canaries past the tile
        if (beta == 0f) Array.Fill(c0, float.NaN, 0, mr * ldc);  // must not be read
        float[] c = (float[])c0.Clone();
        var hinted = new Gemm.LineStream(ref b[0], nr, kc, nr);  // hints only: the tile must not change
        TKernel.Run(kc, ref a[0], ref b[0], ref c[0], ldc, alpha, beta, ref hinted);
        for (int i = 0; i < mr; i++)
        {
            for (int j = 0; j < ldc; j++)
            {
                int at = i * ldc + j;
                if (j >= nr)
                {
                    Assert.Equal(c0[at], c[at]);  // the gap between rows is untouched
                    continue;
                }
                double sum = 0, abs = 0;
                for (int q = 0; q < kc; q++)
                {
                    double prod = (double)a[q * mr + i] * b[q * nr + j];
                    sum += prod;
                    abs += Math.Abs(prod);
                }
                double old = beta == 0f ? 0 : c0[at];
                double expected = alpha * sum + beta * old;
                double tolerance = 2 * (kc + 4) * U * (Math.Abs(alpha) * abs + Math.Abs(beta * old));
                Assert.True(Math.Abs(c[at] - expected) <= tolerance,
                    $"{typeof(TKernel).Name} kc={kc}: C[{i},{j}] = {c[at]}, expected {expected}, tolerance {tolerance}");
            }
        }
        for (int t = mr * ldc; t < c.Length; t++) Assert.Equal(c0[t], c[t]);
    }

    // ----- the same bits for every microkernel and tier ------------------------------------------

    public static class WidthArbitraries
    {
        // Small enough for the emulated kernels (a 12 x 32 tile without AVX-512 runs in software, and without FMA
        // hardware every multiply-add is emulated too); m up to 30 and n up to 50 still give every row and column
        // remainder of every tile (MR 12/8/6/4, NR 32/16/8/4) and a second column panel; one depth in four crosses
        // the KC block boundary, one in twelve crosses it twice.
        public static Arbitrary<GemmCase> Cases() =>
            (from m in Gen.Choose(1, 30)
             from n in Gen.Choose(1, 50)
             from k in Gen.Choose(0, 11).SelectMany(w => w == 0 ? Gen.Choose((2 * Gemm.KC) - 4, (2 * Gemm.KC) + 20)
                 : w <= 3 ? Gen.Choose(Gemm.KC - 4, Gemm.KC + 20) : Gen.Choose(1, 40))
             from alpha in Gen.Elements(1f, -1.5f, 0.75f)
             from beta in Gen.Elements(0f, 1f, -0.5f, 2f)
             from padA in Gen.Choose(0, 3)
             from padB in Gen.Choose(0, 3)
             from padC in Gen.Choose(0, 3)
             from seed in Gen.Choose(0, int.MaxValue)
             select new GemmCase(m, n, k, alpha, beta, padA, padB, padC, seed)).ToArbitrary();
    }

    /// <summary>Every microkernel (12x32, 8x32, 4x32, 6x16, 4x16, 6x8, 4x8 and 4x4, each called whatever the tier: a width the hardware
    /// lacks runs emulated) and the dispatching Gemm.Multiply give the bits of the documented arithmetic, for all three
    /// forms: per element, the sum over p split at multiples of KC, each block's product from +0 by fused multiply-adds
    /// in increasing p, merged as C = fma(beta', C, alpha AB) (beta' = beta on the first block, 1 after; alpha AB when
    /// beta' is 0). So no tile shape, edge tile or tier shows in the bits.</summary>
    [Property(MaxTest = 30, Arbitrary = [typeof(WidthArbitraries)])]
    public void Gemm_SameBitsForEveryMicrokernelAndTier(GemmCase s)
    {
        foreach (GemmForm form in Enum.GetValues<GemmForm>())
        {
            Problem p = Problem.Create(form, s);
            float[] expected = DocumentedProduct(p, s);
            CheckKernel<Gemm.Microkernel12x32>(p, s, expected);
            CheckKernel<Gemm.Microkernel8x32>(p, s, expected);
            CheckKernel<Gemm.Microkernel4x32>(p, s, expected);
            CheckKernel<Gemm.Microkernel6x16>(p, s, expected);
            CheckKernel<Gemm.Microkernel4x16>(p, s, expected);
            CheckKernel<Gemm.Microkernel6x8>(p, s, expected);
            CheckKernel<Gemm.Microkernel4x8>(p, s, expected);
            CheckKernel<Gemm.Microkernel4x4>(p, s, expected);
            float[] c = (float[])p.C.Clone();
            Gemm.Multiply(form, s.M, s.N, s.K, s.Alpha, p.A, p.Lda, p.B, p.Ldb, s.Beta, c, p.Ldc);
            Canonical.AssertSameBits(expected, c, $"Gemm.Multiply {form} {s}: C");
        }
    }

    private static void CheckKernel<TKernel>(Problem p, GemmCase s, float[] expected) where TKernel : Gemm.IMicrokernel
    {
        float[] c = (float[])p.C.Clone();
        Gemm.MultiplyWith<TKernel>(p.Form, s.M, s.N, s.K, s.Alpha, p.A, p.Lda, p.B, p.Ldb, s.Beta, c, p.Ldc);
        Canonical.AssertSameBits(expected, c, $"{typeof(TKernel).Name} {p.Form} {s}: C");
    }

    // The arithmetic documented in Gemm.Microkernel.cs, one element at a time.
    private static float[] DocumentedProduct(Problem p, GemmCase s)
    {
        float[] c = (float[])p.C.Clone();
        for (int i = 0; i < s.M; i++)
        {
            for (int j = 0; j < s.N; j++)
            {
                float cij = c[i * p.Ldc + j];
                for (int pc = 0; pc < s.K; pc += Gemm.KC)
                {
                    float ab = 0f;
                    for (int q = pc; q < Math.Min(pc + Gemm.KC, s.K); q++) ab = MathF.FusedMultiplyAdd((float)p.OpA(i, q), (float)p.OpB(q, j), ab);
                    float r = s.Alpha * ab, beta = pc == 0 ? s.Beta : 1f;
                    cij = beta == 0f ? r : MathF.FusedMultiplyAdd(beta, cij, r);
                }
                c[i * p.Ldc + j] = cij;
            }
        }
        return c;
    }

    // ----- degenerate sizes and scalars ----------------------------------------------------------

    [Theory]
    [InlineData(GemmForm.NN)]
    [InlineData(GemmForm.NT)]
    [InlineData(GemmForm.TN)]
    public void Gemm_ZeroDepth_ScalesCByBeta(GemmForm form)
    {
        float[] c = [1, 2, 3, 4, 5, 6];
        Gemm.Multiply(form, 2, 3, 0, 1f, [], 3, [], 3, 2f, c, 3);
        Assert.Equal([2f, 4, 6, 8, 10, 12], c);
        float[] nan = [float.NaN, float.NaN, float.NaN];
        Gemm.Multiply(form, 1, 3, 0, 1f, [], 3, [], 3, 0f, nan, 3);
        Assert.Equal([0f, 0, 0], nan);
    }

    [Fact]
    public void Gemm_ZeroRowsOrColumns_TouchesNothing()
    {
        float[] c = [float.NaN, 7f];
        Gemm.Multiply(GemmForm.NN, 0, 2, 3, 1f, [], 3, new float[6], 2, 0f, c, 2);
        Gemm.Multiply(GemmForm.NN, 2, 0, 3, 1f, new float[6], 3, [], 0, 0f, [], 0);
        Assert.True(float.IsNaN(c[0]));
        Assert.Equal(7f, c[1]);
    }

    [Fact]
    public void Gemm_AlphaZero_DoesNotReadAOrB()
    {
        float[] a = [float.NaN, float.NaN], b = [float.NaN, float.NaN], c = [3f, 4f];
        Gemm.Multiply(GemmForm.NN, 1, 2, 1, 0f, a, 1, b, 2, 0.5f, c, 2);
        Assert.Equal([1.5f, 2f], c);
    }

    [Theory]
    [InlineData(GemmForm.NN)]
    [InlineData(GemmForm.NT)]
    [InlineData(GemmForm.TN)]
    public void Gemm_BetaZero_DoesNotPropagateNaNFromC(GemmForm form)
    {
        // 13 x 33 covers full and edge tiles on every tier.
        Problem p = Problem.Create(form, new GemmCase(13, 33, 9, 1f, 0f, 0, 0, 0, 5));
        float[] c = new float[p.C.Length];
        Array.Fill(c, float.NaN);
        Gemm.Multiply(form, 13, 33, 9, 1f, p.A, p.Lda, p.B, p.Ldb, 0f, c, p.Ldc);
        Assert.All(c, v => Assert.False(float.IsNaN(v)));
    }

    [Fact]
    public void Gemm_NaNInA_PropagatesToItsRow()
    {
        float[] a = [1, 2, float.NaN, 4], b = [1, 0, 0, 1], c = new float[4];
        Gemm.Multiply(GemmForm.NN, 2, 2, 2, 1f, a, 2, b, 2, 0f, c, 2);
        Assert.Equal(1f, c[0]);
        Assert.Equal(2f, c[1]);
        Assert.True(float.IsNaN(c[2]) && float.IsNaN(c[3]));
    }

    [Fact]
    public void Gemm_RepeatedCalls_GiveIdenticalResults()
    {
        Problem p = Problem.Create(GemmForm.NT, new GemmCase(70, 90, 300, 1f, 0f, 0, 0, 0, 11));
        float[] first = new float[p.C.Length], second = new float[p.C.Length];
        Gemm.Multiply(GemmForm.NT, 70, 90, 300, 1f, p.A, p.Lda, p.B, p.Ldb, 0f, first, p.Ldc);
        Gemm.Multiply(GemmForm.NT, 70, 90, 300, 1f, p.A, p.Lda, p.B, p.Ldb, 0f, second, p.Ldc);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Gemm_SteadyState_DoesNotAllocate()
    {
        Problem p = Problem.Create(GemmForm.NT, new GemmCase(100, 90, 300, 1f, 0f, 0, 0, 0, 13));
        float[] c = new float[p.C.Length];
        // The first call on this thread grows the packing buffers; later calls of the same or a
        // smaller shape reuse them.
        Gemm.Multiply(GemmForm.NT, 100, 90, 300, 1f, p.A, p.Lda, p.B, p.Ldb, 0f, c, p.Ldc);
        Assert.Equal(0, SteadyStateAllocation.Measure(() =>
        {
            Gemm.Multiply(GemmForm.NT, 100, 90, 300, 1f, p.A, p.Lda, p.B, p.Ldb, 0f, c, p.Ldc);
            Gemm.Multiply(GemmForm.NT, 50, 40, 200, 1f, p.A, p.Lda, p.B, p.Ldb, 1f, c, p.Ldc);
        }));
    }

    // ----- argument errors -----------------------------------------------------------------------

    [Theory]
    // form, m, n, k, a length, lda, b length, ldb, c length, ldc, parameter named
    [InlineData(GemmForm.NN, 3, 4, 5, 14, 5, 20, 4, 12, 4, "a")]  // needs (3-1)*5+5 = 15
    [InlineData(GemmForm.TN, 3, 4, 5, 14, 3, 20, 4, 12, 4, "a")]  // k x m: needs (5-1)*3+3 = 15
    [InlineData(GemmForm.NN, 3, 4, 5, 15, 5, 19, 4, 12, 4, "b")]
    [InlineData(GemmForm.NT, 3, 4, 5, 15, 5, 19, 5, 12, 4, "b")]  // n x k: needs (4-1)*5+5 = 20
    [InlineData(GemmForm.NN, 3, 4, 5, 15, 5, 20, 4, 11, 4, "c")]
    [InlineData(GemmForm.NN, 3, 4, 5, 15, 6, 20, 4, 12, 4, "a")]  // lda 6: needs (3-1)*6+5 = 17
    [InlineData(GemmForm.NN, 3, 4, 5, 15, 5, 20, 4, 12, 5, "c")]  // ldc 5: needs (3-1)*5+4 = 14
    public void Gemm_Throws_ForTooShortSpan(GemmForm form, int m, int n, int k,
        int aLength, int lda, int bLength, int ldb, int cLength, int ldc, string parameter)
    {
        var e = Assert.Throws<ArgumentException>(() => Gemm.Multiply(form, m, n, k, 1f,
            new float[aLength], lda, new float[bLength], ldb, 0f, new float[cLength], ldc));
        Assert.Equal(parameter, e.ParamName);
        Assert.Contains("expected at least", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(GemmForm.NN, 4, 4, 4, 4, "lda")]  // lda < k
    [InlineData(GemmForm.TN, 2, 5, 4, 4, "lda")]  // A is k x m: lda < m
    [InlineData(GemmForm.NN, 5, 3, 4, 4, "ldb")]  // ldb < n
    [InlineData(GemmForm.NT, 5, 4, 4, 4, "ldb")]  // B is n x k: ldb < k
    [InlineData(GemmForm.NN, 5, 4, 4, 3, "ldc")]  // ldc < n
    public void Gemm_Throws_ForLeadingDimensionBelowWidth(GemmForm form, int lda, int ldb, int n, int ldc, string parameter)
    {
        const int m = 4, k = 5;
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(form, m, n, k, 1f,
            new float[100], lda, new float[100], ldb, 0f, new float[100], ldc));
        Assert.Equal(parameter, e.ParamName);
    }

    [Theory]
    [InlineData(-1, 2, 2, "m")]
    [InlineData(2, -1, 2, "n")]
    [InlineData(2, 2, -1, "k")]
    public void Gemm_Throws_ForNegativeSize(int m, int n, int k, string parameter)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(GemmForm.NN, m, n, k, 1f,
            new float[16], 4, new float[16], 4, 0f, new float[16], 4));
        Assert.Equal(parameter, e.ParamName);
    }

    [Fact]
    public void Gemm_Throws_ForUndefinedForm()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply((GemmForm)7, 1, 1, 1, 1f,
            new float[1], 1, new float[1], 1, 0f, new float[1], 1));
        Assert.Equal("form", e.ParamName);
    }

    [Fact]
    public void Gemm_Throws_ForCOverlappingAOrB()
    {
        float[] buffer = new float[32];
        var ea = Assert.Throws<ArgumentException>(() => Gemm.Multiply(GemmForm.NN, 2, 2, 2, 1f,
            buffer.AsSpan(0, 4), 2, new float[4], 2, 0f, buffer.AsSpan(2, 4), 2));
        Assert.Equal("c", ea.ParamName);
        Assert.Contains("overlaps a", ea.Message, StringComparison.Ordinal);
        var eb = Assert.Throws<ArgumentException>(() => Gemm.Multiply(GemmForm.NN, 2, 2, 2, 1f,
            new float[4], 2, buffer.AsSpan(8, 4), 2, 0f, buffer.AsSpan(10, 4), 2));
        Assert.Contains("overlaps b", eb.Message, StringComparison.Ordinal);
    }

    /// <summary>Whether multiply-adds run in hardware here; without, they are emulated (exact, but slow).</summary>
    private static bool HardwareFma => System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported;

    // ----- the oracle ----------------------------------------------------------------------------

    /// <summary>Operands of one problem as stored: padding of every leading dimension and the tail
    /// past the last element hold NaN, so a kernel that reads outside its matrix corrupts C.</summary>
    private sealed class Problem
    {
        public required GemmForm Form { get; init; }
        public required float[] A { get; init; }
        public required float[] B { get; init; }
        public required float[] C { get; init; }
        public required int Lda { get; init; }
        public required int Ldb { get; init; }
        public required int Ldc { get; init; }
        public required int N { get; init; }

        public double OpA(int i, int q) => Form == GemmForm.TN ? A[q * Lda + i] : A[i * Lda + q];

        public double OpB(int q, int j) => Form == GemmForm.NT ? B[j * Ldb + q] : B[q * Ldb + j];

        public static Problem Create(GemmForm form, GemmCase s)
        {
            var rng = new Random(s.Seed);
            bool transA = form == GemmForm.TN, transB = form == GemmForm.NT;
            int aRows = transA ? s.K : s.M, aCols = transA ? s.M : s.K;
            int bRows = transB ? s.N : s.K, bCols = transB ? s.K : s.N;
            int lda = aCols + s.PadA, ldb = bCols + s.PadB, ldc = s.N + s.PadC;
            return new Problem
            {
                Form = form,
                A = Matrix(rng, aRows, aCols, lda, float.NaN),
                B = Matrix(rng, bRows, bCols, ldb, float.NaN),
                C = Matrix(rng, s.M, s.N, ldc, 1e30f),  // C's gaps: a value the kernel must leave alone
                Lda = lda,
                Ldb = ldb,
                Ldc = ldc,
                N = s.N,
            };
        }

        // Exactly the length Gemm requires; the array behind the span the test passes has no tail,
        // so the NaN padding between rows is what catches stray reads.
        private static float[] Matrix(Random rng, int rows, int cols, int ld, float padding)
        {
            float[] m = new float[(rows - 1) * ld + cols];
            Array.Fill(m, padding);
            for (int i = 0; i < rows; i++)
            {
                for (int j = 0; j < cols; j++) m[i * ld + j] = (float)(rng.NextDouble() * 2 - 1);
            }
            return m;
        }
    }

    private static float[] Fill(Random rng, int length)
    {
        float[] values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(rng.NextDouble() * 2 - 1);
        return values;
    }

    private static void CheckAgainstReference(GemmForm form, GemmCase s)
    {
        Problem p = Problem.Create(form, s);
        float[] c0 = p.C;
        if (s.Beta == 0f)
        {
            // beta == 0: C must not be read, so NaN in it must not show up in the result.
            c0 = (float[])p.C.Clone();
            for (int i = 0; i < s.M; i++) Array.Fill(c0, float.NaN, i * p.Ldc, s.N);
        }
        float[] c = (float[])c0.Clone();
        Gemm.Multiply(form, s.M, s.N, s.K, s.Alpha, p.A, p.Lda, p.B, p.Ldb, s.Beta, c, p.Ldc);

        for (int i = 0; i < s.M; i++)
        {
            for (int j = 0; j < p.Ldc && i * p.Ldc + j < c.Length; j++)
            {
                int at = i * p.Ldc + j;
                if (j >= s.N)
                {
                    Assert.True(c0[at] == c[at], $"{form} {s}: C gap [{i},{j}] changed to {c[at]}");
                    continue;
                }
                double sum = 0, abs = 0;
                for (int q = 0; q < s.K; q++)
                {
                    double prod = p.OpA(i, q) * p.OpB(q, j);
                    sum += prod;
                    abs += Math.Abs(prod);
                }
                double old = s.Beta == 0f ? 0 : c0[at];
                double expected = s.Alpha * sum + s.Beta * old;
                double tolerance = 2 * (s.K + 4) * U * (Math.Abs(s.Alpha) * abs + Math.Abs(s.Beta * old));
                if (!(Math.Abs(c[at] - expected) <= tolerance))
                {
                    Assert.Fail($"{form} {s}: C[{i},{j}] = {c[at]}, expected {expected}, tolerance {tolerance}");
                }
            }
        }
    }
}
