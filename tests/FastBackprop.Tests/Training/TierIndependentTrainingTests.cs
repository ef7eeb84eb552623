using System.Runtime.InteropServices;
using FastBackprop.Data;
using FastBackprop.IO;
using FastBackprop.Kernels;
using FastBackprop.Training;
using Xunit;
using static FastBackprop.Tests.Training.TrainingSamples;

namespace FastBackprop.Tests.Training;

/// <summary>Issue 8's contract end to end: the same network, data, seed and options give the same bits at every
/// vector tier, for every thread count, on every CPU. The networks here use no transcendental function (ReLU and
/// identity units, the half squared error), so every operation is one of the kernels' exactly rounded ones (fused
/// multiply-adds, the canonical 16-lane sums), and each case pins ONE value for all tiers: CI runs this class
/// under .ci/run's four tiers (Vector512, DOTNET_EnableAVX512=0, DOTNET_EnableAVX2=0, DOTNET_EnableHWIntrinsic=0)
/// and each must produce it, with 1 and with 2 threads. (FitPinnedResultsTests covers softmax and tanh networks,
/// whose e^x and tanh still differ at the scalar tier, with one value per tier.)</summary>
/// <remarks>Measured on the AVX-512 development machine under all four tiers, all equal. A deliberate change of the
/// arithmetic changes these values; re-measure under all four tiers, which must still agree.</remarks>
public sealed class TierIndependentTrainingTests
{
    private static readonly Dataset DigitsTrain = DigitsSplit().Train;

    /// <summary>64-32-10 (ReLU, identity; half squared error on the one-hot digits), He-normal from seed 1.</summary>
    private static Network ReluNetwork(int hidden = 32)
    {
        var network = new Network(64, Loss.HalfSquaredError, new Dense(hidden, TransferFunction.Relu), new Dense(10, TransferFunction.Identity));
        network.InitializeWeights(1, WeightInitialization.HeNormal);
        return network;
    }

    // Two epochs of the digits, shuffled from seed 5, through Trainer.Fit: batch 1 runs the per-pattern plan
    // (Gemv, GemvTransposedUpdate, OutputDelta), batch 32 the batch plan (Gemm, the bias column sums); plain SGD
    // fuses its update into the kernels, the optimizers run their flat update kernels after the mean gradient,
    // and "sgd-clipped" adds the gradient norm.
    [Theory]
    [InlineData("sgd", 1, "5EE1DD6D D16600D4 Completed 2 2 0")]
    [InlineData("sgd", 32, "91DC7498 62580056 Completed 2 2 0")]
    [InlineData("sgd-clipped", 32, "216A622F 6F5651FF Completed 2 2 0")]
    [InlineData("momentum", 1, "D8F7133B 3FFEBDF9 Completed 2 2 0")]
    [InlineData("momentum", 32, "63F77606 5A91F45A Completed 2 2 0")]
    [InlineData("adam", 1, "7414D337 D081B7B5 Completed 2 2 0")]
    [InlineData("adam", 32, "0FD9DB08 650BF1EB Completed 2 2 0")]
    public void Fit_Digits_GivesThePinnedBitsAtEveryTierAndThreadCount(string optimizer, int batchSize, string expected)
    {
        foreach (int threads in new[] { 1, 2 })
        {
            Network network = ReluNetwork();
            int count = network.Definition.ParameterCount;
            TrainingOptions options = new()
            {
                Epochs = 2,
                BatchSize = batchSize,
                Seed = 5,
                DegreeOfParallelism = threads,
                LearningRate = optimizer == "adam" ? 2e-3f : 0.02f,
                GradientClipNorm = optimizer == "sgd-clipped" ? 0.5f : 0f,
                Optimizer = optimizer switch
                {
                    "momentum" => new Sgd(count, momentum: 0.9f),
                    "adam" => new Adam(count),
                    _ => null,
                },
            };
            TrainingHistory history = Fit(network, DigitsTrain, options);
            AssertFingerprint(expected, network, history, $"{optimizer}, batch {batchSize}, {threads} thread(s)");
        }
    }

    // A hidden layer wide enough that the batch products are split over the two threads (2 m n k >= 2^22 and
    // n >= 64, Gemm.Parallel's rule: layer 1 forward is 32 x 1024 x 64, its weight gradient 1024 x 64 x 32), on a
    // fifth of the digits to keep the emulated tiers quick.
    [Fact]
    public void Fit_WideLayerSplitOverThreads_GivesThePinnedBitsAtEveryTier()
    {
        const string Expected = "2366ECDD D8FFB0D1 Completed 2 2 0";
        Dataset data = DigitsTrain.Split(0.2, seed: 9).First;
        foreach (int threads in new[] { 1, 2 })
        {
            Network network = ReluNetwork(hidden: 1024);
            TrainingHistory history = Fit(network, data, new TrainingOptions { Epochs = 2, BatchSize = 32, Seed = 5, DegreeOfParallelism = threads, LearningRate = 0.01f });
            AssertFingerprint(Expected, network, history, $"wide, {threads} thread(s)");
        }
    }

    // TrainOnline (the first layer's update fused with the next pattern's net sums, OuterProductUpdateGemv) over two
    // passes of the digits in order, and a tiny network (every width below 16: the scalar TinyPlan) through Fit.
    [Fact]
    public void TrainOnline_Digits_GivesThePinnedBitsAtEveryTier()
    {
        Network network = ReluNetwork();
        Workspace ws = network.CreateWorkspace();
        float error = 0f;
        for (int epoch = 0; epoch < 2; epoch++) error += network.TrainOnline(DigitsTrain.Inputs, DigitsTrain.Targets, 0.02f, ws);
        string actual = $"{Crc32.Compute(MemoryMarshal.AsBytes(network.Parameters)):X8} {BitConverter.SingleToUInt32Bits(error):X8}";
        Assert.True(actual == "505F7554 4437D603", $"TrainOnline on {VectorTiers.Active}: got \"{actual}\"");
    }

    [Theory]
    [InlineData(1, "26B470CD 14E267F1 Completed 2 2 0")]
    [InlineData(32, "434AD952 142E766F Completed 2 2 0")]
    public void Fit_TinyNetwork_GivesThePinnedBitsAtEveryTier(int batchSize, string expected)
    {
        var network = new Network(3, Loss.HalfSquaredError, new Dense(8, TransferFunction.LeakyRelu(0.1f)), new Dense(4, TransferFunction.Relu),
            new Dense(2, TransferFunction.Identity));
        network.InitializeWeights(3);
        Assert.IsType<TinyPlan>(network.Plan);
        TrainingHistory history = Fit(network, Regression(), new TrainingOptions { Epochs = 2, BatchSize = batchSize, Seed = 8, LearningRate = 0.05f });
        AssertFingerprint(expected, network, history, $"tiny, batch {batchSize}");
    }

    private static void AssertFingerprint(string expected, Network network, TrainingHistory history, string what)
    {
        string actual = Fingerprint(network, history);
        Assert.True(expected == actual, $"{what} on {VectorTiers.Active}: expected \"{expected}\", got \"{actual}\"");
    }

    // The weights' CRC, the CRC of every reported number, and the run's outcome (as FitPinnedResultsTests).
    private static string Fingerprint(Network network, TrainingHistory history)
    {
        var numbers = new List<double>();
        foreach (EpochReport e in history.Epochs)
        {
            numbers.AddRange([e.TrainingLoss, e.TrainingAccuracy ?? -1, e.TrainingMeanSquaredError ?? -1, e.LearningRate]);
        }
        uint weights = Crc32.Compute(MemoryMarshal.AsBytes(network.Parameters));
        uint reports = Crc32.Compute(MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(numbers)));
        return $"{weights:X8} {reports:X8} {history.StopReason} {history.Epochs.Count} {history.BestEpoch} {history.LearningRateHalvings}";
    }
}
