using FastBackprop.Kernels;
using Xunit;

namespace FastBackprop.Tests.Kernels.TranscendentalTests;

/// <summary>Asserts over sets of inputs: the ulp bound at the active tier, and bit patterns at every width.</summary>
public static class UlpAssert
{
    /// <summary>Fails unless every input's ulp error at the active tier is within f's bound; the message names the
    /// worst input (value and bits), the result, the exact value and <paramref name="context"/> (e.g. the seed).</summary>
    public static void WithinBound(Function f, float[] inputs, string context) => WithinBound(f, VectorTiers.Active, inputs, context);

    /// <summary>As <see cref="WithinBound(Function, float[], string)"/> at <paramref name="width"/>.</summary>
    public static void WithinBound(Function f, VectorTier width, float[] inputs, string context)
    {
        (double error, float x, float y) = TranscendentalCases.WorstError(f, width, inputs);
        double bound = TranscendentalCases.UlpBound(f);
        if (!(error <= bound))
        {
            Assert.Fail($"{f} at {width}, {context}: {error:F3} ulp > {bound} at x = {x:R} (0x{BitConverter.SingleToUInt32Bits(x):X8}): " +
                $"got {y:R} (0x{BitConverter.SingleToUInt32Bits(y):X8}), exact {TranscendentalCases.Exact(f, x):R}.");
        }
    }

    /// <summary>Fails unless f(x) has exactly the bits of <paramref name="expected"/> at every width (signed zeros
    /// told apart; any NaN matches any NaN).</summary>
    public static void ExactAtEveryWidth(Function f, float x, float expected)
    {
        foreach (VectorTier width in TranscendentalCases.Widths)
        {
            float y = TranscendentalCases.One(f, width, x);
            bool same = float.IsNaN(expected) ? float.IsNaN(y) : BitConverter.SingleToInt32Bits(y) == BitConverter.SingleToInt32Bits(expected);
            Assert.True(same, $"{f}({x:R}) at {width}: expected {expected:R} (0x{BitConverter.SingleToUInt32Bits(expected):X8}), got {y:R} (0x{BitConverter.SingleToUInt32Bits(y):X8}).");
        }
    }

    /// <summary>Fails unless <paramref name="condition"/> holds for f(x) at every width.</summary>
    public static void AtEveryWidth(Function f, float x, Func<float, bool> condition, string what)
    {
        foreach (VectorTier width in TranscendentalCases.Widths)
        {
            float y = TranscendentalCases.One(f, width, x);
            Assert.True(condition(y), $"{f}({x:R}) at {width} = {y:R}: expected {what}.");
        }
    }
}
