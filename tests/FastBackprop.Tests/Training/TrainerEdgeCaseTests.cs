using FastBackprop.Data;
using FastBackprop.Training;
using Xunit;
using static FastBackprop.Tests.Training.TrainingSamples;

namespace FastBackprop.Tests.Training;

/// <summary>The library edge cases of issue 13: data a network cannot be bound to, schedules that reach 0,
/// early stopping's best weights and non-finite validation losses, divergence replaying the epoch, checks made
/// up front rather than after an epoch, and an Evaluate that starts no threads.</summary>
public sealed class TrainerEdgeCaseTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("fastbackprop-edges-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    // ---- data a network cannot be bound to ----------------------------------------------------

    [Fact]
    public void Evaluate_EmptyData_Throws()
    {
        var empty = new Dataset(ReadOnlySpan<float>.Empty, 64, ReadOnlySpan<int>.Empty, 10);
        var e = Assert.Throws<ArgumentException>("data", () => Trainer.Evaluate(DigitsNetwork(), empty));
        Assert.Contains("0 patterns", e.Message);
    }

    [Fact]
    public void Fit_EmptyValidationSet_IsRejected()
    {
        var empty = new Dataset(ReadOnlySpan<float>.Empty, 64, ReadOnlySpan<int>.Empty, 10);
        var e = Assert.Throws<ArgumentException>("options.Validation", () => Fit(DigitsNetwork(), DigitsSplit().Train, new TrainingOptions { Epochs = 1, Validation = empty }));
        Assert.Contains("0 patterns", e.Message);
    }

    [Fact]
    public void Fit_ValidationDataThatOverflowsTheNetwork_IsReportedAgainstThatData()
    {
        // Finite inputs of 3e38 drive a ReLU layer's sums to infinity; the network refuses non-finite outputs, and Fit
        // says which data set and which patterns did it (not "inputs", a name the caller never passed).
        var network = new Network(2, Loss.HalfSquaredError, new Dense(8, TransferFunction.Relu), new Dense(1, TransferFunction.Identity));
        network.InitializeWeights(2);
        var train = new Dataset([[0.1f, 0.2f], [0.3f, 0.4f]], [[0f], [1f]]);
        var far = new Dataset([[3e38f, 3e38f], [0.5f, 0.5f]], [[0f], [1f]]);
        var e = Assert.Throws<ArgumentException>("options.Validation", () => Fit(network, train, new TrainingOptions { Epochs = 1, Validation = far }));
        Assert.Contains("options.Validation, patterns 0 to 1", e.Message);
        Assert.Contains("to infinity or NaN", e.Message);
    }

    [Fact]
    public void Fit_OneClassTrainingSet_IsRejected()
    {
        // One logistic output and labels all 0: without the check it trains and reports 100% accuracy.
        var inputs = new float[] { 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f };
        var oneClass = new Dataset(inputs, 2, new int[3], classCount: 1);
        var network = new Network(2, Loss.CrossEntropy, new Dense(1, TransferFunction.Logistic));
        var e = Assert.Throws<ArgumentException>("data", () => Fit(network, oneClass, new TrainingOptions { Epochs = 2 }));
        Assert.Contains("single class", e.Message);
    }

    [Fact]
    public void Fit_OneClassValidationSet_IsRejected()
    {
        var inputs = new float[] { 0.1f, 0.2f, 0.3f, 0.4f };
        var training = new Dataset(inputs, 2, new float[] { 0f, 1f }, 1);
        var oneClass = new Dataset(inputs, 2, new int[2], classCount: 1);
        var network = new Network(2, Loss.CrossEntropy, new Dense(1, TransferFunction.Logistic));
        var e = Assert.Throws<ArgumentException>("options.Validation", () => Fit(network, training, new TrainingOptions { Epochs = 1, Validation = oneClass }));
        Assert.Contains("single class", e.Message);
    }

    // Two-input, two-output data with the given target rows.
    private static Dataset Targets(params float[][] rows) =>
        new(Enumerable.Range(0, rows.Length).Select(i => new[] { i * 0.1f, 1 - i * 0.1f }).ToArray(), rows);

    private static Network Softmax() => new(2, Loss.CrossEntropy, new Dense(3, TransferFunction.Tanh), new Dense(2, TransferFunction.Softmax));

    private static Network Logistic() => new(2, Loss.CrossEntropy, new Dense(2, TransferFunction.Logistic));

    [Fact]
    public void Fit_SoftmaxCrossEntropyTargetsNotADistribution_NamesThePattern()
    {
        Dataset data = Targets([1, 0], [0.3f, 0.7f], [0, 1], [1, 0.5f]);
        var e = Assert.Throws<ArgumentException>("data", () => Fit(Softmax(), data, new TrainingOptions { Epochs = 1 }));
        Assert.Contains("pattern 3", e.Message);
        Assert.Contains("sum to 1.5", e.Message);

        e = Assert.Throws<ArgumentException>("data", () => Fit(Softmax(), Targets([1.2f, -0.2f]), new TrainingOptions { Epochs = 1 }));
        Assert.Contains("pattern 0: target 0 is 1.2", e.Message);
    }

    [Fact]
    public void Fit_LogisticCrossEntropyTargetOutsideTheUnitInterval_NamesThePattern()
    {
        var e = Assert.Throws<ArgumentException>("data", () => Fit(Logistic(), Targets([1, 0], [0.5f, 1.5f]), new TrainingOptions { Epochs = 1 }));
        Assert.Contains("pattern 1: target 1 is 1.5", e.Message);
        e = Assert.Throws<ArgumentException>("data", () => Trainer.Evaluate(Logistic(), Targets([-0.5f, 0])));
        Assert.Contains("pattern 0: target 0 is -0.5", e.Message);
    }

    [Fact]
    public void Fit_InvalidValidationTargets_AreRejected()
    {
        var options = new TrainingOptions { Epochs = 1, Validation = Targets([0.5f, 0.4f]) };
        var e = Assert.Throws<ArgumentException>("options.Validation", () => Fit(Softmax(), Targets([1, 0], [0, 1]), options));
        Assert.Contains("pattern 0", e.Message);
    }

    [Fact]
    public void Fit_ValidCrossEntropyTargets_AreAccepted()
    {
        // Soft targets, a sum within the stated tolerance, and logistic targets that need not sum to 1.
        Fit(Softmax(), Targets([1, 0], [0.25f, 0.75f], [0.5f, 0.50005f]), new TrainingOptions { Epochs = 1 });
        Fit(Logistic(), Targets([1, 1], [0, 0], [0.2f, 0.9f]), new TrainingOptions { Epochs = 1 });
        var squared = new Network(2, Loss.HalfSquaredError, new Dense(2, TransferFunction.Identity));
        Fit(squared, Targets([3, -4]), new TrainingOptions { Epochs = 1 });   // squared error: any target
    }

    // ---- learning rates that reach 0 ----------------------------------------------------------

    [Theory]
    [InlineData(32, 0f)]    // fused plain SGD
    [InlineData(1, 0f)]     // per-pattern plain SGD
    [InlineData(32, 1f)]    // plain SGD with clipping
    public void Fit_ScheduleReachingZero_TrainsAndChangesNothingAtRateZero(int batchSize, float clip)
    {
        Dataset data = Regression();
        TrainingOptions Options(int epochs) => new()
        {
            Epochs = epochs,
            BatchSize = batchSize,
            Seed = 3,
            GradientClipNorm = clip,
            Schedule = LearningRateSchedule.Cosine(0.05f, 2),
        };
        Network two = RegressionNetwork(), four = RegressionNetwork();
        Fit(two, data, Options(2));
        TrainingHistory history = Fit(four, data, Options(4));

        Assert.Equal(StopReason.Completed, history.StopReason);
        Assert.Equal([0.05f, 0.025f, 0f, 0f], history.Epochs.Select(e => e.LearningRate));
        Assert.Equal(two.Parameters.ToArray(), four.Parameters.ToArray());   // epochs 3 and 4 changed nothing
        // The same weights measure the same loss (up to the rounding of another shuffle's batch sums).
        Assert.Equal(history.Epochs[2].TrainingLoss, history.Epochs[3].TrainingLoss, 1e-6);
    }

    [Fact]
    public void Fit_ScheduleGivingNaN_IsRejectedNamingTheSchedule()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>("options.Schedule",
            () => Fit(RegressionNetwork(), Regression(), new TrainingOptions { Epochs = 3, Schedule = new BrokenSchedule() }));
        Assert.Contains("epoch 1", e.Message);
    }

    private sealed class BrokenSchedule : LearningRateSchedule
    {
        public override float Rate(int epoch) => epoch == 0 ? 0.01f : float.NaN;
    }

    // ---- early stopping ---------------------------------------------------------------------------

    [Fact]
    public void Fit_PatienceWithAllEpochsRun_RestoresTheBestEpoch()
    {
        var (train, test) = DigitsSplit();
        // As in Fit_EarlyStopping_RestoresTheBestEpoch: the validation loss is lowest at epoch 7 of 9; a patience of
        // 5 lets all 9 run.
        TrainingOptions Options(Network n, int patience) => new()
        {
            Epochs = 9,
            BatchSize = 16,
            Seed = 3,
            Validation = test,
            EarlyStoppingPatience = patience,
            Optimizer = new Adam(n.Definition.ParameterCount),
            LearningRate = 0.02f,
        };
        Network network = DigitsNetwork();
        TrainingHistory history = Fit(network, train, Options(network, 5));

        Assert.Equal(StopReason.Completed, history.StopReason);
        Assert.True(history.BestEpoch < 9, $"the best epoch is {history.BestEpoch}; this test needs one before the last");
        Assert.Equal(FinalWeights.BestEpoch, history.Weights);
        Assert.Equal(history.Epochs[history.BestEpoch - 1].Validation!.Loss, Trainer.Evaluate(network, test).Loss, 12);

        // Without a patience the best epoch is restored too when there is validation data (issue 9: RestoreBestWeights,
        // default on); turning it off keeps the last weights, as patience 0 did before.
        Network without = DigitsNetwork();
        TrainingHistory plain = Fit(without, train, Options(without, 0) with { RestoreBestWeights = false });
        Assert.Equal(FinalWeights.LastBatch, plain.Weights);
        Assert.Equal(plain.Epochs[^1].Validation!.Loss, Trainer.Evaluate(without, test).Loss, 12);
    }

    // 1-1, identity, weight 1 and bias 0, trained at rate 0 so that they stay: the validation input 1e30 gives the
    // finite output 1e30, whose squared error overflows, so the validation loss is +∞ while every weight and output
    // is finite. (A NaN or infinite output is refused by the network itself, as an ArgumentException; a NaN loss
    // would go the same way as +∞ here, since it is never below the best either.)
    [Fact]
    public void Fit_InfiniteValidationLoss_IsNeverTheBestAndRestoresNothing()
    {
        var network = new Network(1, Loss.HalfSquaredError, new Dense(1, TransferFunction.Identity));
        float[] before = [1f, 0f];
        before.CopyTo(network.Parameters);
        var training = new Dataset(new float[][] { [0.1f], [0.3f] }, new float[][] { [0.5f], [0.1f] });
        var validation = new Dataset(new float[][] { [1e30f] }, new float[][] { [0f] });
        var options = new TrainingOptions { Epochs = 5, BatchSize = 2, Schedule = LearningRateSchedule.Constant(0f), Validation = validation, EarlyStoppingPatience = 2 };

        TrainingHistory history = Fit(network, training, options);

        Assert.Equal(double.PositiveInfinity, history.Epochs[0].Validation!.Loss);
        Assert.Equal(StopReason.EarlyStopped, history.StopReason);   // two epochs without a (finite) improvement
        Assert.Equal(2, history.Epochs.Count);
        Assert.Equal(0, history.BestEpoch);
        Assert.Equal(FinalWeights.LastBatch, history.Weights);      // nothing was saved, so nothing was restored
        Assert.Equal(before, network.Parameters.ToArray());
    }

    // ---- divergence ---------------------------------------------------------------------------------

    [Fact]
    public void Fit_DivergenceWithHalving_ReplaysTheEpochFromItsFirstBatch()
    {
        var batches = new List<(int Epoch, int Batch)>();
        var options = new TrainingOptions
        {
            Epochs = 3,
            BatchSize = 20,
            Seed = 1,
            LearningRate = 1e12f,
            OnDivergence = DivergencePolicy.HalveLearningRate,
            MaxLearningRateHalvings = 60,
            BatchCompleted = b => batches.Add((b.Epoch, b.Batch)),
        };
        TrainingHistory history = Fit(RegressionNetwork(), Regression(), options);

        Assert.True(history.LearningRateHalvings > 0);
        // Each halving went back to batch 0 of its epoch: within an epoch the batch numbers restart at 0 more than once.
        int restarts = batches.Where((b, i) => i > 0 && b.Batch == 0 && batches[i - 1].Epoch == b.Epoch).Count();
        Assert.True(restarts > 0, "no epoch was replayed from its first batch");
        Assert.All(batches.Where((b, i) => i > 0 && batches[i - 1].Epoch == b.Epoch && b.Batch != batches[i - 1].Batch + 1), b => Assert.Equal(0, b.Batch));
    }

    // ---- checks made up front ---------------------------------------------------------------------

    [Fact]
    public void Fit_CheckpointInAMissingFolder_IsRejectedBeforeTheFirstEpoch()
    {
        int batches = 0;
        string missing = Path.Combine(folder, "no-such-folder", "run.ckpt");
        var options = new TrainingOptions { Epochs = 2, CheckpointPath = missing, BatchCompleted = _ => batches++ };
        var e = Assert.Throws<ArgumentException>("CheckpointPath", () => Fit(RegressionNetwork(), Regression(), options));
        Assert.Contains("does not exist", e.Message);
        Assert.Equal(0, batches);

        e = Assert.Throws<ArgumentException>("CheckpointPath", () => Fit(RegressionNetwork(), Regression(), options with { CheckpointPath = folder }));
        Assert.Contains("is a folder", e.Message);
        Assert.Equal(0, batches);
    }

    // ---- Evaluate starts no threads -----------------------------------------------------------------

    [Fact]
    public void Evaluate_RunsOnTheCallingThreadAlone_AndAWorkspaceWithThreadsGivesTheSameResult()
    {
        var (_, test) = DigitsSplit();
        Network network = DigitsNetwork();
        int pools = WorkerPool.CreatedOnThisThread;
        Evaluation single = Trainer.Evaluate(network, test);
        Assert.Equal(pools, WorkerPool.CreatedOnThisThread);

        using BatchWorkspace threads = network.CreateBatchWorkspace(256, degreeOfParallelism: 2);   // Evaluate's batch size
        Evaluation reused = Trainer.Evaluate(network, test, threads);
        Evaluation again = Trainer.Evaluate(network, test, threads);
        Assert.Equal(single.Loss, reused.Loss);
        Assert.Equal(single.Accuracy, reused.Accuracy);
        Assert.Equal(single.ConfusionMatrix, reused.ConfusionMatrix);
        Assert.Equal(reused.Loss, again.Loss);
    }

    // ---- many classes: per-class counts, no class-count-squared matrix ---------------------------------

    [Fact]
    public void Evaluate_ManyClasses_KeepsPerClassCountsWithoutTheSquareMatrix()
    {
        // A label of 65535 makes 65,536 classes: the dense matrix would be 16 GiB (the CLI ran out of memory).
        const int classes = 65_536;
        var network = new Network(2, Loss.CrossEntropy, new Dense(classes, TransferFunction.Softmax));
        network.InitializeWeights(5);
        float[][] inputs = [[0.5f, -1f], [1f, 0.25f], [-0.5f, 2f]];
        var data = new Dataset(inputs, [3, classes - 1, 3], classes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Evaluation evaluation = Trainer.Evaluate(network, data);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64L << 20, "Evaluate allocated more than 64 MiB");
        Assert.Null(evaluation.ConfusionMatrix);
        Assert.Equal(classes, evaluation.ClassCount);
        Assert.Equal(2, evaluation.Support(3));
        Assert.Equal(1, evaluation.Support(classes - 1));
        Assert.Equal(0, evaluation.Support(7));
        var outputs = new float[classes];
        int correct = 0, predictedThree = 0, rightThree = 0;
        for (int p = 0; p < inputs.Length; p++)
        {
            network.Predict(inputs[p], outputs);
            int predicted = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(outputs);
            int label = data.GetLabels(p, 1)[0];
            if (predicted == label) correct++;
            if (predicted == 3) predictedThree++;
            if (predicted == 3 && label == 3) rightThree++;
        }
        Assert.Equal(correct / 3.0, evaluation.Accuracy);
        Assert.Equal(rightThree / 2.0, evaluation.Recall(3));
        Assert.Equal(predictedThree == 0 ? double.NaN : (double)rightThree / predictedThree, evaluation.Precision(3));
        Assert.Throws<ArgumentOutOfRangeException>("c", () => evaluation.Recall(classes));
    }

    [Fact]
    public void Evaluate_FewClasses_MatrixAgreesWithThePerClassCounts()
    {
        var (_, test) = DigitsSplit();
        Evaluation e = Trainer.Evaluate(DigitsNetwork(), test);
        int[,] m = e.ConfusionMatrix!;
        for (int c = 0; c < e.ClassCount; c++)
        {
            int actual = 0, predicted = 0;
            for (int k = 0; k < e.ClassCount; k++)
            {
                actual += m[c, k];
                predicted += m[k, c];
            }
            Assert.Equal(actual, e.Support(c));
            Assert.Equal(actual == 0 ? double.NaN : (double)m[c, c] / actual, e.Recall(c));
            Assert.Equal(predicted == 0 ? double.NaN : (double)m[c, c] / predicted, e.Precision(c));
        }
    }
}
