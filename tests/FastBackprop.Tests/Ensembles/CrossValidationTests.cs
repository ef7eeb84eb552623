using FastBackprop.Data;
using FastBackprop.Ensembles;
using FastBackprop.IO;
using FastBackprop.Tests.Support;
using FastBackprop.Training;
using Xunit;

namespace FastBackprop.Tests.Ensembles;

/// <summary>CrossValidation.Run: each fold's training is Fit on the other folds' rows, bit for bit (with per-fold scalings
/// too), the evaluations are the fold models' on their held-out rows, the summaries are mean and population sd, and bad
/// arguments are refused with messages that name them.</summary>
public sealed class CrossValidationTests
{
    [Fact]
    public void EachFold_EqualsFitOnTheOtherFolds_BitForBit()
    {
        Dataset data = EnsembleSamples.Labelled(90, 3, 11);
        Network network = EnsembleSamples.Classifier(3, 5);
        float[] initial = network.Parameters.ToArray();
        TrainingOptions options = EnsembleSamples.Options(7);
        var settings = new CrossValidationOptions { Folds = 4, Seed = 3, CreateOptimizer = EnsembleSamples.Adams(network) };

        CrossValidationResult result = CrossValidation.Run(network, data, options, settings, cancellationToken: TestContext.Current.CancellationToken);

        Canonical.AssertSameBits(initial, network.Parameters, "the caller's network");
        Assert.True(result.Stratified);
        int[][] folds = CrossValidation.Folds(data, 4, 3, stratify: true);
        for (int f = 0; f < 4; f++)
        {
            FoldResult fold = result.Folds[f];
            Assert.Equal(folds[f], fold.TestRows);
            int[] training = [.. Enumerable.Range(0, data.Count).Where(r => !folds[f].Contains(r))];
            Assert.Equal(training, fold.TrainingRows);

            var alone = new Network(network.Definition);
            initial.CopyTo(alone.Parameters);
            TrainingHistory history = Trainer.Fit(alone, data.Subset(training), options with { Optimizer = new Adam(alone.Definition.ParameterCount) }, cancellationToken: TestContext.Current.CancellationToken);
            EnsembleSamples.AssertSameTraining(alone, history, fold.Model.Network, fold.History, $"fold {f}");
            Evaluation expected = Trainer.Evaluate(alone, data.Subset(folds[f]));
            Assert.Equal((expected.Loss, expected.Accuracy, expected.Count), (fold.Evaluation!.Loss, fold.Evaluation.Accuracy, fold.Evaluation.Count));
        }
    }

    [Fact]
    public void CreateSchedule_IsGivenTheRowsEachFoldTrainsOn_AndEachFoldTrainsAsFitWithThatSchedule()
    {
        // 90 rows in 4 plain folds of 23, 23, 22, 22: training sets of 67, 67, 68, 68 rows, less round(0.1 n) = 7 held out
        // for validation, so 60, 60, 61, 61 rows: 15 and 16 batches of 4 per epoch, and a step-counted schedule sized
        // for one fold's run is too short or too long for the other's.
        Dataset data = EnsembleSamples.Labelled(90, 3, 11);
        Network network = EnsembleSamples.Classifier(3, 5);
        TrainingOptions options = EnsembleSamples.Options(7) with { BatchSize = 4, ValidationFraction = 0.1, ScheduleUnit = ScheduleUnit.Step };
        OneCycleSchedule Schedule(int rows) => new(0.05f, options.Epochs * ((rows + 3) / 4));
        var asked = new List<int>();
        var settings = new CrossValidationOptions
        {
            Folds = 4,
            Seed = 3,
            Stratify = false,
            CreateSchedule = rows =>
            {
                asked.Add(rows);
                return Schedule(rows);
            },
        };

        CrossValidationResult result = CrossValidation.Run(network, data, options, settings, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal([60, 60, 61, 61], asked);
        foreach (FoldResult fold in result.Folds)
        {
            var alone = new Network(network.Definition);
            network.Parameters.CopyTo(alone.Parameters);
            TrainingHistory history = Trainer.Fit(alone, data.Subset([.. fold.TrainingRows]), options with { Schedule = Schedule(asked[fold.Fold]) },
                cancellationToken: TestContext.Current.CancellationToken);
            EnsembleSamples.AssertSameTraining(alone, history, fold.Model.Network, fold.History, $"fold {fold.Fold}");
        }
    }

    [Fact]
    public void PerFoldScalings_AreFittedOnTheTrainingRowsOnly_AndTrainAsFitWould()
    {
        Dataset data = EnsembleSamples.Regression(50, 2);
        Network network = EnsembleSamples.Regressor(8);
        TrainingOptions options = EnsembleSamples.Options(1);
        var settings = new CrossValidationOptions
        {
            Folds = 3,
            Seed = 5,
            InputScaling = InputScalingKind.Standardization,
            StandardizeTargets = true,
            CreateOptimizer = EnsembleSamples.Adams(network),
        };

        CrossValidationResult result = CrossValidation.Run(network, data, options, settings, cancellationToken: TestContext.Current.CancellationToken);

        Assert.False(result.Stratified);
        Assert.Null(result.Accuracy);
        foreach (FoldResult fold in result.Folds)
        {
            Dataset training = data.Subset([.. fold.TrainingRows]);
            InputScaling scaling = InputScaling.Fit(training, InputScalingKind.Standardization);
            Dataset scaled = scaling.Apply(training);
            TargetScaling targets = TargetScaling.Fit(scaled);
            var alone = new Network(network.Definition);
            network.Parameters.CopyTo(alone.Parameters);
            TrainingHistory history = Trainer.Fit(alone, targets.Apply(scaled), options with { Optimizer = new Adam(alone.Definition.ParameterCount) }, cancellationToken: TestContext.Current.CancellationToken);

            EnsembleSamples.AssertSameTraining(alone, history, fold.Model.Network, fold.History, $"fold {fold.Fold}");
            Canonical.AssertSameBits(scaling.Offset, fold.Model.Scaling!.Offset, "input offsets");
            Canonical.AssertSameBits(targets.Mean, fold.Model.TargetScaling!.Mean, "target means");
            Evaluation expected = new Model(alone, scaling) { TargetScaling = targets }.Evaluate(data.Subset([.. fold.TestRows]));
            Assert.Equal(expected.MeanSquaredError, fold.Evaluation!.MeanSquaredError);
        }
    }

    [Fact]
    public void Summaries_AreTheMeanAndSampleStandardDeviationOfTheFolds()
    {
        Dataset data = EnsembleSamples.Labelled(60, 2, 3);
        Network network = EnsembleSamples.Classifier(2, 1);
        CrossValidationResult result = CrossValidation.Run(network, data, EnsembleSamples.Options(2), new CrossValidationOptions { Folds = 3 }, cancellationToken: TestContext.Current.CancellationToken);

        double[] accuracy = [.. result.Folds.Select(f => f.Evaluation!.Accuracy!.Value)];
        double mean = (accuracy[0] + accuracy[1] + accuracy[2]) / 3;
        double sd = Math.Sqrt(((accuracy[0] - mean) * (accuracy[0] - mean) + (accuracy[1] - mean) * (accuracy[1] - mean) + (accuracy[2] - mean) * (accuracy[2] - mean)) / 3);
        Assert.Equal(mean, result.Accuracy!.Value.Mean, 15);
        Assert.Equal(sd, result.Accuracy.Value.StandardDeviation, 15);
        Assert.Null(result.MeanSquaredError);
    }

    [Fact]
    public void MetricSummary_IsTheMeanAndPopulationStandardDeviation()
    {
        MetricSummary s = MetricSummary.Of([1.0, 2.0, 3.0, 4.0]);
        Assert.Equal(2.5, s.Mean);
        Assert.Equal(Math.Sqrt(1.25), s.StandardDeviation);
        Assert.Equal(0, MetricSummary.Of([0.3]).StandardDeviation);
        Assert.True(double.IsNaN(MetricSummary.Of([1.0, double.NaN]).Mean));
        Assert.Throws<ArgumentException>(() => MetricSummary.Of([]));
    }

    [Fact]
    public void SameSeeds_GiveTheSameResults()
    {
        Dataset data = EnsembleSamples.Labelled(40, 2, 9);
        Network network = EnsembleSamples.Classifier(2, 4);
        var settings = new CrossValidationOptions { Folds = 2, Seed = 6, CreateOptimizer = EnsembleSamples.Adams(network) };
        CrossValidationResult a = CrossValidation.Run(network, data, EnsembleSamples.Options(1), settings, cancellationToken: TestContext.Current.CancellationToken);
        CrossValidationResult b = CrossValidation.Run(network, data, EnsembleSamples.Options(1), settings with { DegreeOfParallelism = 1 }, cancellationToken: TestContext.Current.CancellationToken);
        for (int f = 0; f < 2; f++) EnsembleSamples.AssertSameTraining(a.Folds[f].Model.Network, a.Folds[f].History!, b.Folds[f].Model.Network, b.Folds[f].History, $"fold {f}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    [InlineData(-3)]
    [InlineData(31)]
    public void FoldsOutOfRange_AreRefused(int folds)
    {
        Dataset data = EnsembleSamples.Regression(30, 1);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => CrossValidation.Folds(data, folds, 0, stratify: false));
        Assert.Equal("folds", e.ParamName);
        Assert.Contains($"folds is {folds}; expected 2 to the data's 30 rows", e.Message);
    }

    [Fact]
    public void StratifiedFolds_NeedLabels_AndAClassWithARowInEveryFold()
    {
        var e = Assert.Throws<ArgumentException>(() => CrossValidation.Folds(EnsembleSamples.Regression(30, 1), 3, 0, stratify: true));
        Assert.Contains("need class labels", e.Message);

        // Labels 0,0,0,1,1,2: the largest class has 3 rows, so 4 stratified folds are refused (as StratifiedKFold does).
        var data = new Dataset(new float[6], 1, [0, 0, 0, 1, 1, 2], 3);
        e = Assert.Throws<ArgumentException>(() => CrossValidation.Folds(data, 4, 0, stratify: true));
        Assert.Contains("folds is 4, but no class has that many rows (the largest has 3)", e.Message);
    }

    [Fact]
    public void AClassWithFewerRowsThanFolds_IsAWarning()
    {
        Dataset data = EnsembleSamples.Labelled(40, 3, 2);
        int[] labels = [.. data.Labels];
        labels[Array.IndexOf(labels, 2)] = 0;
        while (labels.Count(l => l == 2) > 2) labels[Array.IndexOf(labels, 2)] = 1;
        var few = new Dataset(data.Inputs, 4, labels, 3);
        CrossValidationResult result = CrossValidation.Run(EnsembleSamples.Classifier(3, 1), few, EnsembleSamples.Options(1), new CrossValidationOptions { Folds = 4 }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains(result.Warnings, w => w.Contains("class 2 has only 2 rows, fewer than the 4 folds", StringComparison.Ordinal));
    }

    [Fact]
    public void ASharedOptimizerOrACheckpoint_IsRefused()
    {
        Dataset data = EnsembleSamples.Labelled(30, 2, 1);
        Network network = EnsembleSamples.Classifier(2, 1);
        TrainingOptions options = EnsembleSamples.Options(1);
        var e = Assert.Throws<ArgumentException>(() => CrossValidation.Run(network, data, options with { Optimizer = new Adam(network.Definition.ParameterCount) }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("set settings.CreateOptimizer", e.Message);
        e = Assert.Throws<ArgumentException>(() => CrossValidation.Run(network, data, options with { CheckpointPath = "x.ckpt" }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("CheckpointPath", e.Message);
        e = Assert.Throws<ArgumentException>(() => CrossValidation.Run(network, data, options, new CrossValidationOptions { StandardizeTargets = true }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("class labels", e.Message);
    }

    [Fact]
    public void ADivergedFold_HasNoEvaluation_AndMakesTheSummaryNaN_AsErrorScoreNan()
    {
        Dataset data = EnsembleSamples.Regression(30, 3);
        TrainingOptions options = EnsembleSamples.Options(1) with { LearningRate = 1e30f };
        CrossValidationResult result = CrossValidation.Run(EnsembleSamples.Regressor(2), data, options, new CrossValidationOptions { Folds = 3 },
            TestContext.Current.CancellationToken);
        Assert.All(result.Folds, f => Assert.IsType<TrainingDivergedException>(f.Failure));
        Assert.All(result.Folds, f => Assert.Null(f.Evaluation));
        Assert.True(double.IsNaN(result.Loss.Mean));
        Assert.True(double.IsNaN(result.MeanSquaredError!.Value.StandardDeviation));
    }
}
