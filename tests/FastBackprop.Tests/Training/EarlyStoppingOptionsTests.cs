using FastBackprop.Data;
using FastBackprop.Training;
using Xunit;
using static FastBackprop.Tests.Training.TrainingSamples;

namespace FastBackprop.Tests.Training;

/// <summary>Early stopping's options (issue 9): the best weights restored by default when there is validation data, with
/// or without a patience; RestoreBestWeights off; the minimum improvement; accuracy as the monitored figure; the
/// stratified validation split; and their errors.</summary>
public sealed class EarlyStoppingOptionsTests
{
    // Adam at a rate too large for the digits: the validation loss is lowest at an epoch before the last of 9
    // (TrainerEdgeCaseTests.Fit_PatienceWithAllEpochsRun_RestoresTheBestEpoch pins the same run).
    private static TrainingOptions Options(Network n) => new()
    {
        Epochs = 9,
        BatchSize = 16,
        Seed = 3,
        Validation = DigitsSplit().Test,
        Optimizer = new Adam(n.Definition.ParameterCount),
        LearningRate = 0.02f,
    };

    [Fact]
    public void Fit_WithValidationAndNoPatience_RestoresTheBestEpochByDefault()
    {
        Network network = DigitsNetwork();
        TrainingHistory history = Fit(network, DigitsSplit().Train, Options(network));

        Assert.Equal((StopReason.Completed, 9), (history.StopReason, history.Epochs.Count));
        Assert.True(history.BestEpoch < 9, $"the best epoch is {history.BestEpoch}; this test needs one before the last");
        double best = history.Epochs.Min(e => e.Validation!.Loss);
        Assert.Equal(best, history.Epochs[history.BestEpoch - 1].Validation!.Loss);
        Assert.Equal(FinalWeights.BestEpoch, history.Weights);
        Assert.Equal(best, Trainer.Evaluate(network, DigitsSplit().Test).Loss, 12);
    }

    [Fact]
    public void Fit_RestoreBestWeightsOff_KeepsTheLastWeights_AndStopsEarlyAllTheSame()
    {
        Network last = DigitsNetwork();
        TrainingHistory history = Fit(last, DigitsSplit().Train, Options(last) with { RestoreBestWeights = false });
        Assert.Equal(FinalWeights.LastBatch, history.Weights);
        Assert.Equal(history.Epochs[^1].Validation!.Loss, Trainer.Evaluate(last, DigitsSplit().Test).Loss, 12);

        Network patient = DigitsNetwork();
        TrainingHistory stopped = Fit(patient, DigitsSplit().Train, Options(patient) with { Epochs = 60, EarlyStoppingPatience = 2, RestoreBestWeights = false });
        Assert.Equal((StopReason.EarlyStopped, FinalWeights.LastBatch), (stopped.StopReason, stopped.Weights));
        Assert.Equal(stopped.BestEpoch + 2, stopped.Epochs.Count);
        Assert.Equal(stopped.Epochs[^1].Validation!.Loss, Trainer.Evaluate(patient, DigitsSplit().Test).Loss, 12);
    }

    [Fact]
    public void Fit_WithoutValidationOrPatience_KeepsTheLastWeights()
    {
        // The training loss of an epoch is measured while the weights change: without validation data and without a
        // patience nothing is restored (and nothing copied), as before.
        Network network = RegressionNetwork();
        TrainingHistory history = Fit(network, Regression(), new TrainingOptions { Epochs = 3, BatchSize = 20, Seed = 1 });
        Assert.Equal(FinalWeights.LastBatch, history.Weights);
    }

    [Fact]
    public void Fit_MinDelta_CountsOnlyImprovementsByMoreThanIt()
    {
        // A constant rate of 0: every epoch has the same validation loss, so only the first is an improvement (on +∞)
        // and a patience of 2 stops after epoch 3; with a min delta larger than any loss, likewise.
        Network network = RegressionNetwork();
        Dataset data = Regression();
        var options = new TrainingOptions { Epochs = 10, BatchSize = 50, Schedule = LearningRateSchedule.Constant(0f), ValidationFraction = 0.2, EarlyStoppingPatience = 2 };
        TrainingHistory flat = Fit(network, data, options);
        Assert.Equal((StopReason.EarlyStopped, 3, 1), (flat.StopReason, flat.Epochs.Count, flat.BestEpoch));

        // Training with a real rate improves the loss by a little each epoch; a min delta above every such gain makes
        // epoch 2 not count (patience 1, so that no two gains add up): best epoch 1, stopped after epoch 2.
        Network trained = RegressionNetwork();
        var moving = options with { Schedule = null, LearningRate = 0.05f, EarlyStoppingPatience = 1 };
        TrainingHistory plain = Fit(trained, data, moving);
        double firstGain = plain.Epochs[0].Validation!.Loss - plain.Epochs[1].Validation!.Loss;
        Assert.True(plain.BestEpoch > 1 && firstGain > 0, "the reference run must improve after its first epoch");
        double largest = plain.Epochs.Zip(plain.Epochs.Skip(1), (a, b) => a.Validation!.Loss - b.Validation!.Loss).Max();
        Network strict = RegressionNetwork();
        TrainingHistory demanding = Fit(strict, data, moving with { EarlyStoppingMinDelta = largest * 1.01 });
        Assert.Equal((StopReason.EarlyStopped, 1, 2), (demanding.StopReason, demanding.BestEpoch, demanding.Epochs.Count));
        Assert.Equal(demanding.Epochs[0].Validation!.Loss, Trainer.Evaluate(strict, data.Split(0.2, 0x5EED5EED5EED5EEDUL).First).Loss, 12);
    }

    [Fact]
    public void Fit_MonitoringAccuracy_RestoresTheEpochOfTheHighestValidationAccuracy()
    {
        Network network = DigitsNetwork();
        TrainingHistory history = Fit(network, DigitsSplit().Train, Options(network) with { Monitor = MonitoredMetric.Accuracy });

        double best = history.Epochs.Max(e => e.Validation!.Accuracy!.Value);
        int first = history.Epochs.First(e => e.Validation!.Accuracy == best).Epoch;   // later ties are not improvements
        Assert.Equal(first, history.BestEpoch);
        Assert.Equal(best, Trainer.Evaluate(network, DigitsSplit().Test).Accuracy);
    }

    [Fact]
    public void Fit_MonitoringAccuracyOfRegressionData_IsRejected()
    {
        var e = Assert.Throws<ArgumentException>("Monitor", () => Fit(RegressionNetwork(), Regression(), new TrainingOptions { Epochs = 1, Monitor = MonitoredMetric.Accuracy }));
        Assert.Contains("needs class labels", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>("Monitor", () => Fit(RegressionNetwork(), Regression(), new TrainingOptions { Epochs = 1, Monitor = (MonitoredMetric)5 }));
        Assert.Throws<ArgumentOutOfRangeException>("EarlyStoppingMinDelta", () => Fit(RegressionNetwork(), Regression(), new TrainingOptions { Epochs = 1, EarlyStoppingMinDelta = -1e-3 }));
        Assert.Throws<ArgumentOutOfRangeException>("EarlyStoppingMinDelta", () => Fit(RegressionNetwork(), Regression(), new TrainingOptions { Epochs = 1, EarlyStoppingMinDelta = double.NaN }));
        e = Assert.Throws<ArgumentException>("StratifiedValidation", () => Fit(RegressionNetwork(), Regression(), new TrainingOptions { Epochs = 1, ValidationFraction = 0.2, StratifiedValidation = true }));
        Assert.Contains("needs class labels", e.Message);
    }

    [Fact]
    public void Fit_StratifiedValidation_ValidatesOnTheStratifiedSplitsPart()
    {
        Dataset train = DigitsSplit().Train;
        Network network = DigitsNetwork();
        var options = new TrainingOptions { Epochs = 1, BatchSize = 32, Seed = 4, ValidationFraction = 0.1, StratifiedValidation = true };
        TrainingHistory history = Fit(network, train, options);

        // The held-out part is Dataset.StratifiedSplit's with the trainer's seed, evaluated after the epoch.
        (Dataset held, _) = train.StratifiedSplit(0.1, 4 ^ 0x5EED5EED5EED5EEDUL);
        Evaluation validated = history.Epochs[0].Validation!;
        Assert.Equal(held.Count, validated.Count);
        Assert.Equal(Trainer.Evaluate(network, held).Loss, validated.Loss, 12);
    }
}
