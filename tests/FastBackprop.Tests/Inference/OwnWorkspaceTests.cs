using Xunit;

namespace FastBackprop.Tests.Inference;

// ---------------------------------------------------------------------------------------------
// What a workspace-less call does when another call holds the network's own workspace, made
// deterministic: a user transfer function (Gate) runs code in the middle of a forward pass,
// either blocking there while a second thread calls, or calling the network again on the same
// thread. Inference then runs in a per-thread workspace with the same bits; training throws.
// ---------------------------------------------------------------------------------------------

/// <summary>Network's workspace-less overloads under overlapping calls.</summary>
public class OwnWorkspaceTests
{
    /// <summary>The identity, which calls <see cref="During"/> inside its float forward pass (once at a time).</summary>
    private sealed class Gate : TransferFunction
    {
        private int inside;

        public Action? During { get; set; }

        public override string Name => "gate";

        public override void Activate(ReadOnlySpan<float> net, Span<float> output)
        {
            net.CopyTo(output);
            if (During is { } during && Interlocked.Exchange(ref inside, 1) == 0)
            {
                During = null;
                during();
                inside = 0;
            }
        }

        public override void MultiplyByDerivative(ReadOnlySpan<float> net, ReadOnlySpan<float> output, Span<float> delta)
        {
        }

        public override void Activate(ReadOnlySpan<double> net, Span<double> output) => net.CopyTo(output);

        public override void MultiplyByDerivative(ReadOnlySpan<double> net, ReadOnlySpan<double> output, ReadOnlySpan<double> dEdy, Span<double> delta) =>
            dEdy.CopyTo(delta);
    }

    private static (Network Network, Gate Gate, float[] Input, float[] Target, float[] Expected) Sample()
    {
        var gate = new Gate();
        var network = new Network(3, Loss.HalfSquaredError, new Dense(5, TransferFunction.Tanh), new Dense(4, gate), new Dense(2, TransferFunction.Identity));
        network.InitializeWeights(7);
        float[] input = [0.5f, -0.25f, 1f], target = [0.1f, 0.2f], expected = new float[2];
        network.Predict(input, expected, network.CreateWorkspace());
        return (network, gate, input, target, expected);
    }

    [Fact]
    public void Predict_WhileAnotherThreadHoldsTheOwnWorkspace_RunsInAThreadWorkspace_SameBits()
    {
        (Network network, Gate gate, float[] input, _, float[] expected) = Sample();
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        gate.During = () =>
        {
            entered.Set();
            release.Wait(TimeSpan.FromMinutes(1));   // a bound, so that a failing test cannot hang
        };
        float[] first = new float[2], second = new float[2];
        var holder = new Thread(() => network.Predict(input, first));
        holder.Start();
        Assert.True(entered.Wait(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken), "the first call never reached the gate");
        network.Predict(input, second);   // the own workspace is held by the blocked thread
        release.Set();
        holder.Join();
        Assert.Equal(expected, first);
        Assert.Equal(expected, second);
    }

    [Fact]
    public void TrainStep_WhileAnotherThreadIsInsideTrainStep_Throws_AndTheWorkspaceIsFreeAfterwards()
    {
        (Network network, Gate gate, float[] input, float[] target, _) = Sample();
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        gate.During = () =>
        {
            entered.Set();
            release.Wait(TimeSpan.FromMinutes(1));   // a bound, so that a failing test cannot hang
        };
        var holder = new Thread(() => network.TrainStep(input, target, 0.1f));
        holder.Start();
        Assert.True(entered.Wait(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken), "the first call never reached the gate");
        var e = Assert.Throws<InvalidOperationException>(() => network.TrainStep(input, target, 0.1f));
        release.Set();
        holder.Join();
        Assert.Contains("Network.TrainStep", e.Message, StringComparison.Ordinal);
        Assert.Contains("cannot run concurrently", e.Message, StringComparison.Ordinal);
        Assert.True(float.IsFinite(network.TrainStep(input, target, 0.1f)));   // released by the first call
    }

    [Fact]
    public void TrainingCalls_CalledFromInsideAnotherCall_Throw_InferenceCallsDoNot()
    {
        (Network network, Gate gate, float[] input, float[] target, float[] expected) = Sample();
        var gradient = new float[network.Definition.ParameterCount];
        float[] inner = new float[2], outer = new float[2];
        Exception? backpropagate = null, trainStep = null;
        float innerLoss = float.NaN;
        gate.During = () =>
        {
            backpropagate = Record(() => network.Backpropagate(input, target, gradient));
            trainStep = Record(() => network.TrainStep(input, target, 0.1f));
            network.Predict(input, inner);
            innerLoss = network.ComputeLoss(input, target);
        };
        network.Predict(input, outer);
        Assert.Contains("Network.Backpropagate", Assert.IsType<InvalidOperationException>(backpropagate).Message, StringComparison.Ordinal);
        Assert.Contains("Network.TrainStep", Assert.IsType<InvalidOperationException>(trainStep).Message, StringComparison.Ordinal);
        Assert.Equal(expected, outer);
        Assert.Equal(expected, inner);
        Assert.Equal(network.ComputeLoss(input, target, network.CreateWorkspace()), innerLoss);
    }

    [Fact]
    public void Predictor_CalledFromInsideItsOwnCall_GivesBothTheSameBits()
    {
        (Network network, Gate gate, float[] input, _, float[] expected) = Sample();
        var predictor = new Predictor(network);
        float[] inner = new float[2], outer = new float[2];
        gate.During = () => predictor.Predict(input, inner);   // the snapshot shares the gate (the definition)
        predictor.Predict(input, outer);
        Assert.Equal(expected, outer);
        Assert.Equal(expected, inner);
    }

    [Fact]
    public void AnException_ReleasesTheOwnWorkspace()
    {
        (Network network, _, float[] input, float[] target, _) = Sample();
        Assert.Throws<ArgumentException>(() => network.Predict([float.NaN, 0f, 0f], new float[2]));
        Assert.Throws<ArgumentException>(() => network.TrainStep(input, [float.NaN, 0f], 0.1f));
        Assert.True(float.IsFinite(network.TrainStep(input, target, 0.1f)));
    }

    private static Exception? Record(Action action)
    {
        try
        {
            action();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }
}
