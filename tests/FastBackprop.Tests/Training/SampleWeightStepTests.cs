using FastBackprop.Data;
using FastBackprop.Tests.NetworkTests;
using FastBackprop.Tests.Support;
using FastBackprop.Training;
using Xunit;

namespace FastBackprop.Tests.Training;

/// <summary>Weighted steps on any thread count give the same bits, and allocate nothing per step. In the threading
/// collection (run alone): it cuts every phase among the pieces, however small (ThreadTeam.SplitEverything).</summary>
[Collection(nameof(ThreadingTests))]
public class SampleWeightStepTests
{
    private static Dataset Data(int count, Loss loss)
    {
        var random = new SeededRandom(21);
        var x = new float[count * 300];
        for (int i = 0; i < x.Length; i++) x[i] = random.NextSymmetric(1f);
        var w = new float[count];
        for (int p = 0; p < count; p++) w[p] = p % 5 * 0.75f;   // zeros among them
        if (loss == Loss.CrossEntropy) return new Dataset(x, 300, [.. Enumerable.Range(0, count).Select(p => p % 10)], 10).WithWeights(w);
        var d = new float[count * 10];
        for (int i = 0; i < d.Length; i++) d[i] = random.NextSymmetric(1f);
        return new Dataset(x, 300, d, 10).WithWeights(w);
    }

    private static Network Wide(Loss loss)
    {
        var network = new Network(300, loss, new Dense(200, TransferFunction.Relu), new Dense(120, TransferFunction.Tanh),
            new Dense(10, loss == Loss.CrossEntropy ? TransferFunction.Softmax : TransferFunction.Identity));
        network.InitializeWeights(17);
        return network;
    }

    [Theory]
    [InlineData("hse", false)]
    [InlineData("hse", true)]
    [InlineData("ce", false)]
    [InlineData("ce", true)]
    public void WeightedFit_AnyThreadCount_GivesBitIdenticalWeights(string lossName, bool adam)
    {
        Loss loss = Loss.FromName(lossName);
        Dataset data = Data(200, loss);
        float[] Run(int threads)
        {
            Network network = Wide(loss);
            TrainingHistory h = Trainer.Fit(network, data, new TrainingOptions
            {
                Epochs = 2,
                BatchSize = 96,
                Seed = 4,
                DegreeOfParallelism = threads,
                ValidationFraction = 0.2,
                LearningRate = adam ? 1e-3f : 0.02f,
                Optimizer = adam ? new Adam(network.Definition.ParameterCount) : null,
            }, cancellationToken: TestContext.Current.CancellationToken);
            return [.. network.Parameters, (float)h.Epochs[^1].Validation!.Loss, (float)h.Epochs[^1].TrainingLoss];
        }
        var one = Run(1);
        Assert.Equal(one, Run(2));
        Assert.Equal(one, Run(3));
        ThreadTeam.SplitEverything(true);
        try
        {
            Assert.Equal(one, Run(2));
            Assert.Equal(one, Run(3));
        }
        finally
        {
            ThreadTeam.SplitEverything(false);
        }
    }

    public static TheoryData<int, bool> Steps => new() { { 1, false }, { 1, true }, { 32, false }, { 32, true } };

    /// <summary>0 B per step with weights (plain SGD fused, a gradient optimizer, online), gathering included.</summary>
    [Theory]
    [MemberData(nameof(Steps))]
    public void WeightedSteps_AllocateNothing_AfterWarmUp(int batchSize, bool adam)
    {
        Dataset data = Data(100, Loss.CrossEntropy);
        Network network = Wide(Loss.CrossEntropy);
        var options = new TrainingOptions
        {
            BatchSize = batchSize,
            DegreeOfParallelism = 1,
            LearningRate = 1e-3f,
            Optimizer = adam ? new Adam(network.Definition.ParameterCount) : null,
        };
        var source = new BatchSource(new DatasetRows(data), batchSize);
        using BatchStep step = BatchStep.Create(network, options, source.BatchSize, new SeededRandom(1));
        void Epoch()
        {
            for (int b = 0; b < source.BatchCount; b++) Assert.Null(step.Run(source.Gather(b), 1e-3f).Failure);
        }
        for (int i = 0; i < 3; i++) Epoch();   // warm-up
        long allocated = SteadyStateAllocation.Measure(Epoch, windows: 5);
        Assert.True(allocated == 0, $"{allocated} bytes allocated by weighted steps (batch {batchSize}, adam {adam}); expected 0");
    }
}
