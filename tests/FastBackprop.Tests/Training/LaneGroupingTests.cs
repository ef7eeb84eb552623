using FastBackprop.Data;
using FastBackprop.Kernels;
using FastBackprop.Training;
using Xunit;
using static FastBackprop.Tests.Training.TrainingSamples;

namespace FastBackprop.Tests.Training;

/// <summary>FitMany's lane grouping (LaneGrouping): which jobs share vector lanes, in how many groups, and that a mix of
/// lock-step groups and single trainings still gives every job Fit's bits.</summary>
public class LaneGroupingTests
{
    private static Dataset Digits200 => DigitsSplit().Train.Subset([.. Enumerable.Range(0, 200)]);

    private static Network Digits(int hidden, ulong seed)
    {
        var network = new Network(64, Loss.CrossEntropy, new Dense(hidden, TransferFunction.Relu), new Dense(10, TransferFunction.Softmax));
        network.InitializeWeights(seed);
        return network;
    }

    private static Network Tiny(int hidden, ulong seed)
    {
        var network = new Network(3, Loss.HalfSquaredError, new Dense(hidden, TransferFunction.Tanh), new Dense(2, TransferFunction.Identity));
        network.InitializeWeights(seed);
        return network;
    }

    private static TrainingOptions Sgd(int batch, ulong seed, float rate = 0.05f) =>
        new() { Epochs = 2, BatchSize = batch, Seed = seed, LearningRate = rate, ValidationFraction = 0.2 };

    /// <summary>Jobs 0-9: 3-4-2 per pattern (lanes); 10-14: 3-8-2 per pattern with different rates and epochs (lanes);
    /// 15-17: 3-6-2 per pattern (too few to share); 18-21: 64-16-10 per pattern (not tiny: alone on the cores); 22-23:
    /// 3-4-2 with Adam (not a lane optimizer); 24-27: 3-8-2 in batches of 16 (lanes, a group of their own).</summary>
    private static TrainingJob[] Jobs()
    {
        Dataset data = Regression(), digits = Digits200;
        var jobs = new List<TrainingJob>();
        for (int i = 0; i < 10; i++) jobs.Add(new(Tiny(4, (ulong)i + 1), data, Sgd(1, (ulong)i + 1)));
        for (int i = 0; i < 5; i++) jobs.Add(new(Tiny(8, (ulong)i + 20), data, Sgd(1, (ulong)i + 20, 0.01f * (i + 1)) with { Epochs = 1 + (i % 3) }));
        for (int i = 0; i < 3; i++) jobs.Add(new(Tiny(6, (ulong)i + 30), data, Sgd(1, (ulong)i + 30)));
        for (int i = 0; i < 4; i++) jobs.Add(new(Digits(16, (ulong)i + 40), digits, Sgd(1, (ulong)i + 40) with { Epochs = 1 }));
        for (int i = 0; i < 2; i++)
        {
            Network adam = Tiny(4, (ulong)i + 50);
            jobs.Add(new(adam, data, Sgd(1, (ulong)i + 50, 0.001f) with { Optimizer = new Adam(adam.Definition.ParameterCount) }));
        }
        for (int i = 0; i < 4; i++) jobs.Add(new(Tiny(8, (ulong)i + 60), data, Sgd(16, (ulong)i + 60)));
        return [.. jobs];
    }

    private static PreparedJob[] Prepared(TrainingJob[] jobs) =>
        [.. jobs.Select((j, i) =>
        {
            (DatasetRows training, DatasetRows? validation) = Trainer.Prepare(j.Network, j.Data, null, j.Options);
            return new PreparedJob(i, j, training, validation);
        })];

    private static int[][] Indices(List<List<PreparedJob>> groups) => [.. groups.Select(g => g.Select(j => j.Index).ToArray())];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void Groups_ShareLanesOnlyWhereTheyPay(int threads)
    {
        int[][] groups = Indices(LaneGrouping.Groups(Prepared(Jobs()), threads));

        int perRegister = Math.Max((int)VectorTiers.Active, LaneGrouping.MinimumGroup);
        int tinyGroups = Math.Max(1, Math.Min(threads, 10 / perRegister));
        int[][] lockstep = [.. groups.Where(g => g.Length > 1)];
        int[] alone = [.. groups.Where(g => g.Length == 1).Select(g => g[0]).Order()];
        Assert.Equal([15, 16, 17, 18, 19, 20, 21, 22, 23], alone);
        Assert.Equal(tinyGroups + 2, lockstep.Length);
        Assert.Equal(Enumerable.Range(0, 10), lockstep.Take(tinyGroups).SelectMany(g => g));
        Assert.All(lockstep.Take(tinyGroups), g => Assert.InRange(g.Length, 10 / tinyGroups, (10 / tinyGroups) + 1));
        Assert.Equal(Enumerable.Range(10, 5), lockstep[tinyGroups]);
        Assert.Equal(Enumerable.Range(24, 4), lockstep[tinyGroups + 1]);
    }

    [Fact]
    public void Groups_ManyJobsOfOneShape_FillGroupsOfSixteen()
    {
        var jobs = new TrainingJob[40];
        for (int i = 0; i < jobs.Length; i++) jobs[i] = new(Tiny(4, (ulong)i + 1), Regression(), Sgd(1, (ulong)i + 1));

        int[][] groups = Indices(LaneGrouping.Groups(Prepared(jobs), threads: 1));

        Assert.Equal([14, 13, 13], groups.Select(g => g.Length));
        Assert.Equal(Enumerable.Range(0, 40), groups.SelectMany(g => g));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void FitMany_LockstepGroupsAndSingleTrainings_GiveEveryJobTheBitsOfFitAlone(int degreeOfParallelism)
    {
        string[] expected = [.. Jobs().Select(j => ManyTraining.DescribeFit(j.Network, j.Data, j.Options))];

        IReadOnlyList<TrainingOutcome> outcomes = Trainer.FitMany(Jobs(), degreeOfParallelism, TestContext.Current.CancellationToken);

        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], ManyTraining.Describe(outcomes[i]));
    }
}
