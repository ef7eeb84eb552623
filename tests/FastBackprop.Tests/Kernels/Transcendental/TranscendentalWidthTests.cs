using FastBackprop.Kernels;
using FsCheck.Xunit;
using Xunit;
using static FastBackprop.Tests.Kernels.TranscendentalTests.TranscendentalCases;

namespace FastBackprop.Tests.Kernels.TranscendentalTests;

/// <summary>The determinism contract in one process: every function gives the same bits through Simd512, Simd256,
/// Simd128 and SimdScalar, whichever of them the CPU accelerates (the others run emulated, in software, and are
/// still IEEE), for edge cases, uniformly drawn bit patterns and values in each function's working range. CI also
/// runs the whole suite once per tier.</summary>
public class TranscendentalWidthTests
{
    [Fact]
    public void EveryFunction_SameBitsAtEveryWidth_EdgesAndRanges()
    {
        float[] inputs = [.. CommonEdges(), .. RandomBits(7, 2048), .. RandomUniform(8, 1024, -1, 1), .. RandomUniform(9, 1024, -20, 20),
            .. RandomUniform(10, 512, -105, 90), .. RandomUniform(11, 256, -1e-30, 1e-30), .. RandomUniform(12, 256, 0.5, 0.6)];
        foreach (Function f in All) AssertSameBits(f, inputs, "edges and ranges");
    }

    [Property(MaxTest = 40)]
    public void EveryFunction_SameBitsAtEveryWidth_RandomBitPatterns(ulong seed)
    {
        float[] inputs = RandomBits(seed, 256);
        foreach (Function f in All) AssertSameBits(f, inputs, $"seed {seed}");
    }

    /// <summary>Fails unless f gives identical bits (NaN payloads included) at all four widths.</summary>
    internal static void AssertSameBits(Function f, float[] inputs, string context)
    {
        float[] x = Padded(inputs), widest = new float[x.Length], other = new float[x.Length];
        Apply(f, VectorTier.Vector512, x, widest);
        foreach (VectorTier width in Widths.AsSpan(1))
        {
            Apply(f, width, x, other);
            for (int i = 0; i < x.Length; i++)
            {
                if (BitConverter.SingleToInt32Bits(other[i]) != BitConverter.SingleToInt32Bits(widest[i]))
                {
                    Assert.Fail($"{f}, {context}: x = {x[i]:R} (0x{BitConverter.SingleToUInt32Bits(x[i]):X8}) gives 0x{BitConverter.SingleToUInt32Bits(widest[i]):X8} " +
                        $"({widest[i]:R}) at Vector512 but 0x{BitConverter.SingleToUInt32Bits(other[i]):X8} ({other[i]:R}) at {width}.");
                }
            }
        }
    }
}
