using Xunit;

namespace FastBackprop.Tests.NetworkTests.Plans;

/// <summary>The execution plan a network gets is the one its shape calls for, so a fast path cannot fall
/// back to a slower one unnoticed.</summary>
public class PlanSelectionTests
{
    private sealed class Cube : ElementwiseTransferFunction
    {
        public override string Name => "cube";
        public override double Function(double x) => x * x * x;
        public override double Derivative(double x) => 3 * x * x;
    }

    public static TheoryData<string, Network> Networks => new()
    {
        { "tiny", new Network(2, Loss.HalfSquaredError, new Dense(4, TransferFunction.Logistic), new Dense(3, TransferFunction.Logistic), new Dense(2, TransferFunction.Logistic)) },
        { "tiny", new Network(15, Loss.CrossEntropy, new Dense(15, TransferFunction.LeakyRelu(0.1f)), new Dense(15, TransferFunction.Tanh), new Dense(3, TransferFunction.Softmax)) },
        { "tiny", new Network(1, Loss.HalfSquaredError, new Dense(1, TransferFunction.Identity)) },
        { "span", new Network(16, Loss.HalfSquaredError, new Dense(4, TransferFunction.Logistic), new Dense(2, TransferFunction.Logistic)) },
        { "span", new Network(2, Loss.HalfSquaredError, new Dense(16, TransferFunction.Relu), new Dense(2, TransferFunction.Identity)) },
        { "span", new Network(2, Loss.HalfSquaredError, new Dense(4, new Cube()), new Dense(2, TransferFunction.Identity)) },
        // The Kernels/Transfer functions have no inline form in the tiny plan (ScalarForm.Custom): the span plan runs them.
        { "span", new Network(2, Loss.HalfSquaredError, new Dense(4, TransferFunction.Gelu), new Dense(2, TransferFunction.Identity)) },
        { "span", new Network(2, Loss.HalfSquaredError, new Dense(4, TransferFunction.Tanh), new Dense(2, TransferFunction.Elu(0.5f))) },
        { "span", new Network(2, Loss.HalfSquaredError, new Dense(4, TransferFunction.Tanh), new Dropout(0.5f), new Dense(2, TransferFunction.Identity)) },
        { "span", new Network(784, Loss.CrossEntropy, new Dense(256, TransferFunction.Relu), new Dense(128, TransferFunction.Relu), new Dense(10, TransferFunction.Softmax)) },
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Network_GetsThePlanItsShapeCallsFor(string expected, Network network)
    {
        Assert.IsType(expected == "tiny" ? typeof(TinyPlan) : typeof(SpanPlan), network.Plan);
        Assert.IsType<BatchPlan>(network.BatchPlan);
    }
}
