using System.Globalization;
using System.Text;
using FastBackprop.Kernels;
using Xunit;
using static FastBackprop.Tests.Kernels.TranscendentalTests.TranscendentalCases;

namespace FastBackprop.Tests.Kernels.TranscendentalTests;

/// <summary>A deterministic sweep of every function over the whole float range: every 2^16-th bit pattern
/// (65,536 inputs per function, every binade of both signs, the subnormals, infinities and NaNs), at the active
/// tier, with the largest ulp error asserted against each bound and printed as a table.</summary>
/// <remarks>FASTBACKPROP_ULP_STEP=n sweeps every n-th pattern instead (1: all 2^32, an hour or more per function on
/// this project's machine); the contract comments' figures are from FASTBACKPROP_ULP_STEP=64 (2^26 inputs each):
/// <c>FASTBACKPROP_ULP_STEP=1 tests/FastBackprop.Tests/bin/Release/net10.0/FastBackprop.Tests -class
/// FastBackprop.Tests.Kernels.TranscendentalTests.TranscendentalSweepTests -showliveoutput on</c>.</remarks>
public class TranscendentalSweepTests
{
    /// <summary>The environment variable that sets the step between swept bit patterns.</summary>
    public const string StepVariable = "FASTBACKPROP_ULP_STEP";

    [Fact]
    public void Sweep_EveryFunction_WithinBound()
    {
        long step = long.TryParse(Environment.GetEnvironmentVariable(StepVariable), NumberStyles.None, CultureInfo.InvariantCulture, out long s) && s > 0 ? s : 1 << 16;
        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"| function | inputs ({VectorTiers.Active}, every {step}-th bit pattern) | max ulp | bound | at x | result | exact |");
        table.AppendLine("|---|---|---:|---:|---|---|---|");
        var failures = new List<string>();
        foreach (Function f in All)
        {
            (double error, float x, float y, long count) = Sweep(f, step);
            double bound = UlpBound(f);
            table.AppendLine(CultureInfo.InvariantCulture,
                $"| {f} | {count:N0} | {error:F3} | {bound} | {x:R} (0x{BitConverter.SingleToUInt32Bits(x):X8}) | {y:R} | {Exact(f, x):R} |");
            if (!(error <= bound)) failures.Add($"{f}: {error:F3} ulp > {bound} at x = {x:R} (0x{BitConverter.SingleToUInt32Bits(x):X8})");
        }
        TestContext.Current.TestOutputHelper?.WriteLine(table.ToString());
        Assert.True(failures.Count == 0, string.Join("; ", failures) + Environment.NewLine + table);
    }

    // Patterns start + k step for k = 0, 1, ...; the offset walks through the low bits so that a step of 2^16
    // does not test only patterns whose low 16 mantissa bits are zero.
    private static (double Error, float Input, float Output, long Count) Sweep(Function f, long step)
    {
        const int Block = 4096;
        float[] x = new float[Block], y = new float[Block];
        (double Error, float Input, float Output) worst = (0, 0, 0);
        long count = 0;
        ulong pattern = 0;
        while (pattern <= uint.MaxValue)
        {
            int n = 0;
            for (; n < Block && pattern <= uint.MaxValue; n++, pattern += (ulong)step)
            {
                ulong offset = step > 1 ? ((pattern / (ulong)step) * 40503UL) % (ulong)step : 0;
                x[n] = BitConverter.UInt32BitsToSingle((uint)Math.Min(pattern + offset, uint.MaxValue));
            }
            for (int i = n; i < Block; i++) x[i] = x[0];
            Apply(f, VectorTiers.Active, x, y);
            for (int i = 0; i < n; i++)
            {
                double e = UlpError(y[i], Exact(f, x[i]));
                if (!(e <= worst.Error)) worst = (e, x[i], y[i]);
            }
            count += n;
        }
        return (worst.Error, worst.Input, worst.Output, count);
    }
}
