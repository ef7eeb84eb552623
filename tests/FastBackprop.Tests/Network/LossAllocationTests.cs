using FastBackprop.Tests.Support;
using Xunit;

namespace FastBackprop.Tests.NetworkTests;

/// <summary>Every loss keeps the "0 B per step" promise (AllocationTests' measurement): one-pattern training, gradient and
/// loss, and a batch step on 2 threads, after warm-up.</summary>
public class LossAllocationTests
{
    public static TheoryData<int> Pairings => new(Enumerable.Range(0, LossCatalog.Pairings.Length));

    [Theory]
    [MemberData(nameof(Pairings))]
    public void EveryLoss_AllocatesNothing_AfterWarmUp(int index)
    {
        LossPairing pairing = LossCatalog.Pairings[index];
        var network = new Network(20, pairing.Loss, new Dense(24, TransferFunction.Tanh), new Dense(5, pairing.Output));
        network.InitializeWeights(3);
        var random = new SeededRandom(4);
        const int rows = 32;
        var inputs = new float[rows * 20];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = random.NextSymmetric(1f);
        var targets = new float[rows * 5];
        for (int p = 0; p < rows; p++) pairing.Targets(5, random).CopyTo(targets, p * 5);
        float[] input = inputs[..20], target = targets[..5];
        var gradient = new float[network.Definition.ParameterCount];
        using BatchWorkspace ws = network.CreateBatchWorkspace(rows, 2);

        void Calls()
        {
            network.TrainStep(input, target, 0.001f);
            network.Backpropagate(input, target, gradient);
            network.ComputeLoss(input, target);
            network.TrainBatch(inputs, targets, 0.001f, ws);
        }

        for (int i = 0; i < 200; i++) Calls();
        long allocated = SteadyStateAllocation.Measure(() =>
        {
            for (int i = 0; i < 50; i++) Calls();
        });
        Assert.True(allocated == 0, $"{pairing}: {allocated} bytes allocated by 50 x 4 calls; expected 0");
    }
}
