using FastBackprop.Reference;
using Xunit;

namespace FastBackprop.Tests.NetworkTests;

// ---------------------------------------------------------------------------------------------
// A 2-2-1 logistic network, half squared error, one pattern, one step with eta = 0.5, worked by
// hand. σ(x) = 1 / (1 + e^-x), σ'(x) = σ(x)(1 - σ(x)).
//
//   input x = (1.0, 0.5), target d = 0.9
//   hidden weights W1 = [[ 0.5, -0.4 ],   biases b1 = [ 0.1, -0.2 ]
//                        [ 0.3,  0.8 ]]
//   output weights W2 = [ 0.7, -0.6 ],    bias   b2 = 0.05
//
// Forward, (1) net_k = Σ_j w_kj y_j + b_k, (2) y_k = σ(net_k):
//   net1_0 = 0.5·1.0 + (-0.4)·0.5 + 0.1 = 0.5 - 0.2 + 0.1 = 0.4
//   net1_1 = 0.3·1.0 +   0.8 ·0.5 - 0.2 = 0.3 + 0.4 - 0.2 = 0.5
//   y1_0 = σ(0.4) = 1 / (1 + 0.670320) = 0.598688
//   y1_1 = σ(0.5) = 1 / (1 + 0.606531) = 0.622459
//   net2 = 0.7·0.598688 + (-0.6)·0.622459 + 0.05 = 0.419081 - 0.373476 + 0.05 = 0.095606
//   y2   = σ(0.095606) = 1 / (1 + 0.908821) = 0.523883
// Error, (3) E = ½ (d - y)²:
//   E = ½ (0.9 - 0.523883)² = ½ · 0.376117² = ½ · 0.141464 = 0.070732
// Output delta, (7) delta = (y - d) σ'(net) = (y - d) y (1 - y):
//   σ'(net2) = 0.523883 · 0.476117 = 0.249430
//   delta2 = -0.376117 · 0.249430 = -0.093815
// Hidden deltas, (9)-(12) delta_j = (delta2 w_j) y_j (1 - y_j):
//   delta1_0 = (-0.093815 ·  0.7) · 0.598688 · 0.401312 = -0.065670 · 0.240261 = -0.015778
//   delta1_1 = (-0.093815 · -0.6) · 0.622459 · 0.377541 =  0.056289 · 0.235004 =  0.013228
// Gradient, (14), (16) ∂E/∂w_kj = delta_k y_j, ∂E/∂b_k = delta_k:
//   ∂E/∂W2 = (-0.093815 · 0.598688, -0.093815 · 0.622459) = (-0.056166, -0.058396); ∂E/∂b2 = -0.093815
//   ∂E/∂W1 row 0 = -0.015778 · (1.0, 0.5) = (-0.015778, -0.007889); ∂E/∂b1_0 = -0.015778
//   ∂E/∂W1 row 1 =  0.013228 · (1.0, 0.5) = ( 0.013228,  0.006614); ∂E/∂b1_1 =  0.013228
// Update, (17)-(18) w ← w - 0.5 ∂E/∂w:
//   W2 = (0.7 + 0.028083, -0.6 + 0.029198) = (0.728083, -0.570802); b2 = 0.05 + 0.046907 = 0.096907
//   W1 row 0 = (0.5 + 0.007889, -0.4 + 0.003944) = (0.507889, -0.396056); b1_0 = 0.1 + 0.007889 = 0.107889
//   W1 row 1 = (0.3 - 0.006614,  0.8 - 0.003307) = (0.293386,  0.796693); b1_1 = -0.2 - 0.006614 = -0.206614
// The asserted constants carry three more digits (from the same formulas in double) so that the
// float engine is held to 2e-6, a few float ulps of these O(1) numbers.
// ---------------------------------------------------------------------------------------------

/// <summary>The derivation's equations on numbers small enough to check by hand.</summary>
public class WorkedExampleTests
{
    private const double EngineTolerance = 2e-6;      // float: a few ulps of values of order 1
    private const double ReferenceTolerance = 1e-9;   // double: the constants' own rounding (9 digits)

    private static readonly float[] Input = [1.0f, 0.5f];
    private static readonly float[] Target = [0.9f];

    private static Network CreateNetwork()
    {
        var network = new Network(2, Loss.HalfSquaredError,
            new Dense(2, TransferFunction.Logistic),
            new Dense(1, TransferFunction.Logistic));
        float[] w1 = [0.5f, -0.4f, 0.3f, 0.8f], b1 = [0.1f, -0.2f], w2 = [0.7f, -0.6f], b2 = [0.05f];
        w1.CopyTo(network.GetWeights(0));
        b1.CopyTo(network.GetBiases(0));
        w2.CopyTo(network.GetWeights(1));
        b2.CopyTo(network.GetBiases(1));
        return network;
    }

    private static readonly double[] ExpectedNet1 = [0.4, 0.5];
    private static readonly double[] ExpectedY1 = [0.598687660, 0.622459331];
    private const double ExpectedNet2 = 0.095605763;
    private const double ExpectedY2 = 0.523883252;
    private const double ExpectedError = 0.070731904;
    private const double ExpectedDelta2 = -0.093814646;
    private static readonly double[] ExpectedDelta1 = [-0.015777984, 0.013228074];

    // Layout: W1 (row-major 2x2), b1, W2 (1x2), b2.
    private static readonly double[] ExpectedGradient =
        [-0.015777984, -0.007888992, 0.013228074, 0.006614037, -0.015777984, 0.013228074,
         -0.056165671, -0.058395802, -0.093814646];

    private static readonly double[] ExpectedUpdated =
        [0.507888992, -0.396055504, 0.293385963, 0.796692981, 0.107888992, -0.206614037,
         0.728082836, -0.570802099, 0.096907323];

    [Fact]
    public void WorkedExample_Layout_IsWeightsThenBiasesPerLayer()
    {
        Network network = CreateNetwork();
        Assert.Equal([0.5f, -0.4f, 0.3f, 0.8f, 0.1f, -0.2f, 0.7f, -0.6f, 0.05f], network.Parameters.ToArray());
        Assert.Equal(new LayerLayout(inputs: 2, units: 2, weightOffset: 0), network.Definition.GetLayout(0));
        Assert.Equal(new LayerLayout(inputs: 2, units: 1, weightOffset: 6), network.Definition.GetLayout(1));
    }

    [Fact]
    public void WorkedExample_Backpropagate_MatchesHandComputation()
    {
        Network network = CreateNetwork();
        Workspace ws = network.CreateWorkspace();
        var gradient = new float[network.Definition.ParameterCount];
        float error = network.Backpropagate(Input, Target, gradient, ws);

        AssertNear(ExpectedNet1, ws.GetNetSums(0), EngineTolerance, "net1");
        AssertNear(ExpectedY1, ws.GetOutputs(0), EngineTolerance, "y1");
        AssertNear([ExpectedNet2], ws.GetNetSums(1), EngineTolerance, "net2");
        AssertNear([ExpectedY2], ws.GetOutputs(1), EngineTolerance, "y2");
        Assert.InRange(error, ExpectedError - EngineTolerance, ExpectedError + EngineTolerance);
        AssertNear([ExpectedDelta2], ws.GetDeltas(1), EngineTolerance, "delta2");
        AssertNear(ExpectedDelta1, ws.GetDeltas(0), EngineTolerance, "delta1");
        AssertNear(ExpectedGradient, gradient, EngineTolerance, "gradient");

        var y = new float[1];
        network.Predict(Input, y);
        Assert.InRange(y[0], ExpectedY2 - EngineTolerance, ExpectedY2 + EngineTolerance);
    }

    [Fact]
    public void WorkedExample_TrainStep_MatchesHandComputation()
    {
        Network network = CreateNetwork();
        float error = network.TrainStep(Input, Target, 0.5f);
        Assert.InRange(error, ExpectedError - EngineTolerance, ExpectedError + EngineTolerance);
        AssertNear(ExpectedUpdated, network.Parameters, EngineTolerance, "updated parameters");
    }

    [Fact]
    public void WorkedExample_Reference_MatchesHandComputation()
    {
        Network network = CreateNetwork();
        double[] parameters = [0.5, -0.4, 0.3, 0.8, 0.1, -0.2, 0.7, -0.6, 0.05];
        ReferencePass pass = ReferenceBackprop.Run(network.Definition, parameters, [1.0, 0.5], [0.9]);

        AssertNear(ExpectedNet1, pass.NetSums[0], ReferenceTolerance, "net1");
        AssertNear(ExpectedY1, pass.Outputs[0], ReferenceTolerance, "y1");
        AssertNear([ExpectedNet2], pass.NetSums[1], ReferenceTolerance, "net2");
        AssertNear([ExpectedY2], pass.Outputs[1], ReferenceTolerance, "y2");
        Assert.InRange(pass.Error, ExpectedError - ReferenceTolerance, ExpectedError + ReferenceTolerance);
        AssertNear([ExpectedDelta2], pass.Deltas[1], ReferenceTolerance, "delta2");
        AssertNear(ExpectedDelta1, pass.Deltas[0], ReferenceTolerance, "delta1");
        AssertNear(ExpectedGradient, pass.Gradient, ReferenceTolerance, "gradient");

        double referenceError = ReferenceBackprop.TrainStep(network.Definition, parameters, [1.0, 0.5], [0.9], 0.5);
        Assert.InRange(referenceError, ExpectedError - ReferenceTolerance, ExpectedError + ReferenceTolerance);
        AssertNear(ExpectedUpdated, parameters, ReferenceTolerance, "updated parameters");
    }

    private static void AssertNear(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance, $"{what}[{i}]: {actual[i]:R}, expected {expected[i]:R} ± {tolerance}");
        }
    }

    private static void AssertNear(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance, $"{what}[{i}]: {actual[i]:R}, expected {expected[i]:R} ± {tolerance}");
        }
    }
}
