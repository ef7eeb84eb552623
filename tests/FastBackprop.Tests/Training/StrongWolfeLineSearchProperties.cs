using FastBackprop.Training;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Training;

// ---------------------------------------------------------------------------------------------
// The strong-Wolfe line search against torch.optim.lbfgs._strong_wolfe (with _cubic_interpolate),
// transcribed below statement by statement in its own list-of-bracket form. Both run in double on
// the same scalar function, so they must try the same steps to the bit and return the same point:
// the tolerance is zero. The functions are random quartics, with a sine on top half the time (several
// minima along the line), their derivative negative at 0.
// ---------------------------------------------------------------------------------------------

/// <summary><see cref="StrongWolfeLineSearch"/> against PyTorch's strong-Wolfe search, step for step.</summary>
[Properties(Arbitrary = [typeof(OptimizerGenerators)], MaxTest = 300)]
public class StrongWolfeLineSearchProperties
{
    [Property]
    public void StrongWolfe_MatchesTorch_RandomFunctions(OptimizerCase c)
    {
        var random = new SeededRandom(c.Seed);
        var phi = new Polynomial(random, wavy: c.RandomStart);
        double t0 = Math.Pow(10, 2 * random.NextDouble() - 1.5);
        double dNorm = Math.Pow(10, 4 * random.NextDouble() - 2);
        int maxTrials = c.Steps * 5;

        var ours = new Recorder(phi);
        StrongWolfeLineSearch.Result result = StrongWolfeLineSearch.Search(ref ours, t0, phi.Value(0), phi.Slope(0), dNorm, maxTrials: maxTrials);
        var torch = new Recorder(phi);
        (double t, double f, int evaluations) = TorchStrongWolfe(torch, t0, phi.Value(0), phi.Slope(0), dNorm, maxTrials);

        string where = $"{c}: {phi}, t0 {t0:R}";
        Assert.Equal(torch.Trials, ours.Trials);
        Assert.True(BitConverter.DoubleToInt64Bits(t) == BitConverter.DoubleToInt64Bits(result.Step), $"{where}: step {result.Step:R}, torch {t:R}.");
        Assert.Equal(f, result.Value);
        Assert.Equal(evaluations, result.Evaluations);
        if (result.Slot != 0) Assert.Equal(result.Step, ours.LastTrialIn(result.Slot));   // the chosen gradient was not overwritten
        else Assert.Equal(0, result.Step);
        Assert.True(result.Value <= phi.Value(0), $"{where}: the chosen point is higher than the start.");
    }

    [Property]
    public void StrongWolfe_NonFiniteTrials_ShrinkTheStepAndNeverChooseThem(OptimizerCase c)
    {
        var random = new SeededRandom(c.Seed);
        var phi = new Polynomial(random, wavy: false) { Overflow = 0.05 + random.NextDouble() };
        var ours = new Recorder(phi);
        StrongWolfeLineSearch.Result result = StrongWolfeLineSearch.Search(ref ours, 4.0, phi.Value(0), phi.Slope(0), 1.0);
        Assert.True(double.IsFinite(result.Value) && result.Step < phi.Overflow && result.Value <= phi.Value(0), $"{c}: chose t = {result.Step} (E {result.Value}).");
    }

    [Fact]
    public void Cubic_MatchesTorch_AndFallsBackToTheMidpoint()
    {
        // minimum of t^3 - 3t between 0 and 2 is t = 1: f(0) = 0, f'(0) = -3, f(2) = 2, f'(2) = 9
        Assert.Equal(1.0, StrongWolfeLineSearch.Cubic(0, 0, -3, 2, 2, 9, 0, 2), 12);
        Assert.Equal(1.0, StrongWolfeLineSearch.Cubic(2, 2, 9, 0, 0, -3, 0, 2), 12);
        Assert.Equal(1.5, StrongWolfeLineSearch.Cubic(0, double.PositiveInfinity, double.NaN, 2, 1, 1, 1, 2));
    }

    // ---- torch/optim/lbfgs.py, transcribed -------------------------------------------------------

    private static double TorchCubic(double x1, double f1, double g1, double x2, double f2, double g2, (double Min, double Max)? bounds = null)
    {
        (double xminBound, double xmaxBound) = bounds ?? (x1 <= x2 ? (x1, x2) : (x2, x1));
        double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
        double d2Square = d1 * d1 - g1 * g2;
        if (d2Square >= 0)
        {
            double d2 = Math.Sqrt(d2Square);
            double minPos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)) : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
            return Math.Min(Math.Max(minPos, xminBound), xmaxBound);
        }
        return (xminBound + xmaxBound) / 2.0;
    }

    private static (double T, double F, int Evaluations) TorchStrongWolfe(Recorder objFunc, double t, double f, double gtd, double dNorm, int maxLs,
        double c1 = 1e-4, double c2 = 0.9, double toleranceChange = 1e-9)
    {
        (double fNew, double gtdNew) = objFunc.Evaluate(t);
        int lsFuncEvals = 1;
        double tPrev = 0, fPrev = f, gtdPrev = gtd;
        bool done = false;
        int lsIter = 0;
        List<double> bracket = [], bracketF = [], bracketGtd = [];
        while (lsIter < maxLs)
        {
            if (fNew > f + c1 * t * gtd || (lsIter > 1 && fNew >= fPrev))
            {
                (bracket, bracketF, bracketGtd) = ([tPrev, t], [fPrev, fNew], [gtdPrev, gtdNew]);
                break;
            }
            if (Math.Abs(gtdNew) <= -c2 * gtd)
            {
                (bracket, bracketF, done) = ([t], [fNew], true);
                break;
            }
            if (gtdNew >= 0)
            {
                (bracket, bracketF, bracketGtd) = ([tPrev, t], [fPrev, fNew], [gtdPrev, gtdNew]);
                break;
            }
            double minStep = t + 0.01 * (t - tPrev), maxStep = t * 10, tmp = t;
            t = TorchCubic(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, (minStep, maxStep));
            (tPrev, fPrev, gtdPrev) = (tmp, fNew, gtdNew);
            (fNew, gtdNew) = objFunc.Evaluate(t);
            lsFuncEvals++;
            lsIter++;
        }
        if (lsIter == maxLs)
        {
            (bracket, bracketF, bracketGtd) = ([0, t], [f, fNew], [gtd, gtdNew]);
        }
        bool insufProgress = false;
        (int lowPos, int highPos) = bracketF[0] <= bracketF[^1] ? (0, 1) : (1, 0);
        while (!done && lsIter < maxLs)
        {
            if (Math.Abs(bracket[1] - bracket[0]) * dNorm < toleranceChange) break;
            t = TorchCubic(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1]);
            double max = Math.Max(bracket[0], bracket[1]), min = Math.Min(bracket[0], bracket[1]);
            double eps = 0.1 * (max - min);
            if (Math.Min(max - t, t - min) < eps)
            {
                if (insufProgress || t >= max || t <= min)
                {
                    t = Math.Abs(t - max) < Math.Abs(t - min) ? max - eps : min + eps;
                    insufProgress = false;
                }
                else
                {
                    insufProgress = true;
                }
            }
            else
            {
                insufProgress = false;
            }
            (fNew, gtdNew) = objFunc.Evaluate(t);
            lsFuncEvals++;
            lsIter++;
            if (fNew > f + c1 * t * gtd || fNew >= bracketF[lowPos])
            {
                (bracket[highPos], bracketF[highPos], bracketGtd[highPos]) = (t, fNew, gtdNew);
                (lowPos, highPos) = bracketF[0] <= bracketF[1] ? (0, 1) : (1, 0);
            }
            else
            {
                if (Math.Abs(gtdNew) <= -c2 * gtd)
                {
                    done = true;
                }
                else if (gtdNew * (bracket[highPos] - bracket[lowPos]) >= 0)
                {
                    (bracket[highPos], bracketF[highPos], bracketGtd[highPos]) = (bracket[lowPos], bracketF[lowPos], bracketGtd[lowPos]);
                }
                (bracket[lowPos], bracketF[lowPos], bracketGtd[lowPos]) = (t, fNew, gtdNew);
            }
        }
        return (bracket[lowPos], bracketF[lowPos], lsFuncEvals);
    }

    // ---- functions of one variable ----------------------------------------------------------------

    /// <summary>phi(t) = a t⁴ + b t³ + c t² + s t (+ w sin(k t) - w k t, which keeps phi'(0) = s), s &lt; 0, a &gt; 0;
    /// +∞ from <see cref="Overflow"/> on.</summary>
    private sealed class Polynomial
    {
        private readonly double a, b, c, s, w, k;

        public Polynomial(SeededRandom random, bool wavy)
        {
            a = 0.01 + random.NextDouble();
            b = random.NextSymmetric(2f);
            c = random.NextSymmetric(3f);
            s = -(0.01 + 5 * random.NextDouble());
            (w, k) = wavy ? (0.5 * random.NextDouble(), 1 + 10 * random.NextDouble()) : (0, 0);
        }

        public double Overflow { get; init; } = double.PositiveInfinity;

        public double Value(double t) => t >= Overflow ? double.PositiveInfinity : (((a * t + b) * t + c) * t + s) * t + w * Math.Sin(k * t) - w * k * t;

        public double Slope(double t) => t >= Overflow ? double.NaN : ((4 * a * t + 3 * b) * t + 2 * c) * t + s + w * k * Math.Cos(k * t) - w * k;

        public override string ToString() => $"phi = {a:R} t^4 + {b:R} t^3 + {c:R} t^2 + {s:R} t + {w:R} (sin({k:R} t) - {k:R} t)";
    }

    /// <summary>Evaluates a function, recording every trial step and the slot it was kept in.</summary>
    private struct Recorder(Polynomial phi) : ILineFunction
    {
        private readonly List<(double T, int Slot)> trials = [];

        public readonly List<double> Trials => [.. trials.Select(x => x.T)];

        public readonly double LastTrialIn(int slot) => trials.Last(x => x.Slot == slot).T;

        public readonly (double Value, double Slope) Evaluate(double t, int slot)
        {
            Assert.InRange(slot, 1, StrongWolfeLineSearch.TrialSlots);
            trials.Add((t, slot));
            return (phi.Value(t), phi.Slope(t));
        }

        public readonly (double Value, double Slope) Evaluate(double t)
        {
            trials.Add((t, 0));
            return (phi.Value(t), phi.Slope(t));
        }
    }
}
