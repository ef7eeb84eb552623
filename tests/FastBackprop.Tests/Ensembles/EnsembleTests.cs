using FastBackprop.Data;
using FastBackprop.Ensembles;
using FastBackprop.IO;
using FastBackprop.Training;
using Xunit;

namespace FastBackprop.Tests.Ensembles;

/// <summary>Ensemble: members equal Fit with their seeds (bagged or not), soft and hard voting against hand-computed values,
/// evaluation from the combined outputs, and the argument checks.</summary>
public sealed class EnsembleTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EachMember_EqualsFitWithItsSeed_BitForBit(bool bootstrap)
    {
        Dataset data = EnsembleSamples.Labelled(70, 3, 5);
        NetworkDefinition definition = EnsembleSamples.Classifier(3, 0).Definition;
        TrainingOptions options = EnsembleSamples.Options(999);   // the seed is replaced by each member's
        var settings = new EnsembleOptions { Members = 3, Seed = 40, Bootstrap = bootstrap, CreateOptimizer = () => new Adam(definition.ParameterCount) };

        Ensemble ensemble = Ensemble.Train(definition, data, options, settings, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(3, ensemble.Members.Count);
        for (int m = 0; m < 3; m++)
        {
            ulong seed = 40UL + (ulong)m;
            Assert.Equal(seed, Ensemble.MemberSeed(40, m));
            var alone = new Network(definition);
            alone.InitializeWeights(seed);
            Dataset rows = bootstrap ? data.Subset(Ensemble.BootstrapRows(data.Count, seed)) : data;
            TrainingHistory history = Trainer.Fit(alone, rows, options with { Seed = seed, Optimizer = new Adam(definition.ParameterCount) }, cancellationToken: TestContext.Current.CancellationToken);
            EnsembleSamples.AssertSameTraining(alone, history, ensemble.Members[m].Network, history, $"member {m}");
        }
    }

    [Fact]
    public void BootstrapRows_DrawNOfNWithReplacement_Ascending_BySeed()
    {
        int[] rows = Ensemble.BootstrapRows(200, 7);
        Assert.Equal(200, rows.Length);
        Assert.All(rows, r => Assert.InRange(r, 0, 199));
        Assert.Equal(rows.Order(), rows);
        Assert.True(rows.Distinct().Count() < 200, "200 draws with replacement repeat some row");
        Assert.Equal(rows, Ensemble.BootstrapRows(200, 7));
        Assert.NotEqual(rows, Ensemble.BootstrapRows(200, 8));
    }

    // A member whose outputs are the constants given: zero weights, the biases the outputs (identity output layer).
    internal static Model Constant(params float[] outputs)
    {
        var network = new Network(2, Loss.HalfSquaredError, new Dense(outputs.Length, TransferFunction.Identity));
        network.GetWeights(0).Clear();
        outputs.CopyTo(network.GetBiases(0));
        return new Model(network, scaling: null);
    }

    [Fact]
    public void SoftVoting_AveragesTheMembersOutputs()
    {
        var ensemble = new Ensemble([Constant(0.1f, 0.7f, 0.2f), Constant(0.5f, 0.1f, 0.4f), Constant(0.3f, 0.1f, 0.6f)], Voting.Soft);
        var output = new float[3];
        ensemble.Predict([1f, 2f], output);
        // Summed in double in member order, divided by 3, rounded to float once.
        Assert.Equal([(float)(((double)0.1f + 0.5f + 0.3f) / 3), (float)(((double)0.7f + 0.1f + 0.1f) / 3), (float)(((double)0.2f + 0.4f + 0.6f) / 3)], output);
        Assert.Equal(2, ensemble.PredictClass([1f, 2f]));   // means 0.3, 0.3, 0.4
    }

    [Fact]
    public void HardVoting_CountsEachMembersClass_TiesToTheLowestClass()
    {
        // Classes voted: 1, 2, 2 -> class 2 with 2 of 3 votes, although soft voting would pick class 1 (mean 0.63).
        var ensemble = new Ensemble([Constant(0f, 0.9f, 0.1f), Constant(0.3f, 0.5f, 0.55f), Constant(0.2f, 0.5f, 0.6f)], Voting.Hard);
        var output = new float[3];
        ensemble.Predict([0f, 0f], output);
        Assert.Equal([0f, 1f / 3, 2f / 3], output);
        Assert.Equal(2, ensemble.PredictClass([0f, 0f]));

        // Votes 1 and 0: one each, the tie goes to class 0; a member's own tie (0.5, 0.5) votes for its first largest.
        var tie = new Ensemble([Constant(0.1f, 0.9f), Constant(0.5f, 0.5f)], Voting.Hard);
        Assert.Equal(0, tie.PredictClass([0f, 0f]));
        var output2 = new float[2];
        tie.Predict([0f, 0f], output2);
        Assert.Equal([0.5f, 0.5f], output2);
    }

    [Fact]
    public void Evaluate_ScoresTheCombinedOutputs()
    {
        // Two rows labelled 2 and 1: soft means (0.3, 0.3, 0.4) predict class 2 for both rows, so accuracy 1/2.
        var data = new Dataset(new float[4], 2, [2, 1], 3);
        var soft = new Ensemble([Constant(0.1f, 0.7f, 0.2f), Constant(0.5f, 0.1f, 0.4f), Constant(0.3f, 0.1f, 0.6f)], Voting.Soft);
        EnsembleEvaluation e = soft.Evaluate(data);
        Assert.Equal(0.5, e.Accuracy);
        Assert.Null(e.MeanSquaredError);
        Assert.Equal(3, e.Members.Count);
        Assert.Equal(e.Members.Average(m => m.Loss), e.MeanMemberLoss, 15);

        // Regression: one row with targets (1, 2); members (0, 2) and (1, 3) average (0.5, 2.5): MSE (0.25 + 0.25) / 2.
        var regression = new Dataset(new float[2], 2, [1f, 2f], 2);
        EnsembleEvaluation r = new Ensemble([Constant(0f, 2f), Constant(1f, 3f)], Voting.Soft).Evaluate(regression);
        Assert.Equal(0.25, r.MeanSquaredError);
        Assert.Null(r.Accuracy);
    }

    [Fact]
    public void BadMembersOrSettings_AreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => new Ensemble([], Voting.Soft));
        Assert.Contains("expected 1 to 1024", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Ensemble([Constant(1f, 2f), Constant(1f, 2f, 3f)], Voting.Soft));
        Assert.Contains("members[1] has 2 inputs and 3 outputs; members[0] has 2 and 2", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Ensemble([Constant(1f)], Voting.Hard));
        Assert.Contains("hard voting needs a class per output", e.Message);

        NetworkDefinition definition = EnsembleSamples.Regressor(1).Definition;
        Dataset regression = EnsembleSamples.Regression(20, 1);
        TrainingOptions options = EnsembleSamples.Options(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => Ensemble.Train(definition, regression, options, new EnsembleOptions { Members = 0 }, cancellationToken: TestContext.Current.CancellationToken));
        e = Assert.Throws<ArgumentException>(() => Ensemble.Train(definition, regression, options, new EnsembleOptions { Voting = Voting.Hard }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("hard voting needs class labels", e.Message);
        e = Assert.Throws<ArgumentException>(() => Ensemble.Train(definition, regression, options with { Optimizer = new Adam(definition.ParameterCount) }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("set settings.CreateOptimizer", e.Message);
    }

    [Fact]
    public void ADivergedMember_IsNamed()
    {
        NetworkDefinition definition = EnsembleSamples.Regressor(1).Definition;
        TrainingOptions options = EnsembleSamples.Options(1) with { LearningRate = 1e30f };
        var e = Assert.Throws<TrainingDivergedException>(() => Ensemble.Train(definition, EnsembleSamples.Regression(20, 1), options,
            new EnsembleOptions { Members = 2, Seed = 5 }, TestContext.Current.CancellationToken));
        Assert.StartsWith("member 0 (seed 5): ", e.Message, StringComparison.Ordinal);
    }
}
