using System.Globalization;

namespace FastBackprop.Bench.Kernels;

/// <summary>Seeded operands for the kernel benchmarks, and their shape strings ("256x784"). Each fill
/// draws its values in index order from the generator it is given, so a setup that fills A and then B
/// from one seed gets the same bits on every run and every CPU.</summary>
internal static class Operands
{
    /// <summary>The operands of a kernel over one layer of <paramref name="shape"/> ("units x inputs"), drawn in
    /// this order from <paramref name="seed"/>: the weights, units x inputs in [-0.1, 0.1]; one value per unit
    /// in [-<paramref name="perUnitLimit"/>, <paramref name="perUnitLimit"/>] (biases, deltas); one value per
    /// input in [0, 1) (the layer's input).</summary>
    public static (float[] Weights, float[] PerUnit, float[] PerInput) Layer(string shape, ulong seed, float perUnitLimit)
    {
        int[] sizes = Sizes(shape);
        int units = sizes[0], inputs = sizes[1];
        var random = new SeededRandom(seed);
        return (Symmetric(random, units * inputs, 0.1f), Symmetric(random, units, perUnitLimit), Uniform(random, inputs));
    }

    /// <summary>The operands of an m x n x k product, drawn in this order from <paramref name="seed"/>: A, m x k,
    /// and B, k x n, in [-1, 1]; C, m x n, zero.</summary>
    public static (float[] A, float[] B, float[] C) Product(int m, int n, int k, ulong seed)
    {
        var random = new SeededRandom(seed);
        return (Symmetric(random, m * k, 1f), Symmetric(random, k * n, 1f), new float[m * n]);
    }

    /// <summary>The sizes of a shape string such as "256x784" or "64x256x784".</summary>
    public static int[] Sizes(string shape) =>
        Array.ConvertAll(shape.Split('x'), size => int.Parse(size, CultureInfo.InvariantCulture));

    /// <summary><paramref name="length"/> values uniform in [-<paramref name="limit"/>, <paramref name="limit"/>].</summary>
    public static float[] Symmetric(SeededRandom random, int length, float limit)
    {
        var values = new float[length];
        for (int i = 0; i < values.Length; i++) values[i] = random.NextSymmetric(limit);
        return values;
    }

    /// <summary><paramref name="length"/> values uniform in [0, 1).</summary>
    public static float[] Uniform(SeededRandom random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < values.Length; i++) values[i] = random.NextSingle();
        return values;
    }
}
