using FastBackprop.Reference;
using FastBackprop.Tests.NetworkTests;
using FastBackprop.Training;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Training;

// ---------------------------------------------------------------------------------------------
// The trainer's objective against ReferenceBackprop, on random small networks (smooth hidden
// layers, every output and loss): the loss and gradient of Evaluate, and the generalized
// Gauss-Newton matrix and gradient of EvaluateGaussNewton.
//
// The reference Jacobian row of an output signal s is ReferenceBackprop's gradient with the
// target d = y - s (y the reference's own output): its error signal y - d is then s, at y for the
// half squared error and at net for the cross-entropies, exactly the rows the engine
// backpropagates. G = (1/N) Σ_rows j jᵀ in double.
//
// Tolerance: NetworkProperties' (1e-4 of each quantity's condition scale, ErrorScales) for every
// row element e_ri, carried into G_ij = (1/N) Σ_r j_ri j_rj as (1/N) Σ_r (e_ri |j_rj| + |j_ri| e_rj + e_ri e_rj).
// ---------------------------------------------------------------------------------------------

/// <summary><see cref="BatchObjective"/> against the reference backpropagation.</summary>
[Properties(Arbitrary = [typeof(OptimizerGenerators)], MaxTest = 60)]
public class BatchObjectiveProperties
{
    [Property]
    public void GaussNewton_MatchesReference_RandomNetworks(OptimizerCase c)
    {
        var random = new SeededRandom(c.Seed);
        using var problem = new NetworkProblem(random);
        int n = problem.Network.Definition.ParameterCount;
        float[] w = problem.Network.Parameters.ToArray();
        double[] packed = new double[n * (n + 1) / 2], gradient = new double[n];

        double e = problem.Objective.EvaluateGaussNewton(w, packed, gradient);

        (double[] expectedG, double[] boundG, double[] expectedGradient, double[] boundGradient, double expectedE, double boundE) = Reference(problem, w);
        string where = $"{c}, {problem}";
        Assert.True(Math.Abs(e - expectedE) <= boundE, $"{where}: E {e:R}, reference {expectedE:R}.");
        for (int i = 0; i < n; i++)
        {
            Assert.True(Math.Abs(gradient[i] - expectedGradient[i]) <= boundGradient[i] + 1e-30, $"{where}: gradient[{i}] {gradient[i]:R}, reference {expectedGradient[i]:R}, bound {boundGradient[i]:E3}.");
        }
        for (int i = 0; i < packed.Length; i++)
        {
            Assert.True(Math.Abs(packed[i] - expectedG[i]) <= boundG[i] + 1e-30, $"{where}: G element {i} {packed[i]:R}, reference {expectedG[i]:R}, bound {boundG[i]:E3}.");
        }

        // Evaluate: the batch passes at the same point.
        float[] g = new float[n];
        double evaluated = problem.Objective.Evaluate(w, g);
        Assert.True(Math.Abs(evaluated - expectedE) <= boundE, $"{where}: Evaluate's E {evaluated:R}, reference {expectedE:R}.");
        for (int i = 0; i < n; i++)
        {
            Assert.True(Math.Abs(g[i] - expectedGradient[i]) <= boundGradient[i] + 1e-30, $"{where}: Evaluate's gradient[{i}] {g[i]:R}, reference {expectedGradient[i]:R}.");
        }
    }

    [Fact]
    public void GaussNewton_HalfSquaredErrorOfALinearNetwork_IsJᵀJ()
    {
        // One identity layer: y = W x + b, so J is exact and G = (1/N) Σ_p [x;1][x;1]ᵀ per output, with no rounding
        // beyond the float products (all values below are small integers or halves).
        var network = new Network(2, Loss.HalfSquaredError, new Dense(1, TransferFunction.Identity));
        float[] w = [0.5f, -1f, 0.25f];
        float[] inputs = [1, 2, -1, 0.5f, 3, -2], targets = [1, 0, 2];
        using BatchWorkspace workspace = network.CreateBatchWorkspace(3);
        var objective = new BatchObjective(network, workspace);
        objective.Bind(new Batch(inputs, targets, default, 3));
        double[] packed = new double[6], gradient = new double[3];
        double e = objective.EvaluateGaussNewton(w, packed, gradient);
        // rows [x1, x2, 1]: (1, 2, 1), (-1, 0.5, 1), (3, -2, 1)
        const double third = 1.0 / 3;   // the objective multiplies the sums by 1/N
        Assert.Equal([(1 + 1 + 9) * third, (2 - 0.5 - 6) * third, (4 + 0.25 + 4) * third, (1 - 1 + 3) * third, (2 + 0.5 - 2) * third, 3 * third], packed);
        // residuals y - d: (0.5 - 2 + 0.25 - 1, -0.5 - 0.5 + 0.25 - 0, 1.5 + 2 + 0.25 - 2) = (-2.25, -0.75, 1.75)
        Assert.Equal([(-2.25 + 0.75 + 5.25) * third, (-4.5 - 0.375 - 3.5) * third, (-2.25 - 0.75 + 1.75) * third], gradient);
        Assert.Equal((2.25 * 2.25 + 0.75 * 0.75 + 1.75 * 1.75) / 6, e, 12);
    }

    /// <summary>G, ∇E and E of <paramref name="problem"/> at <paramref name="w"/> from ReferenceBackprop, each with its bound
    /// (see the file header).</summary>
    internal static (double[] G, double[] BoundG, double[] Gradient, double[] BoundGradient, double E, double BoundE) Reference(NetworkProblem problem, float[] w)
    {
        NetworkDefinition definition = problem.Network.Definition;
        int n = definition.ParameterCount, width = definition.OutputWidth, count = problem.Data.Count;
        double[] p = [.. w.Select(x => (double)x)];
        double[] expectedG = new double[n * (n + 1) / 2], boundG = new double[n * (n + 1) / 2];
        double[] expectedGradient = new double[n], boundGradient = new double[n];
        double expectedE = 0, boundE = 0;
        for (int t = 0; t < count; t++)
        {
            float[] input = problem.Data.GetInput(t).ToArray(), target = problem.Data.GetTarget(t).ToArray();
            ReferencePass pass = ReferenceBackprop.Run(definition, p, [.. input.Select(v => (double)v)], [.. target.Select(v => (double)v)]);
            ErrorScales scales = ErrorScales.Compute(definition, p, input, target, pass);
            expectedE += pass.Error / count;
            boundE += NetworkProperties.RelativeTolerance * scales.Error / count;
            for (int i = 0; i < n; i++)
            {
                expectedGradient[i] += pass.Gradient[i] / count;
                boundGradient[i] += NetworkProperties.RelativeTolerance * scales.Gradient[i] / count;
            }
            double[] y = pass.Outputs[^1];
            for (int k = 0; k < width; k++)
            {
                double[] signal = Signal(definition, y, k);
                double[] shifted = [.. y.Select((v, j) => v - signal[j])];   // d = y - s: the error signal is s
                ReferencePass row = ReferenceBackprop.Run(definition, p, [.. input.Select(v => (double)v)], shifted);
                ErrorScales rowScales = ErrorScales.Compute(definition, p, input, [.. shifted.Select(v => (float)v)], row);
                double[] j = row.Gradient, ej = [.. rowScales.Gradient.Select(s => NetworkProperties.RelativeTolerance * s)];
                for (int a = 0; a < n; a++)
                {
                    for (int b = 0; b <= a; b++)
                    {
                        expectedG[a * (a + 1) / 2 + b] += j[a] * j[b] / count;
                        boundG[a * (a + 1) / 2 + b] += (ej[a] * Math.Abs(j[b]) + Math.Abs(j[a]) * ej[b] + ej[a] * ej[b]) / count;
                    }
                }
            }
        }
        return (expectedG, boundG, expectedGradient, boundGradient, expectedE, boundE);
    }

    // s_k: the k-th column of a square root of the output Hessian (BatchObjective's file header).
    private static double[] Signal(NetworkDefinition definition, double[] y, int k)
    {
        double[] s = new double[y.Length];
        if (definition.Loss == Loss.HalfSquaredError)
        {
            s[k] = 1;
        }
        else if (definition.OutputLayer.Transfer is SoftmaxFunction)
        {
            for (int j = 0; j < y.Length; j++) s[j] = Math.Sqrt(y[k]) * ((j == k ? 1 : 0) - y[j]);
        }
        else
        {
            s[k] = Math.Sqrt(y[k] * (1 - y[k]));
        }
        return s;
    }
}
