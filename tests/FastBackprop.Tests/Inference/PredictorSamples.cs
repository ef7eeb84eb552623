using FastBackprop.Data;
using FastBackprop.IO;

namespace FastBackprop.Tests.Inference;

/// <summary>Models and rows for the predictor tests, drawn from seeds.</summary>
internal static class PredictorSamples
{
    /// <summary><paramref name="rows"/> x <paramref name="width"/> values from U(-<paramref name="bound"/>, <paramref name="bound"/>).</summary>
    public static float[] Rows(int rows, int width, ulong seed, float bound = 1f)
    {
        var random = new SeededRandom(seed);
        var values = new float[rows * width];
        for (int i = 0; i < values.Length; i++) values[i] = random.NextSymmetric(bound);
        return values;
    }

    /// <summary>A model of <paramref name="network"/> with an input standardisation and a target scaling drawn from
    /// <paramref name="seed"/> (raw inputs around 3 with spread 5; targets in units around 10).</summary>
    public static Model ScaledModel(Network network, ulong seed)
    {
        int n = network.Definition.InputWidth, m = network.Definition.OutputWidth;
        var random = new SeededRandom(seed);
        var offset = new float[n];
        var scale = new float[n];
        for (int j = 0; j < n; j++)
        {
            offset[j] = 3f + random.NextSymmetric(1f);
            scale[j] = 0.2f + random.NextSymmetric(0.05f);
        }
        var mean = new float[m];
        var deviation = new float[m];
        for (int k = 0; k < m; k++)
        {
            mean[k] = 10f + random.NextSymmetric(5f);
            deviation[k] = 2f + random.NextSymmetric(1f);
        }
        return new Model(network, new InputScaling(InputScalingKind.Standardization, offset, scale)) { TargetScaling = new TargetScaling(mean, deviation) };
    }

    /// <summary>Whether two spans hold the same bits.</summary>
    public static bool SameBits(ReadOnlySpan<float> a, ReadOnlySpan<float> b) =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(a).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(b));
}
