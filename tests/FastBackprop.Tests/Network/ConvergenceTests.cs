using Xunit;

namespace FastBackprop.Tests.NetworkTests;

// ---------------------------------------------------------------------------------------------
// Training converges: online TrainStep (one step per pattern, patterns in a fixed order) from a
// fixed InitializeWeights seed. Both budgets leave headroom for the last-bit differences between
// ISA tiers (the summation order and the vectorised exp differ), which change the trajectory
// slightly but not its outcome; the tests are run under every tier.
// ---------------------------------------------------------------------------------------------

/// <summary>End-to-end learning on small classic problems.</summary>
public class ConvergenceTests
{
    private static readonly float[][] XorInputs = [[0, 0], [0, 1], [1, 0], [1, 1]];
    private static readonly float[][] XorTargets = [[0], [1], [1], [0]];

    // 2-2-1 logistic, half squared error, eta = 1, seed 2: total error over the four patterns
    // falls below 0.01 after 657 epochs on this machine (AVX-512); the budget is 1000.
    // Not every seed works: a 2-2-1 net has the well-known XOR local minima/plateaus, and seeds
    // 1, 7, 8 and 19 were still above 0.01 after 20 000 epochs at eta = 1 (seeds 2-20 otherwise
    // converge in 627-1798 epochs). The seed is chosen, not lucky: see that survey.
    private const ulong XorSeed = 2;
    private const float XorLearningRate = 1f;
    private const int XorEpochBudget = 1000;

    [Fact]
    public void Xor_2_2_1_Logistic_ReachesTotalErrorBelow001_WithinBudget()
    {
        var network = new Network(2, Loss.HalfSquaredError,
            new Dense(2, TransferFunction.Logistic),
            new Dense(1, TransferFunction.Logistic));
        network.InitializeWeights(XorSeed);

        float total = TotalError(network, XorInputs, XorTargets);
        int epoch = 0;
        while (total >= 0.01f && epoch < XorEpochBudget)
        {
            for (int p = 0; p < XorInputs.Length; p++) network.TrainStep(XorInputs[p], XorTargets[p], XorLearningRate);
            total = TotalError(network, XorInputs, XorTargets);
            epoch++;
        }
        Assert.True(total < 0.01f, $"total error {total} after {epoch} epochs; expected < 0.01 within {XorEpochBudget}");

        // And it has learned XOR: every output on the right side of 0.5, within 0.1 of its target.
        var y = new float[1];
        for (int p = 0; p < XorInputs.Length; p++)
        {
            network.Predict(XorInputs[p], y);
            Assert.InRange(y[0], XorTargets[p][0] - 0.1f, XorTargets[p][0] + 0.1f);
        }
    }

    // 2-4-3-2 logistic, half squared error, eta = 0.5, seed 42, on the four binary patterns with
    // targets (AND, OR). Measured on this machine: total error 0.921 at start, 0.0296 after 500
    // epochs, 0.0079 after 1000, 0.0029 after 2000. The bound is 0.005 after 2000 epochs. (A
    // first attempt with 0.1/0.9 targets settles in a genuine local minimum at E ≈ 0.0096, which
    // ReferenceBackprop reaches too; so does the XOR-like |a - b| target at E ≈ 0.23 for most seeds.)
    // Online training is not monotone step by step, so the check is on the mean error over windows
    // of 200 epochs: each window's mean is below the previous one's (measured: 0.715, 0.211, 0.032,
    // 0.0149, 0.0094, 0.0068, 0.0053, 0.0043, 0.0036, 0.0031).
    [Fact]
    public void Network_2_4_3_2_Logistic_ErrorFallsToBound_AndWindowMeansDecrease()
    {
        float[][] inputs = [[0, 0], [0, 1], [1, 0], [1, 1]];
        float[][] targets = [[0, 0], [0, 1], [0, 1], [1, 1]];   // (AND, OR)
        var network = new Network(2, Loss.HalfSquaredError,
            new Dense(4, TransferFunction.Logistic),
            new Dense(3, TransferFunction.Logistic),
            new Dense(2, TransferFunction.Logistic));
        network.InitializeWeights(42);
        Assert.Equal(2 * 4 + 4 + 4 * 3 + 3 + 3 * 2 + 2, network.Definition.ParameterCount);

        const int Epochs = 2000, Window = 200;
        float initial = TotalError(network, inputs, targets);
        var windowMeans = new double[Epochs / Window];
        for (int epoch = 0; epoch < Epochs; epoch++)
        {
            for (int p = 0; p < inputs.Length; p++) network.TrainStep(inputs[p], targets[p], 0.5f);
            windowMeans[epoch / Window] += TotalError(network, inputs, targets) / (double)Window;
        }
        float final = TotalError(network, inputs, targets);

        Assert.True(final < 0.005f, $"total error {final} after {Epochs} epochs (initially {initial}); expected < 0.005");
        for (int w = 1; w < windowMeans.Length; w++)
        {
            Assert.True(windowMeans[w] < windowMeans[w - 1],
                $"mean error of epochs {w * Window}-{(w + 1) * Window - 1} is {windowMeans[w]}, not below the previous window's {windowMeans[w - 1]}; all: {string.Join(", ", windowMeans)}");
        }
    }

    private static float TotalError(Network network, float[][] inputs, float[][] targets)
    {
        float total = 0;
        for (int p = 0; p < inputs.Length; p++) total += network.ComputeLoss(inputs[p], targets[p]);
        return total;
    }
}
