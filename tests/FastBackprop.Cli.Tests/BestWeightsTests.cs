using FastBackprop.Cli.Commands.Train;
using FastBackprop.Training;

namespace FastBackprop.Cli.Tests;

/// <summary>The weights a stopped run saves (BestWeights) follow the trainer's rule for the best epoch: by --monitor,
/// and better only by more than --min-delta.</summary>
public sealed class BestWeightsTests
{
    private static EpochReport Epoch(int epoch, double loss) => new(epoch, loss, null, null, null, 0.1f, TimeSpan.Zero, 0);

    [Theory]
    [InlineData(0.0, 3)]    // any strict improvement: epoch 3 (0.92)
    [InlineData(0.1, 1)]    // 0.95 and 0.92 do not beat 1.0 by more than 0.1: epoch 1 stays the best
    [InlineData(0.04, 2)]   // 0.95 beats 1.0 by 0.05; 0.92 beats 0.95 by only 0.03
    public void Observe_CountsAnEpochAsBetterOnlyByMoreThanTheMinDelta(double minDelta, int expected)
    {
        var network = new Network(1, Loss.HalfSquaredError, new Dense(1, TransferFunction.Identity));
        var best = new BestWeights(network, MonitoredMetric.Loss, minDelta);
        double[] losses = [1.0, 0.95, 0.92];
        for (int e = 0; e < losses.Length; e++) best.Observe(Epoch(e + 1, losses[e]));
        Assert.Equal(expected, best.Report!.Epoch);
    }
}
