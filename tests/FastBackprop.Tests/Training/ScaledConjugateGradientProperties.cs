using FastBackprop.Kernels.Optimizers;
using FastBackprop.Tests.Kernels.Optimizers;
using FastBackprop.Training;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Training;

// ---------------------------------------------------------------------------------------------
// Scaled conjugate gradient, each step checked from the optimizer's own state before it against
// Møller's algorithm (1993, section 4) computed in double:
//
//   the direction update (step 7's r' = -E'(w'), p' = r' or r' + beta p, beta = (|r'|² - r'ᵀr)/mu)
//   and the curvature probe's point w + sigma_k p and s = (E'(w + sigma_k p) - E'(w))/sigma_k are
//   each one correctly rounded operation per element on canonical-order dot products: checked to the bit;
//   the scalars of steps 2 to 8 (delta, mu, alpha, Delta, lambda, lambda_bar) in double from those
//   vectors, with first-order error bounds: a canonical dot of n floats within γ_{n+6} Σ|a b|, the
//   float s within 3u of each element plus the relative error of sigma_k, each scalar's relative error
//   the sum of its operands' (doubled for second-order terms);
//   the decisions (Delta >= 0, >= 0.75, < 0.25) and what they do to w, lambda and the flags, unless
//   Delta is within its bound of a threshold, where either branch is right.
// ---------------------------------------------------------------------------------------------

/// <summary>SCG steps against Møller's equations in double.</summary>
[Properties(Arbitrary = [typeof(OptimizerGenerators)], MaxTest = 100)]
public class ScaledConjugateGradientProperties
{
    private const double U = 1.0 / (1 << 24);

    private static double Gamma(int k) => k * U / (1 - k * U);

    [Property]
    public void Scg_Step_MatchesReference_RandomQuadratics(OptimizerCase c)
    {
        var random = new SeededRandom(c.Seed);
        int n = 1 + c.Length % 48;
        var objective = new QuadraticObjective(random, n);
        var optimizer = new ScaledConjugateGradient(n, sigma: c.RandomStart ? 1e-3f : 5e-5f, lambda: c.RandomStart ? 5e-7f : 0.5f);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = random.NextSymmetric(3f);
        for (int k = 0; k < 2 * c.Steps + 2; k++) CheckedStep(optimizer, w, objective, $"{c}, step {k + 1}");
    }

    [Property]
    public void Scg_KSteps_MatchReference_RandomNetworks(OptimizerCase c)
    {
        var random = new SeededRandom(c.Seed);
        using var problem = new NetworkProblem(random);
        int n = problem.Network.Definition.ParameterCount;
        var optimizer = new ScaledConjugateGradient(n, lambda: c.RandomStart ? 5e-7f : 1f);
        float[] w = problem.Network.Parameters.ToArray();
        for (int k = 0; k < 3 * c.Steps; k++) CheckedStep(optimizer, w, problem.Objective, $"{c}, {problem}, step {k + 1}");
    }

    [Fact]
    public void Scg_Rosenbrock_ReachesTheMinimum()
    {
        var objective = new RosenbrockResiduals(2);
        float[] w = [-1.2f, 1f], g = new float[2];
        var optimizer = new ScaledConjugateGradient(2, sigma: 1e-4f);
        for (int step = 0; step < 400; step++) optimizer.Step(w, g, 0f, objective.Evaluate(w, g), objective);
        Assert.True(objective.Evaluate(w, []) < 1e-6, $"E = {objective.Evaluate(w, []):E3} at ({w[0]}, {w[1]}).");
    }

    private static void CheckedStep(ScaledConjugateGradient optimizer, float[] w, IObjective objective, string where)
    {
        int n = w.Length;
        float[] g = new float[n];
        double e = objective.Evaluate(w, g);
        ScgState before = ScgState.Of(optimizer);
        float[] w0 = (float[])w.Clone();
        var recorder = new RecordingObjective(objective);
        optimizer.Step(w, g, 0f, e, recorder);
        ScgState after = ScgState.Of(optimizer);

        // Step 7 of the last iteration (or the start): r and p, to the bit.
        float[] r = before.R, p = before.P;
        if (!before.Started || before.PendingUpdate)
        {
            r = [.. g.Select(x => -x)];
            if (!before.Started || before.PendingRestart)
            {
                p = r;
            }
            else
            {
                double beta = (ParameterReductionsProperties.CanonicalDot(r, r) - ParameterReductionsProperties.CanonicalDot(r, before.R)) / before.Mu;
                p = [.. before.P.Select((x, i) => x * (float)beta + r[i])];   // p' = r' + beta p
            }
        }
        Assert.Equal(r, after.R);
        Assert.Equal(p, after.P);
        double pp = ParameterReductionsProperties.CanonicalDot(p, p);
        if (!(pp > 0))
        {
            Assert.Equal(w0, w);   // a stationary point
            return;
        }

        // Step 2: the curvature probe.
        int next = 0;
        double sigma = 0;
        double[] s = [.. before.S.Select(x => (double)x)], es = new double[n];
        double delta = before.Delta, edelta = 0;
        if (before.Success)
        {
            sigma = optimizer.Sigma / Math.Sqrt(pp);
            (float[] point, _, float[] gradientThere) = recorder.Evaluations[next++];
            float[] expectedPoint = new float[n];
            VectorArithmetic.Step(expectedPoint, w0, (float)sigma, p);
            Assert.Equal(expectedPoint, point);
            delta = 0;
            double condition = 0;
            for (int i = 0; i < n; i++)
            {
                s[i] = (gradientThere[i] - (double)g[i]) / sigma;                     // s = (E'(w + sigma_k p) - E'(w)) / sigma_k
                es[i] = 3 * U * Math.Abs(s[i]) + 1e-45 / sigma;
                delta += p[i] * s[i];                                                  // delta = pᵀs
                condition += Math.Abs(p[i] * s[i]);
                edelta += Math.Abs(p[i]) * es[i];
            }
            edelta += Gamma(n + 6) * condition;
        }
        // Step 3: scale.
        double lambda = before.Lambda, lambdaBar = before.LambdaBar;
        delta += (lambda - lambdaBar) * pp;
        edelta += Math.Abs(lambda - lambdaBar) * pp * Gamma(n + 8);
        // Step 4: make delta positive.
        if (Math.Abs(delta) <= edelta && delta != 0) return;   // its sign is within rounding: either branch is right
        if (delta <= 0)
        {
            lambdaBar = 2 * (lambda - delta / pp);
            delta = -delta + lambda * pp;
            lambda = lambdaBar;
            edelta *= 3;
        }
        // Step 5.
        double mu = 0, emu = 0;
        for (int i = 0; i < n; i++)
        {
            mu += p[i] * r[i];                                                         // mu = pᵀr
            emu += Math.Abs(p[i] * r[i]);
        }
        emu *= Gamma(n + 6);
        double alpha = mu / delta;
        double ealpha = Math.Abs(alpha) * (emu / Math.Abs(mu) + edelta / Math.Abs(delta) + 2 * U);
        // Step 6: the comparison parameter, from the loss at the optimizer's trial point.
        (float[] trial, double trialLoss, _) = recorder.Evaluations[next];
        for (int i = 0; i < n; i++)
        {
            double expected = w0[i] + alpha * p[i];
            double bound = 2 * (ealpha * Math.Abs(p[i]) + 2 * U * (Math.Abs(w0[i]) + Math.Abs(alpha * p[i])));
            Assert.True(Math.Abs(trial[i] - expected) <= bound + 1e-44, $"{where}: trial[{i}] = {trial[i]:R}, w + alpha p = {expected:R}; bound {bound:E3}.");
        }
        double comparison = 2 * delta * (e - trialLoss) / (mu * mu);
        double ecomparison = Math.Abs(comparison) * 2 * (edelta / Math.Abs(delta) + 2 * emu / Math.Abs(mu) + 4 * U);
        foreach (double threshold in new[] { 0.0, 0.25, 0.75 })
        {
            if (Math.Abs(comparison - threshold) <= ecomparison) return;   // a decision within rounding: either is right
        }
        // Step 7.
        bool success = comparison >= 0;
        if (success)
        {
            Assert.Equal(trial, w);
            lambdaBar = 0;
            if (comparison >= 0.75) lambda /= 4;
        }
        else
        {
            Assert.Equal(w0, w);
            lambdaBar = lambda;
        }
        // Step 8.
        if (comparison < 0.25) lambda += delta * (1 - comparison) / pp;
        Assert.Equal((success, success, before.Iteration + 1), (after.Success, after.PendingUpdate, after.Iteration));
        if (success) Assert.Equal((before.Iteration + 1) % n == 0, after.PendingRestart);
        AssertClose(delta, after.Delta, 2 * edelta, where, "delta");
        AssertClose(mu, after.Mu, 2 * emu, where, "mu");
        double relative = 2 * (edelta / Math.Abs(delta) + ecomparison / Math.Max(Math.Abs(1 - comparison), 1e-300) + Gamma(n + 10));
        AssertClose(lambdaBar, after.LambdaBar, relative * Math.Abs(lambdaBar) + 1e-300, where, "lambda_bar");
        AssertClose(lambda, after.Lambda, relative * Math.Abs(lambda) + 1e-300, where, "lambda");
    }

    private static void AssertClose(double expected, double actual, double bound, string where, string what) =>
        Assert.True(Math.Abs(actual - expected) <= bound, $"{where}: {what} = {actual:R}, expected {expected:R}; bound {bound:E3}.");
}
