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
        ["w1-online"] = "b444f7e594f25e09",
        ["online-fused-first-layer"] = "31bbfca898de2031",
        ["digits-adam-dropout-1-thread"] = "c28274c4e55d1998",
        ["digits-adam-dropout-2-threads"] = "c28274c4e55d1998",
        ["w3b-batches-2-threads"] = "6d171b7ca8d4a9c7",
        ["every-transfer-function-tiny"] = "f818a6a9706e947f",
        ["every-function-sgd-softmax"] = "890b0f516ff8683e",
        ["every-function-sgd-clipped-logistic"] = "283742199cb2535e",
        ["every-function-momentum-softmax"] = "72b6984fdc7040ec",
        ["every-function-nesterov-logistic"] = "090f869042fef334",
        ["every-function-adam-softmax"] = "8661f2901f41a013",
        ["every-function-adamw-logistic"] = "2995d269da76ec4c",
        ["every-function-rmsprop-softmax"] = "7e9f89ccc47d4f1b",
        ["every-function-rprop-logistic"] = "029c572e5a69d4d8",
        ["every-function-adagrad-softmax"] = "41784ca9b4552510",
        ["every-function-adamax-logistic"] = "9e5adc8960874906",
        ["every-function-nadam-softmax"] = "f9b4206cfd699971",
        ["every-function-radam-logistic"] = "6fa876989301ebc9",
        ["every-function-quickprop-softmax"] = "f70dd5913c839d69",
        ["every-function-rprop+-logistic"] = "7f51a17d82ea5a64",
        ["every-function-irprop+-softmax"] = "482cf4b2ed96dde8",
        ["full-batch-lbfgs"] = "c911950edb63144e",
        ["full-batch-scg"] = "076a61d977278bf6",
        ["full-batch-lm"] = "0c913d9aef038c76",
        ["digits-predict"] = "0c4a45c48fed68a9",
        ["digits-predict-batch-2-threads"] = "d5fc82888ee53d5f",
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
