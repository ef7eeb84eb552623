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
/// changed no bits. Each case carries one value, the same at every tier (the determinism contract: fused
/// multiply-adds everywhere, the canonical 16-lane sums, the project's own e^x, tanh and logistic), measured under
/// .ci/run's four tiers.</summary>
/// <remarks>A deliberate change of the arithmetic (a kernel, the gradient convention) changes these values:
/// re-measure them then under all four tiers and say in the commit which cases moved and why. So far: plain SGD
/// with clipping moved to the Sgd optimizer's kernel (a fused multiply-add where the tier has FMA), which moved
/// "sgd-clipped" and "sgd-online-clipped" on Vector512 and Vector256 only; then the network's batch methods moved to
/// the mean loss and gradient (and its plans), which moved most cases. After that merge the trainer was checked
/// against main's own trainer on all nine cases and four tiers: the same bits except those two clipped cases.
/// Then issue 8 (true FMA at every width, the canonical summation order) moved every case but rprop-full-batch
/// on Vector512 and Vector256, and made Vector128 equal to them in all nine; then the own transcendental kernels
/// (Kernels/Transcendental) moved every case but rprop-full-batch once more and made the scalar tier equal too, so the
/// four columns became one.</remarks>
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
    [InlineData("sgd-fused", "9530B3CA 7675528D Completed 2 2 0")]
    [InlineData("sgd-online", "82337285 431A1BE7 Completed 1 1 0")]
    [InlineData("sgd-clipped", "A0BEAFDB F475EC47 Completed 2 2 0")]
    [InlineData("sgd-online-clipped", "EE703CD9 2E8F743D Completed 3 3 0")]
    [InlineData("sgd-stepdecay-unshuffled", "CE9968D5 DBB53CBB Completed 3 3 0")]
    [InlineData("adam-early-stopping", "51510FA1 FB71A4B7 EarlyStopped 9 7 0")]
    [InlineData("momentum-clipped-cosine", "5D563C67 8704E92A Completed 20 20 0")]
    [InlineData("sgd-halving", "E80ECF40 C1F430A4 Completed 10 1 43")]
    [InlineData("rprop-full-batch", "BD675BDB F5F0AFDF Completed 3 1 0")]
    public void Fit_EachPath_GivesThePinnedBits(string name, string expected)
    {
        (Network network, Dataset data, TrainingOptions options) = Case(name);
        TrainingHistory history = Trainer.Fit(network, data, options, cancellationToken: TestContext.Current.CancellationToken);
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
