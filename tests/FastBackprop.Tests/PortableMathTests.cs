using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests;

/// <summary>PortableMath against the platform's Math.*: the same values to the last few bits of a double, and the
/// special cases of the IEEE functions.</summary>
public class PortableMathTests
{
    // x = (1 + f) 2^e over the whole positive range, subnormals included.
    private static double Positive((int Exponent, int Fraction) c) => Math.ScaleB(1 + c.Fraction / (double)int.MaxValue, c.Exponent);

    [Property(MaxTest = 500)]
    public Property Log_MatchesMathLog_ToTheLastBitsOfADouble() =>
        Prop.ForAll(Gen.Choose(-1074, 1023).Zip(Gen.Choose(0, int.MaxValue)).ToArbitrary(), c =>
        {
            double x = Positive(c);
            if (x == 0 || double.IsInfinity(x)) return;
            double expected = Math.Log(x), actual = PortableMath.Log(x);
            Assert.True(Math.Abs(actual - expected) <= 4e-16 * Math.Max(1, Math.Abs(expected)), $"ln {x:R}: {actual:R} vs {expected:R}");
        });

    [Fact]
    public void Log_IsExactWhereItMustBe_AndKeepsTheSpecialCases()
    {
        Assert.Equal(0.0, PortableMath.Log(1.0));
        Assert.Equal(Math.Log(2), PortableMath.Log(2.0), 15);
        Assert.Equal(Math.Log(double.Epsilon), PortableMath.Log(double.Epsilon), 12);
        Assert.Equal(double.NegativeInfinity, PortableMath.Log(0.0));
        Assert.Equal(double.PositiveInfinity, PortableMath.Log(double.PositiveInfinity));
        Assert.True(double.IsNaN(PortableMath.Log(-1.0)));
        Assert.True(double.IsNaN(PortableMath.Log(double.NaN)));
    }

    // Over the whole finite range of e^x, the overflow and underflow edges included: within 3 ulp of Math.Exp. The
    // bound: the table entry, e^r and their product each round once (0.5, at most 0.6 and 0.5 ulp, 1.6 in all), and
    // Math.Exp is within an ulp of e^x.
    [Property(MaxTest = 2000)]
    public Property Exp_MatchesMathExp_WithinThreeUlp() =>
        Prop.ForAll(Gen.Choose(-7460000, 7100000).Zip(Gen.Choose(0, 9999)).ToArbitrary(), c =>
        {
            double x = c.Item1 / 10000.0 + c.Item2 / 1e8;
            double expected = Math.Exp(x), actual = PortableMath.Exp(x);
            if (double.IsInfinity(expected) || expected == 0)
            {
                Assert.Equal(expected, actual);
                return;
            }
            double ulp = Math.Max(Math.BitIncrement(expected) - expected, double.Epsilon);
            Assert.True(Math.Abs(actual - expected) <= 3 * ulp, $"e^{x:R}: {actual:R} vs {expected:R} ({Math.Abs(actual - expected) / ulp:F2} ulp)");
        });

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(710.0, double.PositiveInfinity)]
    [InlineData(-746.0, 0.0)]
    [InlineData(double.PositiveInfinity, double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity, 0.0)]
    [InlineData(-745.0, 4.9406564584124654E-324)]
    public void Exp_SpecialCases(double x, double expected) => Assert.Equal(expected, PortableMath.Exp(x));

    [Fact]
    public void Exp_OfNaN_IsNaN() => Assert.True(double.IsNaN(PortableMath.Exp(double.NaN)));

    // Adam's bias correction and the step decay: b in (0, 1.5), n up to 10^7 steps. In double-double the result is
    // b^n to about 2^-100 before its final rounding, so within an ulp of Math.Pow's (itself within an ulp); results
    // past the normal range must only agree on overflowing or underflowing.
    [Property(MaxTest = 1000)]
    public Property Pow_MatchesMathPow_ForIntegerExponents() =>
        Prop.ForAll(Gen.Choose(1, int.MaxValue).Zip(Gen.Choose(0, 10_000_000)).ToArbitrary(), c =>
        {
            double b = c.Item1 / (double)int.MaxValue * 1.5, expected = Math.Pow(b, c.Item2), actual = PortableMath.Pow(b, c.Item2);
            if (double.IsInfinity(expected)) Assert.Equal(expected, actual);
            else if (expected < 1e-300) Assert.True(actual < 2e-300, $"{b:R}^{c.Item2}: {actual:R} vs {expected:R}");
            else Assert.True(Math.Abs(actual - expected) <= 2 * (Math.BitIncrement(expected) - expected), $"{b:R}^{c.Item2}: {actual:R} vs {expected:R}");
        });

    [Fact]
    public void Pow_SpecialCases()
    {
        Assert.Equal(1.0, PortableMath.Pow(double.NaN, 0));
        Assert.Equal(0.999, PortableMath.Pow(0.999, 1));
        Assert.Equal(1024.0, PortableMath.Pow(2, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => PortableMath.Pow(2, -1));
    }

    [Property(MaxTest = 2000)]
    public Property CosPi_MatchesMathCos_OnZeroToOne() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), k =>
        {
            double t = k / (double)int.MaxValue, expected = Math.Cos(Math.PI * t), actual = PortableMath.CosPi(t);
            // π t rounds once (a relative 2^-53 of an argument up to π, so up to 4e-16 of the value) before cos.
            Assert.True(Math.Abs(actual - expected) <= 1e-15, $"cos(π {t:R}): {actual:R} vs {expected:R}");
        });

    [Fact]
    public void CosPi_IsExactAtTheEnds_AndRejectsOtherArguments()
    {
        Assert.Equal(1.0, PortableMath.CosPi(0));
        Assert.Equal(-1.0, PortableMath.CosPi(1));
        Assert.True(Math.Abs(PortableMath.CosPi(0.5)) <= 1e-16);
        Assert.Throws<ArgumentOutOfRangeException>(() => PortableMath.CosPi(1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => PortableMath.CosPi(double.NaN));
    }
}
