using FastBackprop.Training;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Training;

// ---------------------------------------------------------------------------------------------
// Levenberg-Marquardt steps against Hagan & Menhaj's iteration computed in double:
//
//   the damping sequence: from mu, every trial that does not lower E multiplies mu by mu_inc
//     (to mu_max at most, where the step gives up), the first that does ends the step with
//     w = the trial point and mu · mu_dec. The decisions rest on the losses the optimizer itself
//     measured (recorded), so this is checked exactly, mu to the bit.
//   each trial point w + Δ against the reference solve of (G + mu I) Δ = -g in double, within the
//     componentwise forward error bound |Δ̂ - Δ| ≤ |A⁻¹| (|ΔA| |Δ| + |Δg|) (Higham, "Accuracy and
//     Stability of Numerical Algorithms", Thm 7.4): ΔA the Cholesky solve's backward error
//     γ_{3(n+5)+1} |L||Lᵀ| (PackedCholeskyProperties) plus, for a network, the bound of the float
//     Gauss-Newton matrix (BatchObjectiveProperties), Δg that of its gradient; then the float
//     rounding of w + Δ. Doubled for second-order terms.
// ---------------------------------------------------------------------------------------------

/// <summary>Levenberg-Marquardt against its equations, including the damping adaptation.</summary>
[Properties(Arbitrary = [typeof(OptimizerGenerators)], MaxTest = 60)]
public class LevenbergMarquardtProperties
{
    private const double U = 1.0 / (1 << 24);

    [Property]
    public void LevenbergMarquardt_Steps_MatchReference_Rosenbrock(OptimizerCase c)
    {
        var random = new SeededRandom(c.Seed);
        int n = 2 * (1 + c.Length % 6);
        var objective = new RosenbrockResiduals(n);
        float mu = new[] { 1e-3f, 1f, 100f }[random.NextInt32(3)];
        var optimizer = new LevenbergMarquardt(n, mu, muMax: c.RandomStart ? 1e4f : 1e10f);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = (i % 2 == 0 ? -1.2f : 1f) + random.NextSymmetric(0.5f);
        for (int k = 0; k < 4 * c.Steps; k++)
        {
            CheckedStep(optimizer, w, objective, (g, gradient, packed) => (new double[packed.Length], new double[gradient.Length]), $"{c}, step {k + 1}");
        }
    }

    [Property]
    public void LevenbergMarquardt_KSteps_MatchReference_RandomNetworks(OptimizerCase c)
    {
        var random = new SeededRandom(c.Seed);
        using var problem = new NetworkProblem(random);
        int n = problem.Network.Definition.ParameterCount;
        var optimizer = new LevenbergMarquardt(n, c.RandomStart ? 1f : 1e-3f);
        float[] w = problem.Network.Parameters.ToArray();
        for (int k = 0; k < 2 * c.Steps; k++)
        {
            CheckedStep(optimizer, w, problem.Objective, (point, gradient, packed) =>
            {
                // the reference G and gradient replace the float ones, whose bounds become the perturbations
                (double[] g, double[] boundG, double[] grad, double[] boundGradient, _, _) = BatchObjectiveProperties.Reference(problem, point);
                g.CopyTo(packed, 0);
                grad.CopyTo(gradient, 0);
                return (boundG, boundGradient);
            }, $"{c}, {problem}, step {k + 1}");
        }
    }

    [Fact]
    public void LevenbergMarquardt_IndefiniteMatrix_RaisesMuUntilTheFactorisationSucceeds()
    {
        // G = diag(1, -5): G + mu I is positive definite from mu > 5, so the first trial is at mu = 10 (1e-3 · 10^4).
        var objective = new FixedObjective([1, 0, -5], [1, 1], trialLoss: 0.5);
        var optimizer = new LevenbergMarquardt(2, mu: 1e-3f);
        float[] w = [0f, 0f];
        var recorder = new RecordingObjective(objective);
        optimizer.Step(w, [1f, 1f], 0f, 1.0, recorder);
        (float[] point, _, _) = Assert.Single(recorder.Evaluations);
        double mu = 1e-3f * 10.0 * 10 * 10 * 10;
        Assert.Equal([(float)(-1 / (1 + mu)), (float)(-1 / (-5 + mu))], point);
        Assert.Equal(point, w);
        Assert.Equal(mu * 0.1f, optimizer.Mu);
    }

    [Fact]
    public void LevenbergMarquardt_NoLowerPoint_GivesUpAtMuMax()
    {
        var objective = new FixedObjective([1, 0, 1], [1, 1], trialLoss: 2.0);   // every trial is higher than E = 1
        var optimizer = new LevenbergMarquardt(2, mu: 1f, muMax: 1e3f);
        float[] w = [0.5f, -0.5f];
        var recorder = new RecordingObjective(objective);
        optimizer.Step(w, [1f, 1f], 0f, 1.0, recorder);
        Assert.Equal(4, recorder.Evaluations.Count);   // mu = 1, 10, 100, 1000
        Assert.Equal([0.5f, -0.5f], w);
        Assert.Equal(1e3f, optimizer.Mu);
        optimizer.Step(w, [1f, 1f], 0f, 1.0, recorder);   // at mu_max: one trial, then give up again
        Assert.Equal(5, recorder.Evaluations.Count);
    }

    /// <summary>One step at <paramref name="w"/>, checked against the reference (see the file header). <paramref name="reference"/>
    /// may replace the objective's G and gradient (given) by better ones, returning the bounds of the objective's.</summary>
    private static void CheckedStep(LevenbergMarquardt optimizer, float[] w, IObjective objective,
        Func<float[], double[], double[], (double[] BoundG, double[] BoundGradient)> reference, string where)
    {
        int n = w.Length;
        float[] g = new float[n];
        double e = objective.Evaluate(w, g);
        double mu = optimizer.Mu;
        float[] w0 = (float[])w.Clone();
        var recorder = new RecordingObjective(objective);
        optimizer.Step(w, g, 0f, e, recorder);
        Assert.Equal(1, recorder.GaussNewtonCalls);

        double[] packed = new double[n * (n + 1) / 2], gradient = new double[n];
        ((IGaussNewtonObjective)objective).EvaluateGaussNewton(w0, packed, gradient);
        (double[] boundG, double[] boundGradient) = reference(w0, gradient, packed);
        foreach ((float[] point, double trialLoss, _) in recorder.Evaluations)
        {
            AssertSolve(packed, boundG, gradient, boundGradient, mu, w0, point, $"{where}, mu {mu:R}");
            if (trialLoss < e)
            {
                Assert.Equal(point, w);
                Assert.Equal(mu * optimizer.MuDecrease, optimizer.Mu);
                return;
            }
            mu *= optimizer.MuIncrease;
            if (mu > optimizer.MuMax)
            {
                Assert.Equal(w0, w);
                Assert.Equal(optimizer.MuMax, optimizer.Mu);
                return;
            }
        }
        Assert.Fail($"{where}: the step ended after {recorder.Evaluations.Count} trials with none lower and mu {mu:R} below its maximum.");
    }

    // point ≈ w + Δ with (G + mu I) Δ = -g, within the bound of the file header.
    private static void AssertSolve(double[] packed, double[] boundG, double[] gradient, double[] boundGradient, double mu, float[] w, float[] point, string where)
    {
        int n = w.Length;
        double[,] a = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++) a[i, j] = a[j, i] = packed[i * (i + 1) / 2 + j] + (i == j ? mu : 0);
        }
        double[,] l = Cholesky(a, n);
        double[,] inverse = new double[n, n];
        for (int col = 0; col < n; col++)
        {
            double[] unit = new double[n];
            unit[col] = 1;
            double[] x = Solve(l, unit, n);
            for (int i = 0; i < n; i++) inverse[i, col] = x[i];
        }
        double[] delta = Solve(l, [.. gradient.Select(x => -x)], n);
        double gammaSolve = 3 * (n + 5 + 1) * (1.0 / (1L << 53)) * 1.01;
        double[] perturbation = new double[n];   // |ΔA| |Δ| + |Δg|
        for (int i = 0; i < n; i++)
        {
            double sum = boundGradient[i];
            for (int j = 0; j < n; j++)
            {
                double llt = 0;
                for (int k = 0; k <= Math.Min(i, j); k++) llt += Math.Abs(l[i, k] * l[j, k]);
                int at = i >= j ? i * (i + 1) / 2 + j : j * (j + 1) / 2 + i;
                sum += (gammaSolve * llt + boundG[at]) * Math.Abs(delta[j]);
            }
            perturbation[i] = sum;
        }
        for (int i = 0; i < n; i++)
        {
            double forward = 0;
            for (int j = 0; j < n; j++) forward += Math.Abs(inverse[i, j]) * perturbation[j];
            double expected = w[i] + delta[i];
            double bound = 2 * (forward + U * Math.Abs(expected)) + 1e-44;
            Assert.True(Math.Abs(point[i] - expected) <= bound, $"{where}: trial[{i}] = {point[i]:R}, w + Δ = {expected:R}; error {Math.Abs(point[i] - expected):E3} exceeds {bound:E3}.");
        }
    }

    private static double[,] Cholesky(double[,] a, int n)
    {
        double[,] l = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double s = a[i, j];
                for (int k = 0; k < j; k++) s -= l[i, k] * l[j, k];
                l[i, j] = i == j ? Math.Sqrt(s) : s / l[j, j];
            }
        }
        return l;
    }

    private static double[] Solve(double[,] l, double[] b, int n)
    {
        double[] y = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = b[i];
            for (int k = 0; k < i; k++) s -= l[i, k] * y[k];
            y[i] = s / l[i, i];
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--)
        {
            double s = y[i];
            for (int k = i + 1; k < n; k++) s -= l[k, i] * x[k];
            x[i] = s / l[i, i];
        }
        return x;
    }

    /// <summary>A fixed packed G and gradient, E = 1 at the start and <paramref name="trialLoss"/> anywhere else.</summary>
    private sealed class FixedObjective(double[] packed, double[] gradient, double trialLoss) : IGaussNewtonObjective
    {
        public int ParameterCount => gradient.Length;

        public double Evaluate(ReadOnlySpan<float> parameters, Span<float> g) => trialLoss;

        public double EvaluateGaussNewton(ReadOnlySpan<float> parameters, Span<double> packedMatrix, Span<double> g)
        {
            packed.CopyTo(packedMatrix);
            gradient.CopyTo(g);
            return 1.0;
        }
    }
}
