using BenchmarkDotNet.Attributes;
using FastBackprop.Kernels;

namespace FastBackprop.Bench.Kernels;

// ---------------------------------------------------------------------------------------------
// Gemm at the shapes GemmBench (256 and 1024 square, NN/NT) does not cover: the 64 and 2048
// squares in all three forms, and the products of a W3b and a W4 training step, as Network.Batch
// calls them (B = batch):
//   forward   Z = X W^T        NT  m = B,     n = units,  k = inputs   (beta 1: bias rows)
//   backward  dX = dZ W        NN  m = B,     n = inputs, k = units    (not for the first layer)
//   update    W += a dZ^T X    TN  m = units, n = inputs, k = B        (beta 1: fused SGD update)
// Shape strings are "FORM:m x n x k"; single thread; GFLOP/s counts 2 m n k; "% of peak" divides
// by the FMA peak probe of the same run.
// ---------------------------------------------------------------------------------------------

/// <summary>Gemm.Multiply at the 64/2048 squares and the W3b/W4 layer shapes (see the file comment).</summary>
[HideColumns("Error", "StdDev", "Median", "EnvironmentVariables")]
public class GemmShapesBench
{
    private GemmForm form;
    private int m, n, k;
    private float beta;
    private float[] a = null!, b = null!, c = null!;

    /// <summary>"FORM:m x n x k" (no spaces).</summary>
    [Params(
        "NN:64x64x64", "NT:64x64x64", "TN:64x64x64",
        "NN:2048x2048x2048", "NT:2048x2048x2048", "TN:2048x2048x2048",
        // W3b batch 64: layer 1 (784 -> 256) in its three products, layer 2 (256 -> 128) forward
        "NT:64x256x784", "TN:256x784x64", "NT:64x128x256", "NN:64x256x128", "TN:128x256x64",
        // W3b batch 64 and 256: the output layer (128 -> 10), narrow (Gemm.Narrow.cs)
        "NT:64x10x128", "NN:64x128x10", "TN:10x128x64", "TN:10x128x256",
        // W3b batch 256
        "NT:256x256x784", "TN:256x784x256", "NT:256x128x256", "NN:256x256x128", "TN:128x256x256", "NT:256x10x128", "NN:256x128x10",
        // W4 (every layer 1024 -> 1024, batch 256)
        "NT:256x1024x1024", "NN:256x1024x1024", "TN:1024x1024x256")]
    public string Shape { get; set; } = "NT:64x256x784";

    /// <summary>2 m n k for a shape string.</summary>
    public static double Flops(string shape)
    {
        (_, int m, int n, int k) = Parse(shape);
        return 2.0 * m * n * k;
    }

    /// <summary>Parses the shape, fills A, B, C from a fixed seed, and runs one product so the packing
    /// buffers exist before measurement.</summary>
    [GlobalSetup]
    public void Setup()
    {
        (form, m, n, k) = Parse(Shape);
        beta = form == GemmForm.NN ? 0f : 1f;   // as in a training step: NN overwrites, NT adds to the bias rows, TN updates W
        (a, b, c) = Operands.Product(m, n, k, seed: 13);
        Multiply();
        Console.WriteLine($"// GemmShapesBench {Shape}: vector tier {VectorTiers.Active}");
    }

    /// <summary>One Gemm.Multiply with the alpha and beta of a training step: NN beta 0; NT beta 1 (C holds
    /// the bias rows); TN beta 1 with a small negative alpha (the fused update; small so that millions of
    /// repeated updates stay bounded).</summary>
    [Benchmark]
    public float Multiply()
    {
        int lda = form == GemmForm.TN ? m : k;
        int ldb = form == GemmForm.NT ? k : n;
        Gemm.Multiply(form, m, n, k, form == GemmForm.TN ? -1e-6f : 1f, a, lda, b, ldb, beta, c, n);
        return c[0];
    }

    private static (GemmForm Form, int M, int N, int K) Parse(string shape)
    {
        string[] parts = shape.Split(':');
        int[] sizes = Operands.Sizes(parts[1]);
        return (Enum.Parse<GemmForm>(parts[0]), sizes[0], sizes[1], sizes[2]);
    }
}
