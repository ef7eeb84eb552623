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
/// "sgd-clipped" and "sgd-online-clipped" on Vector512 and Vector256 only; then the network's batch methods moved to
/// the mean loss and gradient (and its plans), which moved most cases. After that merge the trainer was checked
/// against main's own trainer on all nine cases and four tiers: the same bits except those two clipped cases. Then
/// logistic, tanh and softmax's exp became the project's own kernels (Kernels/Transcendental, identical at every
/// tier), which moved every case but "rprop-full-batch" (whose steps follow the gradient's signs) on every tier; and exp
/// then kept its rounding error to the last step (0.95 to 0.8 ulp), which moved the five digits cases (softmax); and
/// tanh's large-argument path took exp's shorter polynomial (same accuracy, one step less), which moved
/// "sgd-online-clipped" and "momentum-clipped-cosine".</remarks>
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
        "CC915B2D C8D82734 Completed 2 2 0", "CC915B2D C8D82734 Completed 2 2 0",
        "6300585C ED43DF6C Completed 2 2 0", "CAE8CC64 93927665 Completed 2 2 0")]
    [InlineData("sgd-online",
        "50F6D1E7 807C5032 Completed 1 1 0", "E211C84F F8578BED Completed 1 1 0",
        "76AFA7E1 AFB3F8F7 Completed 1 1 0", "FC6FEC91 59A3E330 Completed 1 1 0")]
    [InlineData("sgd-clipped",
        "89FC65DB 23351D4C Completed 2 2 0", "70089483 B570905F Completed 2 2 0",
        "ADD6527D DF34350D Completed 2 2 0", "92876EC8 15AA7DBF Completed 2 2 0")]
    [InlineData("sgd-online-clipped",
        "FDCCF136 4F8D00F2 Completed 3 3 0", "6A6C3D81 D0413555 Completed 3 3 0",
        "C212A7AC F4BE6DF8 Completed 3 3 0", "5976C553 BBA8D9FC Completed 3 3 0")]
    [InlineData("sgd-stepdecay-unshuffled",
        "9F44DD68 476566BC Completed 3 3 0", "9F44DD68 476566BC Completed 3 3 0",
        "1894D0F8 EB56906F Completed 3 3 0", "30216112 E96B4555 Completed 3 3 0")]
    [InlineData("adam-early-stopping",
        "66B8B5FF 9139A051 EarlyStopped 9 7 0", "66B8B5FF 9139A051 EarlyStopped 9 7 0",
        "0412C215 B07DEBA6 EarlyStopped 9 7 0", "06A3E0C1 EEC0C343 EarlyStopped 9 7 0")]
    [InlineData("momentum-clipped-cosine",
        "5D563C67 67FEFE61 Completed 20 20 0", "5D563C67 1460FAF8 Completed 20 20 0",
        "E4458402 2EACAFCF Completed 20 20 0", "E4458402 03F7956E Completed 20 20 0")]
    [InlineData("sgd-halving",
        "E80ECF40 74240C07 Completed 10 1 43", "E80ECF40 64CB4DDB Completed 10 1 43",
        "618F0A4D 1D7C05BC Completed 10 1 43", "618F0A4D 3A732537 Completed 10 1 43")]
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
