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
/// changed no bits. Each case carries one value per tier, measured under .ci/run's four tiers on the AVX-512
/// development machine. The kernels give the same bits at every tier (issue 8: fused multiply-adds everywhere,
/// the canonical 16-lane sums); what still differs at the scalar tier is e^x and tanh (softmax, the tanh layers of
/// the regression network), whose runtime forms differ between the vector and the scalar width. Once those are
/// the same function at every width, the four columns become one (TierIndependentTrainingTests pins networks
/// without them, one value for every tier).</summary>
/// <remarks>A deliberate change of the arithmetic (a kernel, the gradient convention) changes these values:
/// re-measure them then under all four tiers and say in the commit which cases moved and why. So far: plain SGD
/// with clipping moved to the Sgd optimizer's kernel (a fused multiply-add where the tier has FMA), which moved
/// "sgd-clipped" and "sgd-online-clipped" on Vector512 and Vector256 only; then the network's batch methods moved to
/// the mean loss and gradient (and its plans), which moved most cases. After that merge the trainer was checked
/// against main's own trainer on all nine cases and four tiers: the same bits except those two clipped cases.
/// Then issue 8 (true FMA at every width, the canonical summation order) moved every case but rprop-full-batch
/// on Vector512 and Vector256, and made Vector128 equal to them in all nine.</remarks>
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
                Epochs = 60,
                BatchSize = 16,
                Seed = 3,
                Validation = Digits.Test,
                EarlyStoppingPatience = 2,
                Optimizer = new Adam(digitsCount),
                LearningRate = 0.02f,
            }),
            "momentum-clipped-cosine" => (regression, Regression(), new()
            {
                Epochs = 20,
                BatchSize = 10,
                Seed = 4,
                GradientClipNorm = 1f,
                Optimizer = new Sgd(regressionCount, momentum: 0.9f, nesterov: true),
                Schedule = LearningRateSchedule.Cosine(0.02f, 20),
            }),
            "sgd-halving" => (regression, Regression(), new()
            {
                Epochs = 10,
                BatchSize = 20,
                Seed = 1,
                LearningRate = 1e12f,
                OnDivergence = DivergencePolicy.HalveLearningRate,
                MaxLearningRateHalvings = 60,
            }),
            "rprop-full-batch" => (digits, Digits.Train, new() { Epochs = 3, BatchSize = int.MaxValue, Optimizer = new Rprop(digitsCount) }),
            _ => throw new ArgumentException($"no case '{name}'", nameof(name)),
        };
    }

    [Theory]
    [InlineData("sgd-fused",
        "064DB52F A62E2159 Completed 2 2 0", "064DB52F A62E2159 Completed 2 2 0",
        "064DB52F A62E2159 Completed 2 2 0", "5A475E3D 74365C51 Completed 2 2 0")]
    [InlineData("sgd-online",
        "48DC7378 53E39293 Completed 1 1 0", "48DC7378 53E39293 Completed 1 1 0",
        "48DC7378 53E39293 Completed 1 1 0", "BFC74E82 2AF6D9B2 Completed 1 1 0")]
    [InlineData("sgd-clipped",
        "F306587B 4F3616EE Completed 2 2 0", "F306587B 4F3616EE Completed 2 2 0",
        "F306587B 4F3616EE Completed 2 2 0", "BB75E380 48AD8667 Completed 2 2 0")]
    [InlineData("sgd-online-clipped",
        "E6440595 7F31D78B Completed 3 3 0", "E6440595 7F31D78B Completed 3 3 0",
        "E6440595 7F31D78B Completed 3 3 0", "FFEB6818 910089D4 Completed 3 3 0")]
    [InlineData("sgd-stepdecay-unshuffled",
        "322CB443 ABEEC4CD Completed 3 3 0", "322CB443 ABEEC4CD Completed 3 3 0",
        "322CB443 ABEEC4CD Completed 3 3 0", "6AD66801 7931BF50 Completed 3 3 0")]
    [InlineData("adam-early-stopping",
        "04146117 25EE3FE8 EarlyStopped 9 7 0", "04146117 25EE3FE8 EarlyStopped 9 7 0",
        "04146117 25EE3FE8 EarlyStopped 9 7 0", "6C39E2C0 85906732 EarlyStopped 9 7 0")]
    [InlineData("momentum-clipped-cosine",
        "23660787 0205F939 Completed 20 20 0", "23660787 0205F939 Completed 20 20 0",
        "23660787 0205F939 Completed 20 20 0", "61DC1FE6 BDE9E37D Completed 20 20 0")]
    [InlineData("sgd-halving",
        "C8E5A264 395D816E Completed 10 1 43", "C8E5A264 395D816E Completed 10 1 43",
        "C8E5A264 395D816E Completed 10 1 43", "07D12D20 85999C7F Completed 10 1 43")]
    [InlineData("rprop-full-batch",
        "BD675BDB F5F0AFDF Completed 3 1 0", "BD675BDB F5F0AFDF Completed 3 1 0",
        "BD675BDB F5F0AFDF Completed 3 1 0", "BD675BDB F5F0AFDF Completed 3 1 0")]
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
