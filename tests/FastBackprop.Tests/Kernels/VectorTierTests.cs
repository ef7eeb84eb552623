using System.Numerics;
using System.Runtime.Intrinsics;
using FastBackprop.Kernels;
using Xunit;

namespace FastBackprop.Tests.Kernels;

/// <summary>Proves which SIMD tier this test process runs. CI runs the suite once per tier, setting
/// <c>FASTBACKPROP_EXPECT_TIER</c> next to the knob that selects it (<c>DOTNET_EnableAVX512=0</c>,
/// <c>DOTNET_EnableAVX2=0</c>, <c>DOTNET_EnableHWIntrinsic=0</c>); a renamed or misspelled knob then
/// fails here instead of silently repeating the default run.</summary>
public class VectorTierTests
{
    /// <summary>The environment variable naming the expected tier.</summary>
    public const string ExpectTierVariable = "FASTBACKPROP_EXPECT_TIER";

    [Fact]
    public void IsaTier_MatchesExpectedTier()
    {
        string? name = Environment.GetEnvironmentVariable(ExpectTierVariable);
        if (string.IsNullOrEmpty(name))
        {
            // No expectation: the library must use the widest tier the runtime accelerates.
            Assert.Equal(WidestAccelerated(), VectorTiers.Active);
            return;
        }

        VectorTier expected = name switch
        {
            "Vector512" => VectorTier.Vector512,
            "Vector256" => VectorTier.Vector256,
            "Vector128" => VectorTier.Vector128,
            "Scalar" => VectorTier.Scalar,
            _ => throw new InvalidOperationException($"{ExpectTierVariable}={name}; expected Vector512, Vector256, Vector128 or Scalar."),
        };

        Assert.Equal(expected >= VectorTier.Vector512, Vector512.IsHardwareAccelerated);
        Assert.Equal(expected >= VectorTier.Vector256, Vector256.IsHardwareAccelerated);
        Assert.Equal(expected >= VectorTier.Vector128, Vector128.IsHardwareAccelerated);
        Assert.Equal(expected, VectorTiers.Active);
        Assert.Equal(expected != VectorTier.Scalar, Vector.IsHardwareAccelerated);

        // Vector<T> stays 256-bit on AVX-512 hardware unless DOTNET_MaxVectorTBitWidth says otherwise,
        // and falls back to 128 bits (4 floats) without AVX2 or without any intrinsics.
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_MaxVectorTBitWidth")))
        {
            int expectedCount = expected >= VectorTier.Vector256 ? 8 : 4;
            Assert.Equal(expectedCount, Vector<float>.Count);
            Assert.Equal(expectedCount, VectorTiers.VectorTCount);
        }
    }

    [Fact]
    public void IsaTier_ForPicksTheWidestAcceleratedTierThatFits()
    {
        for (int length = 0; length <= 40; length++)
        {
            VectorTier expected =
                Vector512.IsHardwareAccelerated && length >= 16 ? VectorTier.Vector512
                : Vector256.IsHardwareAccelerated && length >= 8 ? VectorTier.Vector256
                : Vector128.IsHardwareAccelerated && length >= 4 ? VectorTier.Vector128
                : VectorTier.Scalar;
            Assert.Equal(expected, VectorTiers.For(length));
            Assert.True(VectorTiers.For(length) <= VectorTiers.Active, $"length {length}: For() is wider than the active tier");
        }
    }

    private static VectorTier WidestAccelerated() =>
        Vector512.IsHardwareAccelerated ? VectorTier.Vector512
        : Vector256.IsHardwareAccelerated ? VectorTier.Vector256
        : Vector128.IsHardwareAccelerated ? VectorTier.Vector128
        : VectorTier.Scalar;
}
