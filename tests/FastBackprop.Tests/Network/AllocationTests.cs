using FastBackprop.Tests.Support;
using Xunit;

namespace FastBackprop.Tests.NetworkTests;

// ---------------------------------------------------------------------------------------------
// The "0 B per step" promise: after warm-up (JIT, tiering, any lazy statics), TrainStep, Predict,
// Backpropagate and ComputeLoss allocate nothing, with the network's own workspace and with an
// explicit one. Measured on this thread only, in a window no garbage collection ran in
// (SteadyStateAllocation), so other tests running in parallel do not disturb it.
// ---------------------------------------------------------------------------------------------

/// <summary>Steady-state allocation of the per-pattern entry points.</summary>
public class AllocationTests
{
    public static TheoryData<string> Shapes => new() { "small", "mid" };

    private static Network Create(string shape) => shape switch
    {
        // 2-4-3-2 logistic, half squared error (the classic example).
        "small" => new Network(2, Loss.HalfSquaredError,
            new Dense(4, TransferFunction.Logistic),
            new Dense(3, TransferFunction.Logistic),
            new Dense(2, TransferFunction.Logistic)),
        // 100-128-64-10: relu, leaky relu, softmax + cross-entropy (~21k parameters, odd tails).
        _ => new Network(100, Loss.CrossEntropy,
            new Dense(128, TransferFunction.Relu),
            new Dense(64, TransferFunction.LeakyRelu(0.05f)),
            new Dense(10, TransferFunction.Softmax)),
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void PatternEntryPoints_AllocateNothing_AfterWarmUp(string shape)
    {
        Network network = Create(shape);
        network.InitializeWeights(3);
        Workspace ws = network.CreateWorkspace();
        var random = new SeededRandom(4);
        var input = new float[network.Definition.InputWidth];
        var target = new float[network.Definition.OutputWidth];
        var output = new float[network.Definition.OutputWidth];
        var gradient = new float[network.Definition.ParameterCount];
        for (int i = 0; i < input.Length; i++) input[i] = random.NextSymmetric(1f);
        target[0] = 1f;

        void Calls()
        {
            network.TrainStep(input, target, 0.01f);
            network.TrainStep(input, target, 0.01f, ws);
            network.Predict(input, output);
            network.Predict(input, output, ws);
            network.Backpropagate(input, target, gradient);
            network.Backpropagate(input, target, gradient, ws);
            network.ComputeLoss(input, target);
            network.ComputeLoss(input, target, ws);
        }

        for (int i = 0; i < 200; i++) Calls();   // warm-up: tier-0 JIT, call counting, tier-1 promotion
        long allocated = SteadyStateAllocation.Measure(() =>
        {
            for (int i = 0; i < 100; i++) Calls();
        });
        Assert.True(allocated == 0, $"{network.Definition}: {allocated} bytes allocated by 100 x 8 calls; expected 0");
    }
}
