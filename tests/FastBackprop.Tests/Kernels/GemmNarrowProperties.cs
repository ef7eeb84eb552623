using System.Runtime.Intrinsics;
using FastBackprop.Kernels;
using FastBackprop.Kernels.Operators;
using FastBackprop.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Kernels;

// ---------------------------------------------------------------------------------------------
// Gemm's narrow path (Gemm.Narrow.cs) against the documented arithmetic, bit for bit: the same
// oracle as the blocked kernels (DocumentedProduct), so the path that a shape takes never shows
// in the bits. Every lane width runs whatever the tier (a width the hardware lacks runs emulated),
// and so does the dispatching Gemm.Multiply, for shapes that take the narrow path and shapes that
// do not.
// ---------------------------------------------------------------------------------------------

public partial class GemmProperties
{
    /// <summary>One narrow problem: the form and the shape (the narrow side first drawn in 1..16). NN (never narrow)
    /// is drawn too: the narrow routine computes any form, and the dispatch must leave it to the blocked path.</summary>
    public sealed record NarrowCase(GemmForm Form, GemmCase Shape)
    {
        public override string ToString() => $"{Form} {Shape}";
    }

    public static class NarrowArbitraries
    {
        // The narrow side (n for NT, m for TN, k for NN) in 1..16 and, one case in eight, just past it (17..20: the
        // blocked path, for the dispatch); the other sides 1..90, odd and even, past every 16-lane tile and 16-row
        // tile; depths of the wide forms cross KC = 256 one case in three (255, 256, 257, 600 among them).
        public static Arbitrary<NarrowCase> Cases() =>
            (from form in Gen.Elements(GemmForm.NN, GemmForm.NT, GemmForm.TN)
             from narrow in Gen.Choose(0, 7).SelectMany(w => w == 0 ? Gen.Choose(17, 20) : Gen.Choose(1, 16))
             from wide1 in Gen.Choose(1, 90)
             from wide2 in Gen.Choose(1, 90)
             from depth in Gen.Choose(0, 5).SelectMany(w => w switch
             {
                 0 => Gen.Elements(255, 256, 257, 600),
                 1 => Gen.Choose(Gemm.KC - 3, Gemm.KC + 40),
                 _ => Gen.Choose(1, 140),
             })
             from alpha in Gen.Elements(1f, -1.5f, 0.75f)
             from beta in Gen.Elements(0f, 1f, -0.5f, 2f)
             from padA in Gen.Choose(0, 5)
             from padB in Gen.Choose(0, 5)
             from padC in Gen.Choose(0, 5)
             from seed in Gen.Choose(0, int.MaxValue)
             select new NarrowCase(form, form switch
             {
                 GemmForm.NT => new GemmCase(wide1, narrow, depth, alpha, beta, padA, padB, padC, seed),
                 GemmForm.TN => new GemmCase(narrow, wide1, depth, alpha, beta, padA, padB, padC, seed),
                 _ => new GemmCase(wide1, wide2, narrow, alpha, beta, padA, padB, padC, seed),
             })).ToArbitrary();
    }

    /// <summary>Every lane width of the narrow path and Gemm.Multiply give the documented arithmetic's bits.</summary>
    [Property(MaxTest = 80, Arbitrary = [typeof(NarrowArbitraries)])]
    public void GemmNarrow_SameBitsAsDocumentedArithmetic(NarrowCase x) => CheckNarrow(x.Form, x.Shape);

    /// <summary>The W3b (784-256-128-10) output layer's three products at batch 1, 64 and 256, as training calls them:
    /// the forward product and the gradient folded into the weights in place (beta 1).</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(64)]
    [InlineData(256)]
    public void GemmNarrow_W3bOutputLayer_SameBitsAsDocumentedArithmetic(int batch)
    {
        CheckNarrow(GemmForm.NT, new GemmCase(batch, 10, 128, 1f, 0f, 0, 0, 0, batch));
        CheckNarrow(GemmForm.TN, new GemmCase(10, 128, batch, -0.01f, 1f, 0, 0, 0, batch + 2));
    }

    /// <summary>TN's 32-column tiles at 16 lanes: whole tiles only, tails of 1..31 columns on the 16-column tile, one
    /// and two row tiles, depths across KC.</summary>
    [Theory]
    [InlineData(10, 32, 7)]
    [InlineData(12, 64, 256)]
    [InlineData(13, 95, 300)]
    [InlineData(16, 48, 1)]
    [InlineData(1, 33, 600)]
    [InlineData(4, 100, 32)]
    public void GemmNarrow_TnWideTiles_SameBitsAsDocumentedArithmetic(int m, int n, int k) =>
        CheckNarrow(GemmForm.TN, new GemmCase(m, n, k, -0.01f, 1f, 1, 2, 3, m * n + k));

    private static void CheckNarrow(GemmForm form, GemmCase s)
    {
        Problem p = Problem.Create(form, s);
        if (s.Beta == 0f)
        {
            // beta == 0: C must not be read, so NaN in it must not show up in the result.
            for (int i = 0; i < s.M; i++) Array.Fill(p.C, float.NaN, i * p.Ldc, s.N);
        }
        float[] expected = DocumentedProduct(p, s);
        CheckNarrowWidth<Simd512, Vector512<float>>(p, s, expected);
        CheckNarrowWidth<Simd256, Vector256<float>>(p, s, expected);
        CheckNarrowWidth<Simd128, Vector128<float>>(p, s, expected);
        CheckNarrowWidth<SimdScalar, float>(p, s, expected);
        float[] c = (float[])p.C.Clone();
        Gemm.Multiply(form, s.M, s.N, s.K, s.Alpha, p.A, p.Lda, p.B, p.Ldb, s.Beta, c, p.Ldc);
        Canonical.AssertSameBits(expected, c, $"Gemm.Multiply {form} {s} (narrow path: {Gemm.IsNarrow(form, s.M, s.N)}): C");
    }

    private static void CheckNarrowWidth<TSimd, TVector>(Problem p, GemmCase s, float[] expected)
        where TSimd : ISimd<TVector>
        where TVector : struct
    {
        float[] c = (float[])p.C.Clone();
        Gemm.MultiplyNarrowWith<TSimd, TVector>(p.Form, s.M, s.N, s.K, s.Alpha, p.A, p.Lda, p.B, p.Ldb, s.Beta, c, p.Ldc);
        Canonical.AssertSameBits(expected, c, $"narrow {typeof(TSimd).Name} {p.Form} {s}: C");
    }
}
