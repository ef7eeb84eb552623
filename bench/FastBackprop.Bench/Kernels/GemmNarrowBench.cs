using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using FastBackprop.Kernels;

namespace FastBackprop.Bench.Kernels;

// ---------------------------------------------------------------------------------------------
// Gemm's narrow path (Gemm.Narrow.cs) against the blocked path those shapes took before it, side
// by side in one run: the W3b (784-256-128-10) output layer's narrow products at batch 64 and 256,
// with a training step's alpha and beta (GemmShapesBench's conventions):
//   forward   NT  m = B,  n = 10,  k = 128   beta 1 (bias rows)
//   update    TN  m = 10, n = 128, k = B     beta 1, alpha -1e-6 (the fused SGD update)
// (the layer's third product, dX = dZ W, NN m = B n = 128 k = 10, stays on the blocked path.)
// Blocked is the old dispatch of Gemm.Multiply, tile for tile (MultiplyWith); Narrow is
// Gemm.Multiply as it is. Both give the same bits. GFLOP/s = 2 m n k / time.
// ---------------------------------------------------------------------------------------------

/// <summary>The narrow products through the blocked path (baseline) and through Gemm.Multiply (see the file comment).</summary>
[HideColumns("Error", "StdDev", "Median", "EnvironmentVariables")]
public class GemmNarrowBench
{
    private GemmForm form;
    private int m, n, k, lda, ldb;
    private float alpha, beta;
    private float[] a = null!, b = null!, c = null!;

    /// <summary>"FORM:m x n x k" (no spaces).</summary>
    [Params("NT:64x10x128", "TN:10x128x64", "NT:256x10x128", "TN:10x128x256")]
    public string Shape { get; set; } = "NT:64x10x128";

    /// <summary>Parses the shape and fills A, B, C from a fixed seed.</summary>
    [GlobalSetup]
    public void Setup()
    {
        string[] parts = Shape.Split(':');
        int[] sizes = Operands.Sizes(parts[1]);
        (form, m, n, k) = (Enum.Parse<GemmForm>(parts[0]), sizes[0], sizes[1], sizes[2]);
        (a, b, c) = Operands.Product(m, n, k, seed: 13);
        lda = form == GemmForm.TN ? m : k;
        ldb = form == GemmForm.NT ? k : n;
        alpha = form == GemmForm.TN ? -1e-6f : 1f;
        beta = form == GemmForm.NN ? 0f : 1f;
        Blocked();
        Narrow();
    }

    /// <summary>The tile the old Gemm.Multiply picked for this shape, through the blocked driver.</summary>
    [Benchmark(Baseline = true)]
    public float Blocked()
    {
        if (Vector512.IsHardwareAccelerated && n > 16)
        {
            if (RoundUp(m, 8) * 20 < RoundUp(m, 12) * 19) Gemm.MultiplyWith<Gemm.Microkernel8x32>(form, m, n, k, alpha, a, lda, b, ldb, beta, c, n);
            else Gemm.MultiplyWith<Gemm.Microkernel12x32>(form, m, n, k, alpha, a, lda, b, ldb, beta, c, n);
        }
        else if (Vector256.IsHardwareAccelerated && n > 8) Gemm.MultiplyWith<Gemm.Microkernel6x16>(form, m, n, k, alpha, a, lda, b, ldb, beta, c, n);
        else if (Vector128.IsHardwareAccelerated) Gemm.MultiplyWith<Gemm.Microkernel6x8>(form, m, n, k, alpha, a, lda, b, ldb, beta, c, n);
        else Gemm.MultiplyWith<Gemm.Microkernel4x4>(form, m, n, k, alpha, a, lda, b, ldb, beta, c, n);
        return c[0];
    }

    /// <summary>Gemm.Multiply: the narrow path for these shapes.</summary>
    [Benchmark]
    public float Narrow()
    {
        Gemm.Multiply(form, m, n, k, alpha, a, lda, b, ldb, beta, c, n);
        return c[0];
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
