using FastBackprop.Kernels.Optimizers;

namespace FastBackprop.Training;

// ---------------------------------------------------------------------------------------------
// Levenberg-Marquardt as Hagan & Menhaj (1994, "Training feedforward networks with the Marquardt
// algorithm", IEEE Trans. Neural Networks 5(6)) apply it to networks, one iteration per step:
//
//   G = the generalized Gauss-Newton matrix at w, g = ∇E (IGaussNewtonObjective: JᵀHJ and Jᵀr,
//       with H = I for half squared error, so G = JᵀJ, and H the softmax or logistic output
//       Hessian for cross-entropy, Schraudolph 2002)
//   repeat: solve (G + mu I) Δ = -g (Cholesky on the packed lower triangle); E' = E(w + Δ)
//           if E' < E: w = w + Δ; mu = mu · mu_dec; done
//           else:     mu = mu · mu_inc; if mu > mu_max: mu = mu_max, no step; done
//   (a factorisation that fails, G + mu I not numerically positive definite, counts as E' >= E)
//
// Hagan & Menhaj divide mu by beta = 10 after a success and multiply by it after a failure;
// MATLAB's trainlm (mu 0.001, mu_dec 0.1, mu_inc 10, mu_max 1e10) is the default here. E and G are
// means over the patterns (MATLAB's are sums), so mu is on the per-pattern scale.
// G, its factor and the solve are in double; G is accumulated by ParameterReductions.AddLayeredGram and
// the factorisation and solves take their inner products in the canonical order, so a step gives
// the same bits at every vector width.
// ---------------------------------------------------------------------------------------------

/// <summary>Levenberg-Marquardt (Hagan and Menhaj 1994, as MATLAB's trainlm) with the generalized Gauss-Newton matrix,
/// for networks of up to <see cref="MaxParameterCount"/> parameters. A full-batch method. See LevenbergMarquardt.cs.</summary>
/// <remarks>
/// <para>Needs the loss and an <see cref="IGaussNewtonObjective"/>: call
/// <see cref="Optimizer.Step(Span{float}, ReadOnlySpan{float}, float, double, IObjective?)"/>. The learning rate is
/// validated but ignored. The work buffers (two packed P x P matrices in double) are made at the first step.</para>
/// <para>State: the damping mu. No per-parameter buffers: G is recomputed at every step.</para>
/// </remarks>
public sealed class LevenbergMarquardt : Optimizer
{
    /// <summary>The largest parameter count: a step holds G and its Cholesky factor, each P(P+1)/2 doubles (64 MiB each
    /// at 4,096), and factorises P³/6 multiply-adds (11.5 G at 4,096, several seconds) up to a few times; beyond it
    /// L-BFGS or scaled conjugate gradient reach the same losses in less time.</summary>
    public const int MaxParameterCount = 4096;

    private double mu;
    private Work? work;

    /// <summary>Creates the optimizer with MATLAB's trainlm defaults.</summary>
    /// <param name="parameterCount">The length of the parameter buffer; 1 to <see cref="MaxParameterCount"/>.</param>
    /// <param name="mu">The initial damping; finite, &gt; 0.</param>
    /// <param name="muIncrease">The factor after a step that did not lower the loss; finite, &gt; 1.</param>
    /// <param name="muDecrease">The factor after a step that did; in (0, 1).</param>
    /// <param name="muMax">The damping at which a step gives up (MATLAB stops training there); finite, &gt;= <paramref name="mu"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range; for the parameter count, the message
    /// says why there is a limit.</exception>
    public LevenbergMarquardt(int parameterCount, float mu = 1e-3f, float muIncrease = 10f, float muDecrease = 0.1f, float muMax = 1e10f)
        : base(CheckSize(parameterCount), 0)
    {
        InitialMu = HyperParameter.Positive(mu, nameof(mu));
        MuIncrease = HyperParameter.AboveOne(muIncrease, nameof(muIncrease));
        MuDecrease = HyperParameter.OpenUnitInterval(muDecrease, nameof(muDecrease));
        MuMax = HyperParameter.InRange(muMax, mu, float.MaxValue, nameof(muMax));
        this.mu = mu;
    }

    /// <summary>The initial damping.</summary>
    public float InitialMu { get; }

    /// <summary>mu_inc.</summary>
    public float MuIncrease { get; }

    /// <summary>mu_dec.</summary>
    public float MuDecrease { get; }

    /// <summary>mu_max.</summary>
    public float MuMax { get; }

    /// <summary>The damping now.</summary>
    public double Mu => mu;

    /// <inheritdoc/>
    public override OptimizerInputs Requires => OptimizerInputs.GaussNewtonObjective;

    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant($"lm (mu {InitialMu}, mu-increase {MuIncrease}, mu-decrease {MuDecrease}, mu-max {MuMax})");

    private protected override void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate, long step, double loss, IObjective? objective)
    {
        int n = ParameterCount;
        Work w = work ??= new Work(n);
        var gaussNewton = (IGaussNewtonObjective)objective!;
        double at = gaussNewton.EvaluateGaussNewton(parameters, w.Matrix, w.Gradient);
        if (!double.IsFinite(at)) return;
        while (true)
        {
            if (TrySolve(w, n))
            {
                for (int i = 0; i < n; i++) w.Point[i] = (float)(parameters[i] + w.Delta[i]);   // one rounding of w + Δ
                double trial = objective!.Evaluate(w.Point, default);
                if (trial < loss)   // false for NaN
                {
                    w.Point.CopyTo(parameters);
                    mu *= MuDecrease;
                    return;
                }
            }
            mu *= MuIncrease;
            if (mu > MuMax)
            {
                mu = MuMax;
                return;
            }
        }
    }

    // (G + mu I) Δ = -g; false when the factorisation fails.
    private bool TrySolve(Work w, int n)
    {
        w.Matrix.CopyTo(w.Factor, 0);
        for (int i = 0; i < n; i++) w.Factor[i * (i + 1) / 2 + i] += mu;
        if (!PackedCholesky.Factor(w.Factor, n)) return false;
        for (int i = 0; i < n; i++) w.Delta[i] = -w.Gradient[i];
        PackedCholesky.Solve(w.Factor, n, w.Delta);
        foreach (double d in w.Delta)
        {
            if (!double.IsFinite(d)) return false;
        }
        return true;
    }

    private protected override void ExchangeHistory(ref StateSerializer s) => s.Double(ref mu);

    private protected override string? InvalidState() =>
        mu > 0 && mu <= MuMax ? base.InvalidState() : $"mu is {mu}; expected a number in (0, {MuMax}].";

    private protected override void InitializeState() => mu = InitialMu;

    private static int CheckSize(int parameterCount)
    {
        if (parameterCount > MaxParameterCount)
        {
            throw new ArgumentOutOfRangeException(nameof(parameterCount), parameterCount,
                $"{nameof(parameterCount)} is {parameterCount}; Levenberg-Marquardt handles at most {MaxParameterCount} parameters: it stores the " +
                $"{parameterCount} x {parameterCount} Gauss-Newton matrix and its Cholesky factor ({2.0 * parameterCount * (parameterCount + 1) / 2 * 8 / (1 << 20):F0} MiB) " +
                "and factorises it (P³/6 multiply-adds) at every step. Use L-BFGS or scaled conjugate gradient for larger networks.");
        }
        return parameterCount;
    }

    /// <summary>Buffers that are not state: made at the first step.</summary>
    private sealed class Work(int n)
    {
        public double[] Matrix { get; } = new double[n * (n + 1) / 2];

        public double[] Factor { get; } = new double[n * (n + 1) / 2];

        public double[] Gradient { get; } = new double[n];

        public double[] Delta { get; } = new double[n];

        public float[] Point { get; } = new float[n];
    }
}
