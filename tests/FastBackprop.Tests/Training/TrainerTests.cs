using FastBackprop.Data;
using FastBackprop.Training;
using Xunit;
using static FastBackprop.Tests.Training.TrainingSamples;

namespace FastBackprop.Tests.Training;

public sealed class TrainerTests
{
    [Fact]
    public void Fit_Digits_ReachesNinetyFivePercentTestAccuracy()
    {
        var (train, test) = DigitsSplit();
        Network network = DigitsNetwork();
        var options = new TrainingOptions
        {
            Epochs = 30,
            BatchSize = 32,
            Seed = 7,
            Optimizer = new Adam(network.Definition.ParameterCount),
            LearningRate = 0.003f,
        };
        TrainingHistory history = Fit(network, train, options);
        Evaluation evaluation = Trainer.Evaluate(network, test);

        Assert.Equal(StopReason.Completed, history.StopReason);
        Assert.Equal(30, history.Epochs.Count);
        Assert.True(evaluation.Accuracy >= 0.95, $"test accuracy {evaluation.Accuracy:P2} on {test.Count} digits");
        Assert.True(history.Epochs[^1].TrainingLoss < history.Epochs[0].TrainingLoss / 4, "the training loss fell less than 4x");
        int total = 0;
        foreach (int n in evaluation.ConfusionMatrix!) total += n;
        Assert.Equal(test.Count, total);
    }

    [Fact]
    public void Fit_SameSeed_GivesBitIdenticalWeights()
    {
        var (train, _) = DigitsSplit();
        float[] Run()
        {
            Network network = DigitsNetwork();
            Fit(network, train, new TrainingOptions { Epochs = 2, BatchSize = 16, Seed = 99, Optimizer = new Adam(network.Definition.ParameterCount), LearningRate = 1e-3f });
            return network.Parameters.ToArray();
        }
        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void Fit_WithDropout_MasksFollowTheSeed()
    {
        var (train, _) = DigitsSplit();
        float[] Run(ulong seed, bool shuffle)
        {
            var network = new Network(64, Loss.CrossEntropy, new Dense(32, TransferFunction.Relu), new Dropout(0.5f), new Dense(10, TransferFunction.Softmax));
            network.InitializeWeights(1);
            Fit(network, train, new TrainingOptions { Epochs = 1, BatchSize = 32, Seed = seed, Shuffle = shuffle, LearningRate = 0.05f });
            return network.Parameters.ToArray();
        }
        Assert.Equal(Run(5, true), Run(5, true));
        Assert.NotEqual(Run(5, false), Run(6, false));   // the same order: only the masks differ, and they follow the seed
    }

    [Fact]
    public void Fit_DifferentSeeds_ShuffleDifferently()
    {
        var (train, _) = DigitsSplit();
        float[] Run(ulong seed)
        {
            Network network = DigitsNetwork();
            Fit(network, train, new TrainingOptions { Epochs = 1, BatchSize = 16, Seed = seed, LearningRate = 0.05f });
            return network.Parameters.ToArray();
        }
        Assert.NotEqual(Run(1), Run(2));
    }

    [Fact]
    public void Fit_EarlyStopping_RestoresTheBestEpoch()
    {
        var (train, test) = DigitsSplit();
        Network network = DigitsNetwork();
        // A learning rate too large for Adam on this problem: the validation loss soon stops improving.
        var options = new TrainingOptions
        {
            Epochs = 60,
            BatchSize = 16,
            Seed = 3,
            Validation = test,
            EarlyStoppingPatience = 2,
            Optimizer = new Adam(network.Definition.ParameterCount),
            LearningRate = 0.02f,
        };
        TrainingHistory history = Fit(network, train, options);

        Assert.Equal(StopReason.EarlyStopped, history.StopReason);
        Assert.True(history.Epochs.Count < 60);
        Assert.Equal(history.BestEpoch + 2, history.Epochs.Count);
        double best = history.Epochs.Min(e => e.Validation!.Loss);
        Assert.Equal(best, history.Epochs[history.BestEpoch - 1].Validation!.Loss);
        Assert.Equal(best, Trainer.Evaluate(network, test).Loss, 12);   // the restored weights are the best epoch's
    }

    [Theory]
    [InlineData(200)]   // full batch: the fused Gemm update
    [InlineData(1)]     // online: the per-pattern path
    public void Fit_Divergence_ThrowsNamingTheStepAndKeepsFiniteWeights(int batchSize)
    {
        Dataset data = Regression();
        Network network = RegressionNetwork();
        float[] before = network.Parameters.ToArray();
        var options = new TrainingOptions { Epochs = 5, BatchSize = batchSize, Shuffle = false, LearningRate = 1e30f };

        var e = Assert.Throws<TrainingDivergedException>(() => Fit(network, data, options));

        Assert.True(e.Epoch >= 1 && e.Layer >= 0 && e.Layer <= 1, e.Message);
        Assert.Contains($"epoch {e.Epoch}, batch {e.Batch}", e.Message);
        Assert.True(System.Numerics.Tensors.TensorPrimitives.IsFiniteAll(network.Parameters), "the network was handed back NaN or infinite weights");
        if (e.Epoch == 1 && e.Batch == 0) Assert.Equal(before, network.Parameters.ToArray());   // the first step failed: nothing finite came after the start
    }

    [Theory]
    [InlineData(20, -1)]   // the gradient step with Adam's state, dropout masks drawn every step
    [InlineData(20, 0)]    // the same under halving, with no halving allowed
    [InlineData(20, 2)]    // two halvings, each replaying the epoch, then the divergence that ends the run
    [InlineData(1, -1)]    // online: the per-pattern path
    public void Fit_Divergence_HandsBackTheWeightsAndOptimizerStateOfBeforeTheFailingStep(int batchSize, int halvings)
    {
        // The guard keeps no copy per step: it replays the epoch from its mark, which must end on the very bits the
        // run had before the failing step (weights, Adam's moments, the dropout generator that drew their masks).
        Dataset data = Regression();
        var network = new Network(3, Loss.HalfSquaredError, new Dense(16, TransferFunction.Tanh), new Dropout(0.25f), new Dense(2, TransferFunction.Identity));
        network.InitializeWeights(3);
        var adam = new Adam(network.Definition.ParameterCount);
        float[] lastWeights = network.Parameters.ToArray();
        byte[] lastState = adam.SaveState();
        var options = new TrainingOptions
        {
            Epochs = 50,
            BatchSize = batchSize,
            Seed = 9,
            LearningRate = 1e18f * (1 << Math.Max(halvings, 0)),   // the rate that diverges after a few steps, after the halvings
            Optimizer = adam,
            OnDivergence = halvings < 0 ? DivergencePolicy.Throw : DivergencePolicy.HalveLearningRate,
            MaxLearningRateHalvings = Math.Max(halvings, 0),
            BatchCompleted = _ =>
            {
                lastWeights = network.Parameters.ToArray();
                lastState = adam.SaveState();
            },
        };

        var e = Assert.Throws<TrainingDivergedException>(() => Fit(network, data, options));

        Assert.True(e.Epoch > 1 || e.Batch > 0, $"diverged at the start ({e.Message}): nothing to replay");
        Assert.Equal(lastWeights, network.Parameters.ToArray());
        Assert.Equal(lastState, adam.SaveState());
    }

    [Fact]
    public void Fit_DivergenceWithHalving_RecoversAndFinishes()
    {
        Dataset data = Regression();
        Network network = RegressionNetwork();
        var options = new TrainingOptions
        {
            Epochs = 40,
            BatchSize = 20,
            Seed = 1,
            LearningRate = 1e12f,
            OnDivergence = DivergencePolicy.HalveLearningRate,
            MaxLearningRateHalvings = 60,
        };
        TrainingHistory history = Fit(network, data, options);

        Assert.Equal(StopReason.Completed, history.StopReason);
        Assert.True(history.LearningRateHalvings > 0);
        Assert.True(history.Epochs[^1].LearningRate < 1e12f);
        Assert.True(System.Numerics.Tensors.TensorPrimitives.IsFiniteAll(network.Parameters));
        Assert.NotNull(history.Epochs[^1].TrainingMeanSquaredError);
        Assert.Null(history.Epochs[^1].TrainingAccuracy);
    }

    [Fact]
    public void Fit_WithOptimizerAndClipping_LearnsRegression()
    {
        Dataset data = Regression();
        Network network = RegressionNetwork();
        var options = new TrainingOptions
        {
            Epochs = 150,
            BatchSize = 10,
            Seed = 4,
            LearningRate = 0.01f,
            GradientClipNorm = 1f,
            Optimizer = new Sgd(network.Definition.ParameterCount, momentum: 0.9f, nesterov: true),
            Schedule = LearningRateSchedule.Cosine(0.02f, 150),
        };
        TrainingHistory history = Fit(network, data, options);
        Assert.True(history.Epochs[^1].TrainingMeanSquaredError < 0.1 * history.Epochs[0].TrainingMeanSquaredError,
            $"MSE {history.Epochs[0].TrainingMeanSquaredError} -> {history.Epochs[^1].TrainingMeanSquaredError}");
        Evaluation evaluation = Trainer.Evaluate(network, data);
        Assert.Null(evaluation.Accuracy);
        Assert.True(evaluation.MeanSquaredError < 0.01);
    }

    [Theory]
    [InlineData(25)]
    [InlineData(1)]
    public void Fit_PlainSgdWithClipping_IsTheSgdOptimizersKernel(int batchSize)
    {
        // Plain SGD with clipping is not fused, and must update through the same kernel as the Sgd optimizer
        // (not a copy of w -= eta g of its own, which rounds differently where the tier has FMA).
        var (train, _) = DigitsSplit();
        Network plain = DigitsNetwork(), optimizer = DigitsNetwork();
        var options = new TrainingOptions { Epochs = 1, BatchSize = batchSize, Seed = 7, LearningRate = 0.05f, GradientClipNorm = 0.5f };
        Fit(plain, train, options);
        Fit(optimizer, train, options with { Optimizer = new Sgd(optimizer.Definition.ParameterCount) });
        Assert.Equal(optimizer.Parameters.ToArray(), plain.Parameters.ToArray());
    }

    [Fact]
    public void Fit_OnlineAndFullBatch_BothWork()
    {
        var (train, test) = DigitsSplit();
        Network online = DigitsNetwork();
        Fit(online, train, new TrainingOptions { Epochs = 2, BatchSize = 1, LearningRate = 0.01f });
        Assert.True(Trainer.Evaluate(online, test).Accuracy > 0.85);

        Network full = DigitsNetwork();
        TrainingHistory history = Fit(full, train, new TrainingOptions { Epochs = 5, BatchSize = int.MaxValue, Optimizer = new Rprop(full.Definition.ParameterCount) });
        Assert.True(history.Epochs[^1].TrainingLoss < history.Epochs[0].TrainingLoss);
    }

    [Fact]
    public void Fit_ReportsProgressAndCancelsCleanly()
    {
        var (train, _) = DigitsSplit();
        Network network = DigitsNetwork();
        var reports = new List<EpochReport>();
        int batches = 0;
        using var cancel = new CancellationTokenSource();
        var options = new TrainingOptions
        {
            Epochs = 5,
            BatchSize = 100,
            ValidationFraction = 0.2,
            Progress = new SynchronousProgress<EpochReport>(reports.Add),
            BatchCompleted = b => { batches++; if (b.Epoch == 3 && b.Batch == 2) cancel.Cancel(); },
        };
        TrainingHistory history = Trainer.Fit(network, train, options, cancellationToken: cancel.Token);

        Assert.Equal(StopReason.Cancelled, history.StopReason);
        Assert.Equal(2, reports.Count);
        Assert.Equal([1, 2], reports.Select(r => r.Epoch));
        Assert.All(reports, r => Assert.NotNull(r.Validation));
        Assert.True(System.Numerics.Tensors.TensorPrimitives.IsFiniteAll(network.Parameters));
        int perEpoch = (int)Math.Ceiling(train.Count * 0.8 / 100);
        Assert.Equal(2 * perEpoch + 3, batches);
    }

    [Fact]
    public void Fit_BadArguments_AreRejected()
    {
        var (train, test) = DigitsSplit();
        Network network = DigitsNetwork();
        Assert.Throws<ArgumentOutOfRangeException>("Epochs", () => Fit(network, train, new TrainingOptions { Epochs = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>("BatchSize", () => Fit(network, train, new TrainingOptions { BatchSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>("LearningRate", () => Fit(network, train, new TrainingOptions { LearningRate = float.NaN }));
        Assert.Throws<ArgumentOutOfRangeException>("ValidationFraction", () => Fit(network, train, new TrainingOptions { ValidationFraction = 1 }));
        Assert.Throws<ArgumentException>("ValidationFraction", () => Fit(network, train, new TrainingOptions { Validation = test, ValidationFraction = 0.1 }));
        Assert.Throws<ArgumentException>("options.Optimizer.ParameterCount", () => Fit(network, train, new TrainingOptions { Optimizer = new Adam(5) }));
        var wrong = new Network(63, Loss.CrossEntropy, new Dense(10, TransferFunction.Softmax));
        var e = Assert.Throws<ArgumentException>("data", () => Fit(wrong, train, new TrainingOptions()));
        Assert.Contains("64 inputs", e.Message);
        Assert.Throws<ArgumentException>("data", () => Trainer.Evaluate(wrong, test));
    }

    [Fact]
    public void Predict_FromManyThreads_MatchesSingleThreadedOutputs()
    {
        var (train, test) = DigitsSplit();
        Network network = DigitsNetwork();
        Fit(network, train, new TrainingOptions { Epochs = 2, LearningRate = 0.05f });
        var expected = new float[test.Count * 10];
        for (int i = 0; i < test.Count; i++) network.Predict(test.GetInput(i), expected.AsSpan(i * 10, 10));

        var results = new float[8][];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t =>
        {
            Workspace ws = network.CreateWorkspace();
            var mine = new float[test.Count * 10];
            for (int round = 0; round < 5; round++)
            {
                for (int k = 0; k < test.Count; k++)
                {
                    int i = (k * 7 + t * 13 + round) % test.Count;   // each thread in its own order
                    network.Predict(test.GetInput(i), mine.AsSpan(i * 10, 10), ws);
                }
            }
            results[t] = mine;
        });
        foreach (float[] r in results) Assert.Equal(expected, r);
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
