using System.Runtime.InteropServices;
using FastBackprop.Data;
using FastBackprop.IO;
using FastBackprop.Kernels;
using FastBackprop.Training;
using Xunit;
using static FastBackprop.Tests.Training.TrainingSamples;

namespace FastBackprop.Tests.Training;

/// <summary>Pins the exact bits Trainer.Fit produces for a set of option combinations that between them take
/// every path of the trainer (fused plain SGD, per-pattern SGD, plain SGD with clipping, optimizers, early
/// stopping, divergence halving, schedules, no shuffling), so that a refactoring of the trainer can prove it
/// changed no bits. The bits depend on the SIMD tier (summation order, fused multiply-adds), so each case
/// carries one value per tier, measured under .ci/run's four tiers on the AVX-512 development machine.</summary>
/// <remarks>A deliberate change of the arithmetic (a kernel, the gradient convention) changes these values:
/// re-measure them then under all four tiers and say in the commit which cases moved and why. So far: plain SGD
/// with clipping moved to the Sgd optimizer's kernel (a fused multiply-add where the tier has FMA), which moved
/// "sgd-clipped" and "sgd-online-clipped" on Vector512 and Vector256 only.</remarks>
public sealed class FitPinnedResultsTests
{
    private static readonly (Dataset Train, Dataset Test) Digits = DigitsSplit();

    // The runs: each a network, its data and options. Small enough that all of them take well under a second.
    private static (Network Network, Dataset Data, TrainingOptions Options) Case(string name)
    {
        Network digits = DigitsNetwork(), regression = RegressionNetwork();
        int digitsCount = digits.Definition.ParameterCount, regressionCount = regression.Definition.ParameterCount;
        return name switch
        {
            "sgd-fused" => (digits, Digits.Train, new() { Epochs = 2, BatchSize = 40, Seed = 5, LearningRate = 0.05f, ValidationFraction = 0.1 }),
            "sgd-online" => (digits, Digits.Train, new() { Epochs = 1, BatchSize = 1, Seed = 6, LearningRate = 0.01f }),
            "sgd-clipped" => (digits, Digits.Train, new() { Epochs = 2, BatchSize = 25, Seed = 7, LearningRate = 0.05f, GradientClipNorm = 0.5f }),
            "sgd-online-clipped" => (regression, Regression(), new() { Epochs = 3, BatchSize = 1, Seed = 8, LearningRate = 0.05f, GradientClipNorm = 0.2f }),
            "sgd-stepdecay-unshuffled" => (digits, Digits.Train, new() { Epochs = 3, BatchSize = 64, Shuffle = false, LearningRate = 0.05f, Schedule = LearningRateSchedule.StepDecay(0.1f, 1, 0.5f) }),
            "adam-early-stopping" => (digits, Digits.Train, new()
            {
                Epochs = 60, BatchSize = 16, Seed = 3, Validation = Digits.Test, EarlyStoppingPatience = 2,
                Optimizer = new Adam(digitsCount), LearningRate = 0.02f,
            }),
            "momentum-clipped-cosine" => (regression, Regression(), new()
            {
                Epochs = 20, BatchSize = 10, Seed = 4, GradientClipNorm = 1f,
                Optimizer = new Sgd(regressionCount, momentum: 0.9f, nesterov: true), Schedule = LearningRateSchedule.Cosine(0.02f, 20),
            }),
            "sgd-halving" => (regression, Regression(), new()
            {
                Epochs = 10, BatchSize = 20, Seed = 1, LearningRate = 1e12f, OnDivergence = DivergencePolicy.HalveLearningRate, MaxLearningRateHalvings = 60,
            }),
            "rprop-full-batch" => (digits, Digits.Train, new() { Epochs = 3, BatchSize = int.MaxValue, Optimizer = new Rprop(digitsCount) }),
            _ => throw new ArgumentException($"no case '{name}'", nameof(name)),
        };
    }

    [Theory]
    [InlineData("sgd-fused",
        "F9AFAA3B ECA2525D Completed 2 2 0", "F9AFAA3B ECA2525D Completed 2 2 0",
        "EB742446 2A42E626 Completed 2 2 0", "84B65E95 66D76D0A Completed 2 2 0")]
    [InlineData("sgd-online",
        "E31D1639 F75FDE46 Completed 1 1 0", "CFF281EA 649DE37A Completed 1 1 0",
        "53169A80 3FD5EEE8 Completed 1 1 0", "9904602C 1A39FD7D Completed 1 1 0")]
    [InlineData("sgd-clipped",
        "CA9F0E85 7D25501E Completed 2 2 0", "7B9D906C 075A363E Completed 2 2 0",
        "0C0E61B2 D9C34B7D Completed 2 2 0", "A4C292C2 E39FF830 Completed 2 2 0")]
    [InlineData("sgd-online-clipped",
        "78EDC626 7B89929F Completed 3 3 0", "E901FBED 3A84BDE1 Completed 3 3 0",
        "5CCB5793 C1F03144 Completed 3 3 0", "85C87763 BCE8FE26 Completed 3 3 0")]
    [InlineData("sgd-stepdecay-unshuffled",
        "E0629CAD EF135AFE Completed 3 3 0", "E0629CAD EF135AFE Completed 3 3 0",
        "CE449764 0FA7208E Completed 3 3 0", "61303D7D F903EEE9 Completed 3 3 0")]
    [InlineData("adam-early-stopping",
        "619DFC87 C1E330EA EarlyStopped 9 7 0", "619DFC87 C1E330EA EarlyStopped 9 7 0",
        "71B01F83 933AE847 EarlyStopped 9 7 0", "79BDD57C D967695F EarlyStopped 9 7 0")]
    [InlineData("momentum-clipped-cosine",
        "23660787 621E6B14 Completed 20 20 0", "23660787 AA5F0F47 Completed 20 20 0",
        "718B3FD3 1362C1E1 Completed 20 20 0", "32374900 1395D6D9 Completed 20 20 0")]
    [InlineData("sgd-halving",
        "FDAF7D2E A357E3BE Completed 10 1 43", "FDAF7D2E 11353733 Completed 10 1 43",
        "817D7C28 1636718B Completed 10 1 43", "E3E6361B 4B43119A Completed 10 1 43")]
    [InlineData("rprop-full-batch",
        "BD675BDB F5F0AFDF Completed 3 1 0", "BD675BDB F5F0AFDF Completed 3 1 0",
        "BD675BDB 4E254761 Completed 3 1 0", "BD675BDB 4E254761 Completed 3 1 0")]
    public void Fit_EachPath_GivesThePinnedBits(string name, string vector512, string vector256, string vector128, string scalar)
    {
        (Network network, Dataset data, TrainingOptions options) = Case(name);
        TrainingHistory history = Trainer.Fit(network, data, options, cancellationToken: TestContext.Current.CancellationToken);
        string expected = VectorTiers.Active switch
        {
            VectorTier.Vector512 => vector512,
            VectorTier.Vector256 => vector256,
            VectorTier.Vector128 => vector128,
            _ => scalar,
        };
        string actual = Fingerprint(network, history);
        Assert.True(expected == actual, $"{name} on {VectorTiers.Active}: expected \"{expected}\", got \"{actual}\"");
    }

    // The weights' CRC, the CRC of every reported number, and the run's outcome.
    private static string Fingerprint(Network network, TrainingHistory history)
    {
        var numbers = new List<double>();
        foreach (EpochReport e in history.Epochs)
        {
            numbers.AddRange([e.TrainingLoss, e.TrainingAccuracy ?? -1, e.TrainingMeanSquaredError ?? -1, e.LearningRate, e.Validation?.Loss ?? -1, e.Validation?.Accuracy ?? -1]);
        }
        uint weights = Crc32.Compute(MemoryMarshal.AsBytes(network.Parameters));
        uint reports = Crc32.Compute(MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(numbers)));
        return $"{weights:X8} {reports:X8} {history.StopReason} {history.Epochs.Count} {history.BestEpoch} {history.LearningRateHalvings}";
    }
}
