using FastBackprop.Kernels.Optimizers;

namespace FastBackprop.Training;

// ---------------------------------------------------------------------------------------------
// Scaled conjugate gradient (Møller 1993, "A scaled conjugate gradient algorithm for fast
// supervised learning", Neural Networks 6, the algorithm of section 4), one iteration per step:
//
//   start: p = r = -E'(w), lambda = lambda_1, lambda_bar = 0, success = true
//   2. if success: sigma_k = sigma / |p|; s = (E'(w + sigma_k p) - E'(w)) / sigma_k; delta = pᵀs
//   3. s += (lambda - lambda_bar) p; delta += (lambda - lambda_bar) |p|²
//   4. if delta <= 0: s += (lambda - 2 delta/|p|²) p; lambda_bar = 2 (lambda - delta/|p|²);
//                     delta = -delta + lambda |p|²; lambda = lambda_bar
//   5. mu = pᵀr; alpha = mu / delta
//   6. Delta = 2 delta (E(w) - E(w + alpha p)) / mu²
//   7. if Delta >= 0: w += alpha p; r' = -E'(w); lambda_bar = 0; success = true;
//                     p' = r' (every N-th iteration, N = the parameter count) or r' + beta p with
//                     beta = (|r'|² - r'ᵀr) / mu;  if Delta >= 0.75: lambda = lambda / 4
//      else:          lambda_bar = lambda; success = false
//   8. if Delta < 0.25: lambda += delta (1 - Delta) / |p|²
//
// The new gradient of step 7 is the next step's own (the trainer gives it, at the start point),
// so one step costs one gradient at w + sigma_k p and one loss at w + alpha p besides it, as in
// MATLAB's trainscg; the direction update of step 7 waits in the state until then. A trial whose
// loss is not finite counts as a failed step with Delta = 0 (a larger lambda, a shorter step). A
// zero gradient (r = 0: Møller's stop) leaves the weights as they are.
// Dot products through ParameterReductions, vector updates through VectorArithmetic, scalars in
// double.
// ---------------------------------------------------------------------------------------------

/// <summary>Scaled conjugate gradient (Møller 1993), as MATLAB's trainscg: conjugate directions with a
/// Levenberg-Marquardt-like scale instead of a line search. A full-batch method. See ScaledConjugateGradient.cs.</summary>
/// <remarks>
/// <para>Needs the loss and an objective: call <see cref="Optimizer.Step(Span{float}, ReadOnlySpan{float}, float, double, IObjective?)"/>.
/// The learning rate is validated but ignored.</para>
/// <para>State: the per-parameter buffers p (the direction), r (the negative gradient of the iteration) and s (the
/// scaled curvature times p); besides them lambda, lambda_bar, delta, mu, the iteration count and whether the last
/// iteration succeeded (and so whether a direction update waits).</para>
/// </remarks>
public sealed class ScaledConjugateGradient : Optimizer
{
    private double lambda;
    private double lambdaBar;
    private double delta;
    private double mu;
    private long iteration;
    private bool success = true;
    private bool started;
    private bool pendingUpdate;
    private bool pendingRestart;
    private Work? work;

    /// <summary>Creates the optimizer with MATLAB's trainscg defaults.</summary>
    /// <param name="parameterCount">The length of the parameter buffer; at least 1.</param>
    /// <param name="sigma">sigma, the finite-difference step for the curvature (trainscg's 5e-5); finite, &gt; 0.</param>
    /// <param name="lambda">lambda_1, the initial scale (trainscg's 5e-7); finite, &gt; 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public ScaledConjugateGradient(int parameterCount, float sigma = 5e-5f, float lambda = 5e-7f)
        : base(parameterCount, 3)
    {
        Sigma = HyperParameter.Positive(sigma, nameof(sigma));
        InitialLambda = HyperParameter.Positive(lambda, nameof(lambda));
        InitializeState();
    }

    /// <summary>sigma.</summary>
    public float Sigma { get; }

    /// <summary>lambda_1.</summary>
    public float InitialLambda { get; }

    /// <summary>The scale lambda now.</summary>
    public double Lambda => lambda;

    /// <inheritdoc/>
    public override OptimizerInputs Requires => OptimizerInputs.Objective;

    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant($"scg (sigma {Sigma}, lambda {InitialLambda})");

    private Span<float> P => StateBuffer(0);

    private Span<float> R => StateBuffer(1);

    private Span<float> S => StateBuffer(2);

    private protected override void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate, long step, double loss, IObjective? objective)
    {
        Work w = work ??= new Work(ParameterCount);
        if (!started)
        {
            gradient.CopyTo(R);
            VectorArithmetic.Scale(R, -1f);   // r = -E'(w)
            R.CopyTo(P);                        // p = r
            started = true;
        }
        else if (pendingUpdate)
        {
            // Step 7 of the iteration that succeeded, now that E'(w) at its new weights is here.
            Span<float> r = w.NewR;
            gradient.CopyTo(r);
            VectorArithmetic.Scale(r, -1f);
            if (pendingRestart)
            {
                r.CopyTo(P);
            }
            else
            {
                double beta = (ParameterReductions.SumOfSquares(r) - ParameterReductions.Dot(r, R)) / mu;
                VectorArithmetic.Scale(P, (float)beta);
                VectorArithmetic.AddScaled(P, r, 1f);   // p = r' + beta p
            }
            r.CopyTo(R);
            pendingUpdate = false;
        }

        double pp = ParameterReductions.SumOfSquares(P);
        if (!(pp > 0) || !double.IsFinite(pp)) return;   // r = 0: a stationary point
        if (success)
        {
            // 2. s = (E'(w + sigma_k p) - E'(w)) / sigma_k, delta = pᵀs
            double sigmaK = Sigma / Math.Sqrt(pp);
            VectorArithmetic.Step(w.Point, parameters, (float)sigmaK, P);
            objective!.Evaluate(w.Point, S);
            VectorArithmetic.AddScaled(S, gradient, -1f);
            VectorArithmetic.Scale(S, (float)(1.0 / sigmaK));
            delta = ParameterReductions.Dot(P, S);
        }
        // 3. scale
        VectorArithmetic.AddScaled(S, P, (float)(lambda - lambdaBar));
        delta += (lambda - lambdaBar) * pp;
        // 4. make the Hessian estimate positive definite
        if (delta <= 0)
        {
            VectorArithmetic.AddScaled(S, P, (float)(lambda - 2 * delta / pp));
            lambdaBar = 2 * (lambda - delta / pp);
            delta = -delta + lambda * pp;
            lambda = lambdaBar;
        }
        // 5. step size
        mu = ParameterReductions.Dot(P, R);
        double alpha = mu / delta;
        // 6. comparison parameter
        VectorArithmetic.Step(w.Point, parameters, (float)alpha, P);
        double trialLoss = objective!.Evaluate(w.Point, default);
        double comparison = double.IsFinite(trialLoss) ? 2 * delta * (loss - trialLoss) / (mu * mu) : 0;
        // 7. accept or not
        if (double.IsFinite(trialLoss) && comparison >= 0)
        {
            w.Point.CopyTo(parameters);   // w + alpha p, the point just measured
            lambdaBar = 0;
            success = true;
            pendingUpdate = true;
            pendingRestart = (iteration + 1) % ParameterCount == 0;
            if (comparison >= 0.75) lambda /= 4;
        }
        else
        {
            lambdaBar = lambda;
            success = false;
        }
        // 8. raise the scale after a poor prediction
        if (comparison < 0.25) lambda += delta * (1 - comparison) / pp;
        iteration++;
    }

    private protected override void ExchangeHistory(ref StateSerializer s)
    {
        s.Double(ref lambda);
        s.Double(ref lambdaBar);
        s.Double(ref delta);
        s.Double(ref mu);
        s.Int64(ref iteration, "the iteration count", minimum: 0);
        s.Boolean(ref success);
        s.Boolean(ref started);
        s.Boolean(ref pendingUpdate);
        s.Boolean(ref pendingRestart);
    }

    private protected override string? InvalidState() =>
        !(double.IsFinite(lambda) && lambda >= 0) ? $"lambda is {lambda}; expected a finite number >= 0."
        : !(double.IsFinite(lambdaBar) && double.IsFinite(delta) && double.IsFinite(mu)) ? "lambda_bar, delta or mu is not finite."
        : base.InvalidState();

    private protected override void InitializeState()
    {
        lambda = InitialLambda;
        lambdaBar = 0;
        delta = 0;
        mu = 0;
        iteration = 0;
        success = true;
        started = false;
        pendingUpdate = false;
        pendingRestart = false;
    }

    /// <summary>Buffers that are not state: made at the first step.</summary>
    private sealed class Work(int n)
    {
        public float[] Point { get; } = new float[n];

        public float[] NewR { get; } = new float[n];
    }
}
