using FastBackprop.Kernels.Optimizers;
using FastBackprop.Tests.Kernels.Optimizers;
using FastBackprop.Training;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Training;

// ---------------------------------------------------------------------------------------------
// L-BFGS, one iteration per step, each step checked from the optimizer's own state before it
// (read from its checkpoint bytes), against Nocedal & Wright's equations:
//
//   the curvature pair   y = g - g_prev, s = t d, kept when yᵀs > 1e-10: checked to the bit,
//                        since each element is one correctly rounded operation and yᵀs, yᵀy are
//                        canonical-order dot products the test recomputes exactly
//   the two-loop         d = -H g in double from the stored pairs, rho and gamma; the float
//                        recursion within a running error bound (below)
//   after a line search that found no lower point the history is dropped (L-BFGS-B's restart; torch keeps it)
//   the line search      the first trial is x + t0 d with t0 = min(1, 1/||g||_1) eta at the first
//                        iteration and eta after; the new weights are one of the trial points (the
//                        search itself is checked against PyTorch's in StrongWolfeLineSearchProperties)
//                        and not higher than the start
//
// Running error bound of the two-loop (Higham §3.1): each canonical dot of n floats errs by at most
// γ_{n+6} Σ|a_i b_i| (the chain of a lane, the 4-level tree, the FMA and the rounding of the
// result), each multiply-add by 2u of its terms (fused or not), each conversion of a double
// coefficient to float by u; errors already in q or d carry through linearly (first order, with
// |q̂| bounded by |q| + its bound), and the total is doubled for the second-order terms.
// ---------------------------------------------------------------------------------------------

/// <summary>L-BFGS steps against the two-loop recursion and the curvature update of Nocedal and Wright.</summary>
[Properties(Arbitrary = [typeof(OptimizerGenerators)], MaxTest = 100)]
public class LbfgsProperties
{
    private const double U = 1.0 / (1 << 24);

    private static double Gamma(int k) => k * U / (1 - k * U);

    [Property]
    public void Lbfgs_Step_MatchesReference_RandomQuadratics(OptimizerCase c)
    {
        var random = new SeededRandom(c.Seed);
        int n = 1 + c.Length % 64;
        var quadratic = new QuadraticObjective(random, n);
        var optimizer = new Lbfgs(n, historySize: 1 + random.NextInt32(5), maxIterations: 1);
        float[] w = new float[n], g = new float[n];
        for (int i = 0; i < n; i++) w[i] = random.NextSymmetric(3f);
        for (int k = 0; k < c.Steps + 3; k++) CheckedStep(optimizer, w, g, quadratic, c.RandomStart ? 0.5f : 1f, $"{c}, step {k + 1}");
    }

    [Property]
    public void Lbfgs_KSteps_MatchReference_RandomNetworks(OptimizerCase c)
    {
        var random = new SeededRandom(c.Seed);
        using var problem = new NetworkProblem(random);
        int n = problem.Network.Definition.ParameterCount;
        var optimizer = new Lbfgs(n, historySize: 1 + random.NextInt32(5), maxIterations: 1);
        float[] w = problem.Network.Parameters.ToArray(), g = new float[n];
        for (int k = 0; k < 3 * c.Steps; k++) CheckedStep(optimizer, w, g, problem.Objective, 1f, $"{c}, {problem}, step {k + 1}");
    }

    /// <summary>A case FsCheck found: a line search with no lower point, after which the history is dropped.</summary>
    [Property(Replay = "15230243643926181875,16989993678988364427,61", MaxTest = 1)]
    public void Lbfgs_KSteps_MatchReference_FoundCase(OptimizerCase c) => Lbfgs_KSteps_MatchReference_RandomNetworks(c);

    [Fact]
    public void Lbfgs_Rosenbrock_ReachesTheMinimum()
    {
        var objective = new RosenbrockResiduals(10);
        float[] w = [-1.2f, 1f, -1.2f, 1f, -1.2f, 1f, -1.2f, 1f, -1.2f, 1f], g = new float[10];
        var optimizer = new Lbfgs(10);
        for (int step = 0; step < 10; step++)
        {
            double e = objective.Evaluate(w, g);
            optimizer.Step(w, g, 1f, e, objective);
        }
        Assert.True(objective.Evaluate(w, []) < 1e-8, $"E = {objective.Evaluate(w, []):E3} after {optimizer.Iterations} iterations.");
    }

    /// <summary>One step of <paramref name="optimizer"/> at <paramref name="w"/>, checked against the equations from the state before it.</summary>
    private static void CheckedStep(Lbfgs optimizer, float[] w, float[] g, IObjective objective, float lr, string where)
    {
        int n = w.Length;
        double e = objective.Evaluate(w, g);
        LbfgsState before = LbfgsState.Of(optimizer);
        float[] w0 = (float[])w.Clone();
        var recorder = new RecordingObjective(objective);
        optimizer.Step(w, g, lr, e, recorder);
        LbfgsState after = LbfgsState.Of(optimizer);

        Assert.Equal(before.Evaluations + 1 + recorder.Evaluations.Count, after.Evaluations);
        if (ParameterReductions.MaxMagnitude(g) <= optimizer.GradientTolerance)
        {
            Assert.Equal(w0, w);   // converged: nothing to do
            return;
        }
        Assert.Equal(before.Iterations + 1, after.Iterations);

        // The curvature pair, to the bit, and the history the two-loop then ran on.
        LbfgsState history = before;
        if (before.Iterations == 0)
        {
            Assert.Equal(g.Select(x => -x), after.Direction);   // d = -g
            history = before with { PairCount = 0, RingStart = 0, Gamma = 1 };
        }
        else
        {
            float t = (float)before.StepLength;
            float[] y = [.. g.Select((x, i) => x - before.PreviousGradient[i])];   // y = g - g_prev (one rounding each)
            float[] s = [.. before.Direction.Select(d => d * t)];                  // s = t d
            float ys = ParameterReductionsProperties.CanonicalDot(y, s);
            if (ys > 1e-10)
            {
                int m = before.S.Length, count = before.PairCount, start = before.RingStart;
                if (count == m) (start, count) = ((start + 1) % m, count - 1);   // the oldest pair goes
                int slot = (start + count) % m;
                history = before with
                {
                    S = [.. before.S.Select((x, i) => i == slot ? s : x)],
                    Y = [.. before.Y.Select((x, i) => i == slot ? y : x)],
                    Rho = [.. before.Rho.Select((x, i) => i == slot ? 1.0 / ys : x)],
                    PairCount = count + 1,
                    RingStart = start,
                    Gamma = ys / (double)ParameterReductionsProperties.CanonicalDot(y, y),
                };
            }
            (double[] expected, double[] bound) = TwoLoop(history, g);
            for (int i = 0; i < n; i++)
            {
                double error = Math.Abs(after.Direction[i] - expected[i]);
                Assert.True(error <= bound[i], $"{where}: d[{i}] = {after.Direction[i]:R}, two-loop {expected[i]:R}; error {error:E3} exceeds {bound[i]:E3}.");
            }
        }
        if (after.StepLength == 0 && recorder.Evaluations.Count > 0)
        {
            Assert.Equal((0, 1.0), (after.PairCount, after.Gamma));   // no lower point: the history is dropped (as L-BFGS-B does)
        }
        else
        {
            Assert.Equal((history.PairCount, history.RingStart, history.Gamma), (after.PairCount, after.RingStart, after.Gamma));
            for (int i = 0; i < history.PairCount; i++)
            {
                int slot = history.Slot(i);
                Assert.Equal(history.S[slot], after.S[slot]);
                Assert.Equal(history.Y[slot], after.Y[slot]);
                Assert.Equal(history.Rho[slot], after.Rho[slot]);
            }
        }
        Assert.Equal(g, after.PreviousGradient);

        // The line search: from x + t0 d, ending on one of its trial points, never higher than the start.
        double slope = ParameterReductionsProperties.CanonicalDot(g, after.Direction);
        if (slope > -optimizer.ChangeTolerance)
        {
            Assert.Empty(recorder.Evaluations);
            return;
        }
        double t0 = before.Iterations == 0 ? Math.Min(1.0, 1.0 / ParameterReductions.SumOfMagnitudes(g)) * lr : lr;
        Assert.Equal(Step(w0, t0, after.Direction), recorder.Evaluations[0].Point);
        Assert.Equal(Step(w0, after.StepLength, after.Direction), w);
        if (after.StepLength != 0)
        {
            (float[] _, double value, float[] _) = recorder.Evaluations.Last(v => v.Point.AsSpan().SequenceEqual(w));
            Assert.True(value <= e, $"{where}: the step raised E from {e:R} to {value:R}.");
        }
    }

    // x + t d, as the optimizer computes trial points.
    private static float[] Step(float[] x, double t, float[] d)
    {
        float[] point = new float[x.Length];
        VectorArithmetic.Step(point, x, (float)t, d);
        return point;
    }

    /// <summary>d = -H g by the two-loop recursion in double from the state's float pairs, with the running bound on the
    /// float recursion (see the file header).</summary>
    private static (double[] Direction, double[] Bound) TwoLoop(LbfgsState state, float[] g)
    {
        int n = g.Length, k = state.PairCount;
        double gammaDot = Gamma(n + 6);
        double[] q = [.. g.Select(x => -(double)x)], eq = new double[n];
        double[] alpha = new double[k], ealpha = new double[k];
        for (int i = k - 1; i >= 0; i--)
        {
            int slot = state.Slot(i);
            float[] s = state.S[slot], y = state.Y[slot];
            double rho = state.Rho[slot], dot = 0, condition = 0, carried = 0;
            for (int j = 0; j < n; j++)
            {
                dot += s[j] * q[j];
                condition += Math.Abs(s[j]) * (Math.Abs(q[j]) + eq[j]);
                carried += Math.Abs(s[j]) * eq[j];
            }
            alpha[i] = rho * dot;                                                     // a_i = rho_i s_iᵀq
            ealpha[i] = rho * (gammaDot * condition + carried) + U * Math.Abs(alpha[i]) * 2;
            for (int j = 0; j < n; j++)
            {
                double term = alpha[i] * y[j];
                eq[j] += ealpha[i] * Math.Abs(y[j]) + 2 * U * (Math.Abs(q[j]) + eq[j] + Math.Abs(term));
                q[j] -= term;                                                         // q = q - a_i y_i
            }
        }
        double gamma = state.Gamma;
        double[] d = new double[n], ed = new double[n];
        for (int j = 0; j < n; j++)
        {
            d[j] = gamma * q[j];                                                      // d = gamma q
            ed[j] = gamma * eq[j] * (1 + 2 * U) + 2 * U * Math.Abs(d[j]);
        }
        for (int i = 0; i < k; i++)
        {
            int slot = state.Slot(i);
            float[] s = state.S[slot], y = state.Y[slot];
            double rho = state.Rho[slot], dot = 0, condition = 0, carried = 0;
            for (int j = 0; j < n; j++)
            {
                dot += y[j] * d[j];
                condition += Math.Abs(y[j]) * (Math.Abs(d[j]) + ed[j]);
                carried += Math.Abs(y[j]) * ed[j];
            }
            double beta = rho * dot;                                                  // b = rho_i y_iᵀd
            double coefficient = alpha[i] - beta;
            double ecoefficient = ealpha[i] + rho * (gammaDot * condition + carried) + 2 * U * Math.Abs(coefficient);
            for (int j = 0; j < n; j++)
            {
                double term = coefficient * s[j];
                ed[j] += ecoefficient * Math.Abs(s[j]) + 2 * U * (Math.Abs(d[j]) + ed[j] + Math.Abs(term));
                d[j] += term;                                                         // d = d + (a_i - b) s_i
            }
        }
        return (d, [.. ed.Select(x => 2 * x + 1e-40)]);
    }
}
