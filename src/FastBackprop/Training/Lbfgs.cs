using FastBackprop.Kernels.Optimizers;

namespace FastBackprop.Training;

// ---------------------------------------------------------------------------------------------
// L-BFGS (Liu & Nocedal 1989; Nocedal & Wright, "Numerical Optimization", Alg. 7.4 and 7.5) with
// the strong-Wolfe line search, as torch.optim.LBFGS(line_search_fn='strong_wolfe') runs it: one
// Step is up to MaxIterations iterations (and about MaxEvaluations objective evaluations) on the
// objective, and the curvature history carries over from step to step.
//
//   iteration 1 (ever):  d = -g;  t = min(1, 1/||g||_1) eta
//   later:               y = g - g_prev, s = t d; keep (s, y, rho = 1/yᵀs) if yᵀs > 1e-10 (the oldest
//                        pair goes when m are kept), gamma = yᵀs / yᵀy;  t = eta
//                        two-loop recursion: q = -g; for pairs newest to oldest: a_i = rho_i s_iᵀq,
//                        q -= a_i y_i; d = gamma q; for pairs oldest to newest: b = rho_i y_iᵀd,
//                        d += (a_i - b) s_i
//   stop the step when gᵀd > -tolerance_change, max|g| <= tolerance_grad, the iterations or the
//   evaluations are spent, max|t d| <= tolerance_change or |E - E_prev| < tolerance_change.
//
// Every dot product goes through ParameterReductions (the canonical order), every vector update
// through VectorArithmetic; the scalars (rho, gamma, t, the line search) are in double. The
// pairs live in a ring of m slots; they are per-parameter state buffers, so checkpoints carry them.
// ---------------------------------------------------------------------------------------------

/// <summary>L-BFGS with a strong-Wolfe line search, as torch.optim.LBFGS(line_search_fn='strong_wolfe') and
/// scikit-learn's solver='lbfgs': a quasi-Newton method for full-batch (or large-batch) training, which evaluates
/// the objective at trial points. See the file header of Lbfgs.cs for the equations.</summary>
/// <remarks>
/// <para>Needs the loss and an objective: call <see cref="Optimizer.Step(Span{float}, ReadOnlySpan{float}, float, double, IObjective?)"/>
/// (<see cref="Trainer.Fit"/> does). The learning rate scales the first trial step of each line search (1 is the
/// natural step of a quasi-Newton method).</para>
/// <para>State: the per-parameter buffers s_0..s_{m-1}, y_0..y_{m-1} (the curvature pairs' ring), the last direction d
/// and the gradient at the start of the last iteration; besides them the pairs' count, ring start and rho values, the
/// last step length t, gamma, the last loss, and the iteration and evaluation counts.</para>
/// </remarks>
public sealed class Lbfgs : Optimizer
{
    private const double CurvatureThreshold = 1e-10;   // yᵀs above which a pair is kept (torch's 1e-10)

    private readonly double[] rho;
    private readonly double[] alpha;
    private int pairCount;
    private int ringStart;
    private double stepLength;
    private double gamma = 1;
    private double previousLoss;
    private long iterations;
    private long evaluations;
    private Work? work;

    /// <summary>Creates the optimizer.</summary>
    /// <param name="parameterCount">The length of the parameter buffer; at least 1.</param>
    /// <param name="historySize">m, the curvature pairs kept; at least 1 (scikit-learn's 10; torch's default is 100).</param>
    /// <param name="maxIterations">Iterations per step; at least 1 (torch's max_iter, 20).</param>
    /// <param name="maxEvaluations">Objective evaluations per step, checked after each iteration; at least 1
    /// (torch's max_eval); 0 means 1.25 <paramref name="maxIterations"/>.</param>
    /// <param name="gradientTolerance">A step does nothing (further) once max|g| is at most this; finite, &gt;= 0.</param>
    /// <param name="changeTolerance">A step ends when the loss, the step or the directional derivative change by less; finite, &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public Lbfgs(int parameterCount, int historySize = 10, int maxIterations = 20, int maxEvaluations = 0, float gradientTolerance = 1e-7f, float changeTolerance = 1e-9f)
        : base(parameterCount, 2 * HyperParameter.AtLeast(historySize, 1, nameof(historySize)) + 2)
    {
        HistorySize = historySize;
        MaxIterations = HyperParameter.AtLeast(maxIterations, 1, nameof(maxIterations));
        MaxEvaluations = maxEvaluations == 0 ? maxIterations * 5 / 4 : HyperParameter.AtLeast(maxEvaluations, 1, nameof(maxEvaluations));
        GradientTolerance = HyperParameter.NonNegative(gradientTolerance, nameof(gradientTolerance));
        ChangeTolerance = HyperParameter.NonNegative(changeTolerance, nameof(changeTolerance));
        rho = new double[historySize];
        alpha = new double[historySize];
    }

    /// <summary>m.</summary>
    public int HistorySize { get; }

    /// <summary>Iterations per step.</summary>
    public int MaxIterations { get; }

    /// <summary>Objective evaluations per step (checked after each iteration, as torch does).</summary>
    public int MaxEvaluations { get; }

    /// <summary>tolerance_grad.</summary>
    public float GradientTolerance { get; }

    /// <summary>tolerance_change.</summary>
    public float ChangeTolerance { get; }

    /// <summary>L-BFGS iterations since construction or <see cref="Optimizer.Reset"/> (torch's state n_iter).</summary>
    public long Iterations => iterations;

    /// <summary>Objective evaluations since construction or <see cref="Optimizer.Reset"/>, the one at each step's start
    /// point included (torch's func_evals).</summary>
    public long Evaluations => evaluations;

    /// <inheritdoc/>
    public override OptimizerInputs Requires => OptimizerInputs.Objective;

    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant(
        $"lbfgs (history {HistorySize}, iterations {MaxIterations}, evaluations {MaxEvaluations}, strong-Wolfe line search)");

    // Buffers 0..m-1 are s, m..2m-1 are y, then d and the gradient at the last iteration's start.
    private Span<float> S(int slot) => StateBuffer(slot);

    private Span<float> Y(int slot) => StateBuffer(HistorySize + slot);

    private Span<float> Direction => StateBuffer(2 * HistorySize);

    private Span<float> PreviousGradient => StateBuffer(2 * HistorySize + 1);

    private protected override void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate, long step, double loss, IObjective? objective)
    {
        Work w = work ??= new Work(ParameterCount);
        Span<float> g = w.Gradient;
        gradient.CopyTo(g);
        evaluations++;   // the start point's evaluation, done by the caller
        if (ParameterReductions.MaxMagnitude(g) <= GradientTolerance) return;
        double e = loss;
        int stepEvaluations = 1;
        for (int n = 1; n <= MaxIterations; n++)
        {
            iterations++;
            if (iterations == 1)
            {
                g.CopyTo(Direction);
                VectorArithmetic.Scale(Direction, -1f);   // d = -g
                pairCount = 0;
                ringStart = 0;
                gamma = 1;
            }
            else
            {
                UpdateHistory(g, w);
                TwoLoop(g);
            }
            g.CopyTo(PreviousGradient);
            previousLoss = e;

            double t = iterations == 1 ? Math.Min(1.0, 1.0 / ParameterReductions.SumOfMagnitudes(g)) * learningRate : learningRate;
            stepLength = t;   // as torch keeps it when the step ends on the next line
            double slope = ParameterReductions.Dot(g, Direction);
            if (slope > -ChangeTolerance) break;

            double directionMaximum = ParameterReductions.MaxMagnitude(Direction);   // d stays as it is until the next iteration
            var line = new Line(objective!, parameters, Direction, w);
            StrongWolfeLineSearch.Result found = StrongWolfeLineSearch.Search(ref line, t, e, slope, directionMaximum, toleranceChange: ChangeTolerance);
            stepLength = found.Step;
            if (found.Step == 0)
            {
                // No point along d was lower: the history misleads (in float, a valley narrower than the loss's
                // rounding). Drop it, as L-BFGS-B does, so that the next iteration tries steepest descent.
                pairCount = 0;
                gamma = 1;
            }
            VectorArithmetic.AddScaled(parameters, Direction, (float)found.Step);   // the trial point's own arithmetic: E there is found.Value
            (found.Slot == 0 ? PreviousGradient : w.Slot(found.Slot)).CopyTo(g);
            e = found.Value;
            stepEvaluations += found.Evaluations;
            evaluations += found.Evaluations;

            if (n == MaxIterations || stepEvaluations >= MaxEvaluations) break;
            if (ParameterReductions.MaxMagnitude(g) <= GradientTolerance) break;
            if (directionMaximum * Math.Abs(stepLength) <= ChangeTolerance) break;
            if (Math.Abs(e - previousLoss) < ChangeTolerance) break;
        }
    }

    // y = g - g_prev, s = t d; kept when yᵀs > 1e-10.
    private void UpdateHistory(ReadOnlySpan<float> g, Work w)
    {
        Span<float> y = w.NewY, s = w.NewS;
        g.CopyTo(y);
        VectorArithmetic.AddScaled(y, PreviousGradient, -1f);
        Direction.CopyTo(s);
        VectorArithmetic.Scale(s, (float)stepLength);
        double ys = ParameterReductions.Dot(y, s);
        if (!(ys > CurvatureThreshold)) return;
        if (pairCount == HistorySize)
        {
            ringStart = (ringStart + 1) % HistorySize;   // the oldest pair goes
            pairCount--;
        }
        int slot = (ringStart + pairCount) % HistorySize;
        s.CopyTo(S(slot));
        y.CopyTo(Y(slot));
        rho[slot] = 1.0 / ys;
        pairCount++;
        gamma = ys / ParameterReductions.Dot(y, y);
    }

    // d = -H g by the two-loop recursion over the kept pairs.
    private void TwoLoop(ReadOnlySpan<float> g)
    {
        Span<float> d = Direction;
        g.CopyTo(d);
        VectorArithmetic.Scale(d, -1f);   // q = -g
        for (int i = pairCount - 1; i >= 0; i--)
        {
            int slot = (ringStart + i) % HistorySize;
            alpha[i] = ParameterReductions.Dot(S(slot), d) * rho[slot];   // a_i = rho_i s_iᵀq
            VectorArithmetic.AddScaled(d, Y(slot), (float)-alpha[i]);     // q -= a_i y_i
        }
        VectorArithmetic.Scale(d, (float)gamma);                          // d = gamma q
        for (int i = 0; i < pairCount; i++)
        {
            int slot = (ringStart + i) % HistorySize;
            double beta = ParameterReductions.Dot(Y(slot), d) * rho[slot];  // b = rho_i y_iᵀd
            VectorArithmetic.AddScaled(d, S(slot), (float)(alpha[i] - beta)); // d += (a_i - b) s_i
        }
    }

    private protected override void ExchangeHistory(ref StateSerializer s)
    {
        s.Int32(ref pairCount, "the curvature pair count", minimum: 0);
        s.Int32(ref ringStart, "the curvature ring start", minimum: 0);
        s.Doubles(rho, "the curvature pairs' rho");
        s.Double(ref stepLength);
        s.Double(ref gamma);
        s.Double(ref previousLoss);
        s.Int64(ref iterations, "the iteration count", minimum: 0);
        s.Int64(ref evaluations, "the evaluation count", minimum: 0);
    }

    private protected override string? InvalidState()
    {
        if (pairCount > HistorySize || ringStart >= HistorySize) return $"{pairCount} curvature pairs from slot {ringStart} in a history of {HistorySize}.";
        for (int i = 0; i < pairCount; i++)
        {
            double r = rho[(ringStart + i) % HistorySize];
            if (!(r > 0 && double.IsFinite(r))) return $"a kept curvature pair has rho {r}; expected a finite number > 0.";
        }
        if (!(double.IsFinite(stepLength) && stepLength >= 0)) return $"the step length is {stepLength}.";
        if (!(double.IsFinite(gamma) && gamma > 0)) return $"gamma is {gamma}.";
        if (double.IsNaN(previousLoss)) return "the previous loss is NaN.";
        return base.InvalidState();
    }

    private protected override void InitializeState()
    {
        pairCount = 0;
        ringStart = 0;
        stepLength = 0;
        gamma = 1;
        previousLoss = 0;
        iterations = 0;
        evaluations = 0;
        Array.Clear(rho);
    }

    /// <summary>phi(t) = E(x + t d) and its slope, evaluated into the work buffers.</summary>
    private readonly ref struct Line(IObjective objective, ReadOnlySpan<float> x, ReadOnlySpan<float> d, Work work) : ILineFunction
    {
        private readonly ReadOnlySpan<float> x = x;
        private readonly ReadOnlySpan<float> d = d;

        public (double Value, double Slope) Evaluate(double t, int slot)
        {
            VectorArithmetic.Step(work.Point, x, (float)t, d);
            Span<float> g = work.Slot(slot);
            double value = objective.Evaluate(work.Point, g);
            return (value, ParameterReductions.Dot(g, d));
        }
    }

    /// <summary>Buffers that are not state: made at the first step.</summary>
    private sealed class Work(int n)
    {
        private readonly float[][] slots = [new float[n], new float[n], new float[n]];

        public float[] Gradient { get; } = new float[n];

        public float[] Point { get; } = new float[n];

        public float[] NewS { get; } = new float[n];

        public float[] NewY { get; } = new float[n];

        public Span<float> Slot(int slot) => slots[slot - 1];
    }
}
