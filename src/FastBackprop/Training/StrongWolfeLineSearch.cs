namespace FastBackprop.Training;

// ---------------------------------------------------------------------------------------------
// The strong-Wolfe line search of torch.optim.LBFGS(line_search_fn='strong_wolfe') (a port of
// torch/optim's lswolfe.lua, after Nocedal & Wright, "Numerical Optimization", Alg. 3.5 and 3.6),
// on phi(t) = E(x + t d), phi'(t) = ∇E(x + t d)·d, all scalars in double:
//
//   bracketing: from t, until phi(t) > phi(0) + c1 t phi'(0) (Armijo fails) or phi(t) >= the last
//     value (after the second trial), or |phi'(t)| <= -c2 phi'(0) (strong Wolfe: done), or
//     phi'(t) >= 0; else the next t is the cubic interpolant's minimum in [t + 0.01 (t - t_prev), 10 t]
//   zoom: the cubic interpolant's minimum in the bracket, moved to 0.1 of the bracket's width from
//     its ends when it is too close to one twice in a row (or outside); the new point replaces the
//     high end (Armijo fails or not lower than the low end) or the low end (the old low end becomes
//     the high end when phi' points away from it), until strong Wolfe holds, the bracket is
//     narrower than tolerance_change / max|d|, or max_ls trials are spent.
//   The result is the bracket's low end (the start, t = 0, if nothing was lower).
//
// One deviation from torch: a trial whose loss or slope is not finite counts as phi = +∞ (Armijo
// fails, so the step shrinks), and an interpolant that comes out NaN is replaced by the bracket's
// midpoint; torch would carry the NaN on. The gradients of the points the search holds live in
// numbered slots (0 is the start's), so the caller gets the chosen point's gradient without a copy.
// ---------------------------------------------------------------------------------------------

/// <summary>phi(t) = E(x + t d) and phi'(t), evaluated for <see cref="StrongWolfeLineSearch"/>.</summary>
internal interface ILineFunction
{
    /// <summary>phi and phi' at <paramref name="t"/>, keeping the gradient there in slot <paramref name="slot"/> (1 to 3).</summary>
    (double Value, double Slope) Evaluate(double t, int slot);
}

/// <summary>The strong-Wolfe line search (see the file header).</summary>
internal static class StrongWolfeLineSearch
{
    /// <summary>Slots for trial gradients (1 to 3); slot 0 is the start's.</summary>
    public const int TrialSlots = 3;

    /// <summary>The point the search chose: its step, value and gradient slot, and the evaluations it took.</summary>
    public readonly record struct Result(double Step, double Value, int Slot, int Evaluations);

    private struct Point(double t, double value, double slope, int slot)
    {
        public double T = t, Value = value, Slope = slope;
        public int Slot = slot;
    }

    /// <summary>Searches from phi(0) = <paramref name="value"/>, phi'(0) = <paramref name="slope"/> (&lt; 0), trying
    /// <paramref name="t"/> first.</summary>
    public static Result Search<TFunction>(ref TFunction phi, double t, double value, double slope, double directionMaximum,
        double c1 = 1e-4, double c2 = 0.9, double toleranceChange = 1e-9, int maxTrials = 25)
        where TFunction : ILineFunction, allows ref struct
    {
        var start = new Point(0, value, slope, 0);
        int used = 1;   // bit s: slot s is held (slot 0, the start's, always)
        Point next = Trial(ref phi, t, ref used);
        int evaluations = 1, trials = 0;
        Point previous = start;
        Point b0 = default, b1 = default;   // the bracket, in torch's positions
        bool done = false;
        while (trials < maxTrials)
        {
            if (next.Value > value + c1 * next.T * slope || (trials > 1 && next.Value >= previous.Value))
            {
                (b0, b1) = (previous, next);
                break;
            }
            if (Math.Abs(next.Slope) <= -c2 * slope)
            {
                (b0, b1, done) = (next, next, true);
                break;
            }
            if (next.Slope >= 0)
            {
                (b0, b1) = (previous, next);
                break;
            }
            double minStep = next.T + 0.01 * (next.T - previous.T), maxStep = next.T * 10;
            double interpolated = Cubic(previous.T, previous.Value, previous.Slope, next.T, next.Value, next.Slope, minStep, maxStep);
            Release(ref used, previous.Slot);
            previous = next;
            next = Trial(ref phi, interpolated, ref used);
            evaluations++;
            trials++;
        }
        if (trials == maxTrials)
        {
            Release(ref used, previous.Slot);   // out of trials while bracketing: the start against the last trial
            (b0, b1) = (start, next);
        }

        int lowPosition = b0.Value <= b1.Value ? 0 : 1;
        bool insufficientProgress = false;
        while (!done && trials < maxTrials)
        {
            if (Math.Abs(b1.T - b0.T) * directionMaximum < toleranceChange) break;
            double lo = Math.Min(b0.T, b1.T), hi = Math.Max(b0.T, b1.T);
            double candidate = Cubic(b0.T, b0.Value, b0.Slope, b1.T, b1.Value, b1.Slope, lo, hi);
            double margin = 0.1 * (hi - lo);
            if (Math.Min(hi - candidate, candidate - lo) < margin)
            {
                if (insufficientProgress || candidate >= hi || candidate <= lo)
                {
                    candidate = Math.Abs(candidate - hi) < Math.Abs(candidate - lo) ? hi - margin : lo + margin;
                    insufficientProgress = false;
                }
                else
                {
                    insufficientProgress = true;
                }
            }
            else
            {
                insufficientProgress = false;
            }
            Point trial = Trial(ref phi, candidate, ref used);
            evaluations++;
            trials++;
            ref Point low = ref lowPosition == 0 ? ref b0 : ref b1;
            ref Point high = ref lowPosition == 0 ? ref b1 : ref b0;
            if (trial.Value > value + c1 * trial.T * slope || trial.Value >= low.Value)
            {
                if (high.Slot != low.Slot) Release(ref used, high.Slot);   // Armijo fails, or no lower than the low end: new high end
                high = trial;
                lowPosition = b0.Value <= b1.Value ? 0 : 1;
                continue;
            }
            if (Math.Abs(trial.Slope) <= -c2 * slope)
            {
                done = true;
            }
            else if (trial.Slope * (high.T - low.T) >= 0)
            {
                if (high.Slot != low.Slot) Release(ref used, high.Slot);   // the old low end becomes the high end
                high = low;
                low = trial;
                continue;
            }
            if (high.Slot != low.Slot) Release(ref used, low.Slot);        // the new point becomes the low end
            low = trial;
        }
        Point chosen = lowPosition == 0 ? b0 : b1;
        return new Result(chosen.T, chosen.Value, chosen.Slot, evaluations);
    }

    /// <summary>The minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to [lo, hi]; the midpoint of
    /// [lo, hi] when the cubic has no minimum or the arithmetic overflows.</summary>
    internal static double Cubic(double x1, double f1, double g1, double x2, double f2, double g2, double lo, double hi)
    {
        double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
        double d2Square = d1 * d1 - g1 * g2;
        if (d2Square >= 0)
        {
            double d2 = Math.Sqrt(d2Square);
            double minimum = x1 <= x2
                ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
            if (!double.IsNaN(minimum)) return Math.Min(Math.Max(minimum, lo), hi);
        }
        return (lo + hi) / 2;
    }

    private static Point Trial<TFunction>(ref TFunction phi, double t, ref int used) where TFunction : ILineFunction, allows ref struct
    {
        int slot = 1;
        while ((used & (1 << slot)) != 0) slot++;
        used |= 1 << slot;
        (double v, double s) = phi.Evaluate(t, slot);
        if (!(double.IsFinite(v) && double.IsFinite(s))) (v, s) = (double.PositiveInfinity, double.NaN);
        return new Point(t, v, s, slot);
    }

    private static void Release(ref int used, int slot)
    {
        if (slot != 0) used &= ~(1 << slot);
    }
}
