using FastBackprop.Diagnostics;
using FastBackprop.Kernels;
using Xunit;

namespace FastBackprop.Tests.Diagnostics;

/// <summary>The determinism promise, pinned: the fixed training runs of <see cref="DeterminismFingerprint"/> give these
/// weights on every CPU, vector tier and thread count. A change that moves a bit shows here, as a decision to make
/// (and to explain), not as a drift. .ci/run also compares the fingerprint of its four tier runs with each other,
/// through the file named by FASTBACKPROP_FINGERPRINT_FILE.</summary>
public sealed class DeterminismFingerprintTests
{
    private static readonly Dictionary<string, string> Pinned = new()
    {
        ["w1-online"] = "",
    };

    [Fact]
    public void Fingerprint_IsThePinnedOne_AtThisTier()
    {
        DeterminismFingerprint fingerprint = DeterminismFingerprint.Compute();
        string? file = Environment.GetEnvironmentVariable("FASTBACKPROP_FINGERPRINT_FILE");
        if (!string.IsNullOrEmpty(file))
        {
            File.WriteAllLines(file, [$"fingerprint {fingerprint.Value} ({VectorTiers.Active})", .. fingerprint.Runs.Select(r => $"  {r.Key} {r.Value}")]);
        }
        string actual = string.Join('\n', fingerprint.Runs.Select(r => $"{r.Key} {r.Value}"));
        string expected = string.Join('\n', fingerprint.Runs.Select(r => $"{r.Key} {(Pinned.TryGetValue(r.Key, out string? h) ? h : "(not pinned)")}"));
        Assert.True(expected == actual, $"at {VectorTiers.Active}, the runs' weights moved:\nexpected\n{expected}\nactual\n{actual}");
    }

    [Fact]
    public void Fingerprint_OneAndTwoThreads_GiveTheSameWeights()
    {
        DeterminismFingerprint fingerprint = DeterminismFingerprint.Compute();
        var runs = fingerprint.Runs.ToDictionary(r => r.Key, r => r.Value);
        Assert.Equal(runs["digits-adam-dropout-1-thread"], runs["digits-adam-dropout-2-threads"]);
        Assert.Equal(fingerprint.Value, DeterminismFingerprint.Compute().Value);   // and run to run
    }
}
